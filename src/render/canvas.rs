//! Software drawing on an RGB image: anti-aliased lines and discs, translucent rectangles and
//! text in the font the window bundles (Hack, through `ab_glyph`). Coordinates are frame
//! pixels as `f32`, y down; everything is clipped to the image.

use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont as _, point};
use image::RgbImage;

/// The font of text drawn on frames.
fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(epaint_default_fonts::HACK_REGULAR)
            .expect("the bundled Hack font parses (checked by a test)")
    })
}

/// A point in frame pixels.
pub type Point = (f32, f32);

/// Drawing operations on one image.
#[derive(Debug)]
pub struct Canvas<'a> {
    image: &'a mut RgbImage,
}

impl<'a> Canvas<'a> {
    /// A canvas over `image`.
    pub fn new(image: &'a mut RgbImage) -> Self {
        Self { image }
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        self.image.dimensions()
    }

    /// Mixes `rgb` into the pixel at `(x, y)` with opacity `alpha` (0-1); outside: nothing.
    pub fn blend(&mut self, x: i64, y: i64, rgb: [u8; 3], alpha: f32) {
        let (width, height) = self.image.dimensions();
        if x < 0 || y < 0 || x >= i64::from(width) || y >= i64::from(height) || alpha <= 0.0 {
            return;
        }
        let alpha = alpha.min(1.0);
        let pixel = self.image.get_pixel_mut(x as u32, y as u32);
        for (channel, value) in pixel.0.iter_mut().zip(rgb) {
            let mixed = f32::from(*channel) + (f32::from(value) - f32::from(*channel)) * alpha;
            *channel = mixed.round().clamp(0.0, 255.0) as u8;
        }
    }

