//! plumbline's icon, drawn in code: a head over a plumb line in a disc whose colour follows
//! the tray state. The same drawing is the SVG of the desktop entry
//! (`packaging/plumbline.svg`, written by [`svg`] and checked by a test) and the tray's
//! ARGB pixmaps, so no icon theme is needed.

use super::TrayState;

/// Disc colour per tray state (RGB). The same meanings as the window's badges
/// (`ui::theme`: good, caution, alert, muted; a test checks they agree).
pub fn colour(state: TrayState) -> [u8; 3] {
    match state {
        TrayState::Upright => [76, 175, 80],
        TrayState::AtRisk => [255, 179, 0],
        TrayState::ForwardHead => [229, 57, 53],
        TrayState::Paused => [144, 164, 174],
        TrayState::NoCamera => [96, 96, 96],
        TrayState::Away => [207, 216, 220],
    }
}

/// The colour of the application icon (the upright state).
pub const APP_COLOUR: TrayState = TrayState::Upright;

/// Whether the point (x, y), in units of the icon's size (0..1), is inside the white glyph:
/// a head (circle) above a plumb line with its bob.
fn glyph(x: f64, y: f64) -> bool {
    let head = (x - 0.5).powi(2) + (y - 0.3).powi(2) <= 0.12_f64.powi(2);
    let line = (x - 0.5).abs() <= 0.035 && (0.42..=0.72).contains(&y);
    let bob = {
        // A downward triangle: apex at (0.5, 0.84), top edge at y = 0.70.
        let half_width = (0.84 - y) * 0.6;
        (0.70..=0.84).contains(&y) && (x - 0.5).abs() <= half_width
    };
    head || line || bob
}

/// An ARGB32 (network byte order, as StatusNotifierItem wants) square icon of `size`.
pub fn argb(state: TrayState, size: u32) -> Vec<u8> {
    let [r, g, b] = colour(state);
    let n = f64::from(size);
    let mut data = Vec::with_capacity((size * size * 4) as usize);
    for py in 0..size {
        for px in 0..size {
            // Pixel centres, in units of the icon.
            let x = (f64::from(px) + 0.5) / n;
            let y = (f64::from(py) + 0.5) / n;
            let inside_disc = (x - 0.5).powi(2) + (y - 0.5).powi(2) <= 0.49_f64.powi(2);
            let pixel = if !inside_disc {
                [0, 0, 0, 0]
            } else if glyph(x, y) {
                [255, 255, 255, 255]
            } else {
                [255, r, g, b]
            };
            data.extend_from_slice(&pixel);
        }
    }
    data
}

/// The icon as SVG (48×48 user units), in the colour of `state`.
pub fn svg(state: TrayState) -> String {
    let [r, g, b] = colour(state);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">
  <title>plumbline</title>
  <circle cx="24" cy="24" r="23.5" fill="#{r:02x}{g:02x}{b:02x}"/>
  <circle cx="24" cy="14.4" r="5.76" fill="#ffffff"/>
  <rect x="22.32" y="20.16" width="3.36" height="14.4" fill="#ffffff"/>
  <polygon points="19.968,33.6 28.032,33.6 24,40.32" fill="#ffffff"/>
</svg>
"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixmaps_differ_by_state_and_have_a_white_glyph() {
        let size = 24;
        let icons: Vec<Vec<u8>> = TrayState::ALL.iter().map(|s| argb(*s, size)).collect();
        for icon in &icons {
            assert_eq!(icon.len(), (size * size * 4) as usize);
            // The head's centre is white and opaque; a corner is transparent.
            let at = |x: u32, y: u32| &icon[((y * size + x) * 4) as usize..][..4];
            assert_eq!(at(12, 7), [255, 255, 255, 255]);
            assert_eq!(at(0, 0)[0], 0);
        }
        for (i, a) in icons.iter().enumerate() {
            for b in &icons[i + 1..] {
                assert_ne!(a, b, "every state has its own colour");
            }
        }
    }

    #[test]
    fn the_committed_svg_is_the_drawing() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/plumbline.svg");
        let committed = std::fs::read_to_string(&path).expect("packaging/plumbline.svg");
        assert_eq!(
            committed,
            svg(APP_COLOUR),
            "packaging/plumbline.svg must be desktop::icon::svg(APP_COLOUR)"
        );
    }
}