    /// The pixel rows and columns touched by a box, clipped: `(x0, y0, x1, y1)` exclusive.
    fn clip(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> Option<(i64, i64, i64, i64)> {
        let (width, height) = self.image.dimensions();
        if !(x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite()) {
            return None;
        }
        let cx0 = (x0.floor() as i64).max(0);
        let cy0 = (y0.floor() as i64).max(0);
        let cx1 = (x1.ceil() as i64).min(i64::from(width));
        let cy1 = (y1.ceil() as i64).min(i64::from(height));
        (cx0 < cx1 && cy0 < cy1).then_some((cx0, cy0, cx1, cy1))
    }

    /// Fills the rectangle from `(x0, y0)` to `(x1, y1)` with `rgb` at opacity `alpha`.
    pub fn fill_rect(&mut self, min: Point, max: Point, rgb: [u8; 3], alpha: f32) {
        let Some((x0, y0, x1, y1)) = self.clip(min.0, min.1, max.0, max.1) else {
            return;
        };
        for y in y0..y1 {
            for x in x0..x1 {
                self.blend(x, y, rgb, alpha);
            }
        }
    }

    /// An anti-aliased line `width` pixels thick with round ends.
    pub fn line(&mut self, a: Point, b: Point, width: f32, rgb: [u8; 3]) {
        if ![a.0, a.1, b.0, b.1, width].iter().all(|v| v.is_finite()) {
            return;
        }
        let half = width / 2.0;
        let pad = half + 1.0;
        let Some((x0, y0, x1, y1)) = self.clip(
            a.0.min(b.0) - pad,
            a.1.min(b.1) - pad,
            a.0.max(b.0) + pad,
            a.1.max(b.1) + pad,
        ) else {
            return;
        };
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let length2 = dx * dx + dy * dy;
        for y in y0..y1 {
            for x in x0..x1 {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                let t = if length2 > 0.0 {
                    (((px - a.0) * dx + (py - a.1) * dy) / length2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
                let distance = ((px - qx).powi(2) + (py - qy).powi(2)).sqrt();
                self.blend(x, y, rgb, half + 0.5 - distance);
            }
        }
    }

    /// An anti-aliased filled disc.
    pub fn disc(&mut self, centre: Point, radius: f32, rgb: [u8; 3]) {
        if ![centre.0, centre.1, radius].iter().all(|v| v.is_finite()) {
            return;
        }
        let pad = radius + 1.0;
        let Some((x0, y0, x1, y1)) = self.clip(
            centre.0 - pad,
            centre.1 - pad,
            centre.0 + pad,
            centre.1 + pad,
        ) else {
            return;
        };
        for y in y0..y1 {
            for x in x0..x1 {
                let distance = ((x as f32 + 0.5 - centre.0).powi(2)
                    + (y as f32 + 0.5 - centre.1).powi(2))
                .sqrt();
                self.blend(x, y, rgb, radius + 0.5 - distance);
            }
        }
    }

    /// Draws `text` with its top-left corner at `origin`, `size` pixels high; returns the
    /// width and height it took.
    pub fn text(&mut self, origin: Point, size: f32, rgb: [u8; 3], text: &str) -> (f32, f32) {
        let font = font();
        let scale = PxScale::from(size);
        let scaled = font.as_scaled(scale);
        let mut caret = point(origin.0, origin.1 + scaled.ascent());
        let mut previous = None;
        for character in text.chars() {
            let id = scaled.glyph_id(character);
            if let Some(previous) = previous {
                caret.x += scaled.kern(previous, id);
            }
            previous = Some(id);
            let glyph = id.with_scale_and_position(scale, caret);
            caret.x += scaled.h_advance(id);
            if let Some(outlined) = font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                outlined.draw(|x, y, coverage| {
                    self.blend(
                        bounds.min.x as i64 + i64::from(x),
                        bounds.min.y as i64 + i64::from(y),
                        rgb,
                        coverage,
                    );
                });
            }
        }
        (caret.x - origin.0, scaled.height())
    }

    /// The width and height `text` takes at `size` pixels.
    pub fn text_size(size: f32, text: &str) -> (f32, f32) {
        let scaled = font().as_scaled(PxScale::from(size));
        let mut width = 0.0;
        let mut previous = None;
        for character in text.chars() {
            let id = scaled.glyph_id(character);
            if let Some(previous) = previous {
                width += scaled.kern(previous, id);
            }
            previous = Some(id);
            width += scaled.h_advance(id);
        }
        (width, scaled.height())
    }

    /// `text` on a translucent dark box with `pad` pixels around it; returns the box's size.
    pub fn label(&mut self, origin: Point, size: f32, rgb: [u8; 3], text: &str) -> (f32, f32) {
        self.badge(
            origin,
            size,
            rgb,
            super::palette::LABEL_BACKGROUND,
            super::palette::LABEL_BACKGROUND_ALPHA,
            text,
        )
    }

    /// `text` on a box of `background` at opacity `alpha`; returns the box's size.
    pub fn badge(
        &mut self,
        origin: Point,
        size: f32,
        rgb: [u8; 3],
        background: [u8; 3],
        alpha: f32,
        text: &str,
    ) -> (f32, f32) {
        let pad = (size * 0.3).round();
        let (width, height) = Self::text_size(size, text);
        let (box_w, box_h) = (width + 2.0 * pad, height + 2.0 * pad);
        self.fill_rect(
            origin,
            (origin.0 + box_w, origin.1 + box_h),
            background,
            alpha,
        );
        self.text((origin.0 + pad, origin.1 + pad), size, rgb, text);
        (box_w, box_h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(image: &RgbImage, rgb: [u8; 3]) -> usize {
        image.pixels().filter(|pixel| pixel.0 == rgb).count()
    }

    #[test]
    fn lines_and_discs_cover_what_they_should_and_clip() {
        let mut image = RgbImage::new(40, 30);
        let mut canvas = Canvas::new(&mut image);
        canvas.line((5.0, 10.0), (35.0, 10.0), 4.0, [255, 0, 0]);
        canvas.disc((-1.0, -1.0), 5.0, [0, 255, 0]);
        canvas.line((0.0, 0.0), (1e6, f32::NAN), 3.0, [0, 0, 255]);
        assert_eq!(image.get_pixel(20, 10).0, [255, 0, 0]);
        assert_eq!(image.get_pixel(20, 20).0, [0, 0, 0]);
        // The line's core is solid: 30 long, 4 wide (a little less at the round ends).
        let red = count(&image, [255, 0, 0]);
        assert!((110..=140).contains(&red), "{red}");
        assert_eq!(
            image.get_pixel(0, 0).0,
            [0, 255, 0],
            "clipped disc drawn in range"
        );
    }

    #[test]
    fn text_draws_inside_its_measured_box() {
        let mut image = RgbImage::new(200, 40);
        let (w, h) = Canvas::new(&mut image).text((10.0, 5.0), 20.0, [255, 255, 255], "CVA 48°");
        assert!((w - Canvas::text_size(20.0, "CVA 48°").0).abs() < 1e-3);
        assert!(w > 50.0 && h > 15.0, "{w} x {h}");
        let lit: Vec<(u32, u32)> = image
            .enumerate_pixels()
            .filter(|(_, _, pixel)| pixel.0[0] > 128)
            .map(|(x, y, _)| (x, y))
            .collect();
        assert!(lit.len() > 100, "{} pixels lit", lit.len());
        assert!(lit.iter().all(|&(x, y)| {
            f64::from(x) >= 9.0
                && f64::from(x) <= 11.0 + f64::from(w)
                && y >= 4
                && f64::from(y) <= 6.0 + f64::from(h)
        }));
    }
}
