//! The C7 model fits on the hand-annotated side views (`tests/data/annotations/`): the fitted
//! parameters must be the ones in `plumbline::geometry`, and the held-out errors are what
//! `docs/GEOMETRY.md` reports. The fitting code lives here, not in the library: only the
//! tests fit.

use std::collections::BTreeMap;
use std::path::Path;

use super::media::body;
use plumbline::geometry::cva::{C7_POSTERIOR, C7_SUPERIOR, CvaModel, cva_from_points};
use plumbline::geometry::silhouette::{LEVELS, MIN_NECK_NOTCH, NeckContour, SilhouetteC7};
use plumbline::geometry::uncertainty::{
    C7Source, CvaEvidence, EDGE_SHARP, EDGE_SOFT, cva_sd_deg, sd_beyond_clean_deg,
};
use plumbline::geometry::{Facing, SideChain, point_y_up, wrap_angle};
use plumbline::posture::baseline::SideReference;
use plumbline::posture::judge::{side_bands, side_call};
use plumbline::posture::{Call, PostureConfig};
use serde::Deserialize;

/// A two-parameter grid search, coarse to fine: `loss(a, b)` over `a_range` × `b_range` at
/// `coarse` steps, then at `fine` steps within one coarse step of the best point.
fn grid_search_2d(
    a_range: (f64, f64),
    b_range: (f64, f64),
    coarse: f64,
    fine: f64,
    loss: impl Fn(f64, f64) -> Option<f64>,
) -> Option<(f64, f64)> {
    let grid = |a: (f64, f64), b: (f64, f64), step: f64| {
        let steps = |r: (f64, f64)| ((r.1 - r.0) / step).round() as i32;
        let mut best: Option<(f64, (f64, f64))> = None;
        for i in 0..=steps(a) {
            for j in 0..=steps(b) {
                let point = (a.0 + f64::from(i) * step, b.0 + f64::from(j) * step);
                if let Some(e) = loss(point.0, point.1)
                    && best.is_none_or(|(b, _)| e < b)
                {
                    best = Some((e, point));
                }
            }
        }
        best.map(|(_, point)| point)
    };
    let (a, b) = grid(a_range, b_range, coarse)?;
    let around = |v: f64| (v - coarse, v + coarse);
    grid(around(a), around(b), fine)
}

/// One annotated side view: the pose landmarks and the CVA of the hand-marked points.
#[derive(Clone, Copy, Debug, PartialEq)]
struct CvaSample {
    chain: SideChain,
    facing: Facing,
    /// The reference CVA from the annotation, radians.
    reference_rad: f64,
}

/// Fits the landmark C7 model's two fractions (range -0.3..0.5, steps 0.02 then 0.0025),
/// minimising the weighted squared CVA error.
fn fit_c7(samples: &[(CvaSample, f64)]) -> Option<CvaModel> {
    let model = |posterior, superior| CvaModel {
        posterior,
        superior,
        user_offset_rad: 0.0,
    };
    let (posterior, superior) = grid_search_2d((-0.3, 0.5), (-0.3, 0.5), 0.02, 0.0025, |p, s| {
        samples
            .iter()
            .map(|(x, w)| {
                let cva = model(p, s).cva_rad(&x.chain, x.facing).ok()?;
                Some(w * wrap_angle(cva - x.reference_rad).powi(2))
            })
            .sum()
    })?;
    Some(model(posterior, superior))
}

/// The CVA error (model minus reference, radians) of `s` with C7 on `contour` by `model`.
fn silhouette_error(s: &CvaSample, contour: &NeckContour, model: SilhouetteC7) -> Option<f64> {
    let c7 = model.c7(contour, &s.chain, s.facing).ok()?;
    let cva = CvaModel::EAR_SHOULDER
        .cva_rad_from_c7(&s.chain, s.facing, c7)
        .ok()?;
    Some(wrap_angle(cva - s.reference_rad))
}

/// Fits [`SilhouetteC7`] (level 0..1, lean -1..0.5, steps 0.05 then 0.01), minimising the
/// weighted squared CVA error.
fn fit_silhouette_c7(samples: &[(&CvaSample, &NeckContour, f64)]) -> Option<SilhouetteC7> {
    let (level, lean) = grid_search_2d((0.0, 1.0), (-1.0, 0.5), 0.05, 0.01, |level, lean| {
        samples
            .iter()
            .map(|(s, c, w)| {
                silhouette_error(s, c, SilhouetteC7 { level, lean }).map(|e| w * e * e)
            })
            .sum()
    })?;
    Some(SilhouetteC7 { level, lean })
}

/// Weights that make every person count once: 1 / (images of that person).
fn per_person<'a>(people: impl Iterator<Item = &'a str> + Clone) -> impl Fn(&str) -> f64 {
    let counts: std::collections::BTreeMap<String, usize> =
        people.fold(std::collections::BTreeMap::default(), |mut m, p| {
            *m.entry(p.to_owned()).or_default() += 1;
            m
        });
    move |p| 1.0 / counts.get(p).copied().unwrap_or(1) as f64
}

#[derive(Deserialize)]
struct Annotations {
    images: Vec<Annotation>,
}

#[derive(Deserialize)]
struct Annotation {
    file: String,
    facing: String,
    tragus_px: [f64; 2],
    c7_px: [f64; 2],
    use_in_fit: bool,
    person: String,
    /// Set on the second annotation pass (persons I-P).
    #[serde(default)]
    added: Option<String>,
    /// upright / mild / forward.
    posture: String,
    /// recline, hair, standing.
    tags: Vec<String>,
}

/// One line of `plumbline pose --json`, as stored for the annotated images.
#[derive(Deserialize)]
struct Dump {
    file: String,
    landmarks: Option<Vec<[f64; 5]>>,
}

fn annotations_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/annotations")
}

/// One annotated image.
struct Row {
    file: String,
    person: String,
    sample: CvaSample,
    /// First annotation pass (the landmark C7 model's constants were fitted on these).
    first_pass: bool,
    posture: String,
    tags: Vec<String>,
    /// Lowest visibility of the near ear, shoulder and hip.
    min_visibility: f64,
    /// Shoulder spread over the trunk length.
    spread: f64,
    /// The near eye (y-up), for the head-size-scaled fallback candidate.
    eye: nalgebra::Point2<f64>,
}

/// The annotated samples with pose landmarks.
fn samples() -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let dir = annotations_dir();
    let ann: Annotations =
        serde_json::from_str(&std::fs::read_to_string(dir.join("side_views.json"))?)?;
    let dumps: Vec<Dump> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("media_landmarks.json"))?)?;
    let mut out = Vec::new();
    for a in ann.images.iter().filter(|a| a.use_in_fit) {
        let facing = if a.facing == "image-right" {
            Facing::ImageRight
        } else {
            Facing::ImageLeft
        };
        let reference_rad = cva_from_points(
            point_y_up(a.c7_px[0], a.c7_px[1]),
            point_y_up(a.tragus_px[0], a.tragus_px[1]),
            facing,
        )?;
        let dump = dumps
            .iter()
            .find(|d| d.file == a.file)
            .ok_or_else(|| format!("no landmark dump for {}", a.file))?;
        let Some(landmarks) = &dump.landmarks else {
            continue;
        };
        let b = body(landmarks);
        // The annotated facing decides the near side: this measures the C7 model, not the
        // view classifier (tested separately). Images where the product could not measure
        // (a near landmark occluded, e.g. hips out of the frame) are left out, as the
        // product leaves them out.
        let Ok(near) = b.chain(facing.near_side()) else {
            eprintln!(
                "{}: near-side landmarks not visible, not in the fit",
                a.file
            );
            continue;
        };
        let (ls, rs) = (
            b.left_shoulder.ok_or("shoulder")?,
            b.right_shoulder.ok_or("shoulder")?,
        );
        let trunk = (near.shoulder - near.hip).norm();
        let near_kp = match facing.near_side() {
            plumbline::geometry::Side::Left => [b.left_ear, b.left_shoulder, b.left_hip],
            plumbline::geometry::Side::Right => [b.right_ear, b.right_shoulder, b.right_hip],
        };
        out.push(Row {
            file: a.file.clone(),
            person: a.person.clone(),
            first_pass: a.added.is_none(),
            posture: a.posture.clone(),
            tags: a.tags.clone(),
            min_visibility: near_kp
                .iter()
                .map(|k| k.map_or(0.0, |k| k.visibility))
                .fold(1.0, f64::min),
            spread: (ls.pos.x - rs.pos.x).abs() / trunk,
            eye: {
                // BlazePose: 2 = left eye, 5 = right eye.
                let e = landmarks[match facing.near_side() {
                    plumbline::geometry::Side::Left => 2,
                    plumbline::geometry::Side::Right => 5,
                }];
                point_y_up(e[0], e[1])
            },
            sample: CvaSample {
                chain: near,
                facing,
                reference_rad,
            },
        });
    }
    Ok(out)
}

fn summary(errors_rad: &[f64]) -> (f64, f64, f64, f64) {
    let mut abs: Vec<f64> = errors_rad.iter().map(|e| e.to_degrees().abs()).collect();
    abs.sort_by(f64::total_cmp);
    let n = abs.len() as f64;
    let mean = abs.iter().sum::<f64>() / n;
    let median = if abs.len() % 2 == 1 {
        abs[abs.len() / 2]
    } else {
        f64::midpoint(abs[abs.len() / 2 - 1], abs[abs.len() / 2])
    };
    let bias = errors_rad.iter().map(|e| e.to_degrees()).sum::<f64>() / n;
    (mean, median, abs[abs.len() - 1], bias)
}

/// The number of people and the standard error (degrees) of the mean |error| when every
/// person's mean |error| counts once (`NaN` for one person).
fn person_standard_error(errors_rad: &[(&str, f64)]) -> (usize, f64) {
    let mut by_person: std::collections::BTreeMap<&str, Vec<f64>> =
        std::collections::BTreeMap::new();
    for (p, e) in errors_rad {
        by_person.entry(p).or_default().push(e.to_degrees().abs());
    }
    let means: Vec<f64> = by_person
        .values()
        .map(|v| v.iter().sum::<f64>() / v.len() as f64)
        .collect();
    let k = means.len() as f64;
    let mean = means.iter().sum::<f64>() / k;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (k - 1.0);
    (means.len(), (var / k).sqrt())
}

#[test]
fn c7_model_fit_and_leave_one_out_error() -> Result<(), Box<dyn std::error::Error>> {
    // The landmark C7 model (the fallback) was fitted on the first annotation pass (20
    // images of 7 people), every image weighted equally.
    let rows: Vec<Row> = samples()?.into_iter().filter(|r| r.first_pass).collect();
    assert_eq!(rows.len(), 20, "first-pass images with landmarks");
    let weighted = |keep: &dyn Fn(&Row) -> bool| -> Vec<(CvaSample, f64)> {
        rows.iter()
            .filter(|r| keep(r))
            .map(|r| (r.sample, 1.0))
            .collect()
    };
    let fit = fit_c7(&weighted(&|_| true)).ok_or("fit failed")?;
    eprintln!(
        "landmark C7 fit: posterior {:.4}, superior {:.4}",
        fit.posterior, fit.superior
    );
    assert!(
        (fit.posterior - C7_POSTERIOR).abs() < 0.003,
        "posterior {}",
        fit.posterior
    );
    assert!(
        (fit.superior - C7_SUPERIOR).abs() < 0.003,
        "superior {}",
        fit.superior
    );
    let held_out =
        |same: &dyn Fn(&Row, &Row) -> bool| -> Result<Vec<f64>, Box<dyn std::error::Error>> {
            rows.iter()
                .map(|r| {
                    let model = fit_c7(&weighted(&|o| !same(r, o))).ok_or("fit failed")?;
                    Ok(model.cva_rad(&r.sample.chain, r.sample.facing)? - r.sample.reference_rad)
                })
                .collect()
        };
    let loo = held_out(&|a, b| a.file == b.file)?;
    let lopo = held_out(&|a, b| a.person == b.person)?;
    let (mean, median, max, bias) = summary(&loo);
    let (l_mean, l_median, l_max, l_bias) = summary(&lopo);
    eprintln!(
        "landmark C7 LOO |error| deg: mean {mean:.2}, median {median:.2}, max {max:.2}, bias {bias:.2}"
    );
    eprintln!(
        "landmark C7 LOPO |error| deg: mean {l_mean:.2}, median {l_median:.2}, max {l_max:.2}, bias {l_bias:.2}"
    );
    let plain: Vec<f64> = rows
        .iter()
        .map(|r| {
            CvaModel::EAR_SHOULDER
                .cva_rad(&r.sample.chain, r.sample.facing)
                .map(|c| c - r.sample.reference_rad)
        })
        .collect::<Result<_, _>>()?;
    let (p_mean, ..) = summary(&plain);
    eprintln!("plain ear-shoulder |error| deg: mean {p_mean:.2}");
    // docs/GEOMETRY.md §3.2, with a little slack.
    assert!(
        mean < 7.6 && median < 4.3 && l_mean < 10.2,
        "{mean} {median} {l_mean}"
    );
    assert!(
        p_mean > 2.0 * mean,
        "the C7 model must beat the plain ear-shoulder angle"
    );
    Ok(())
}

/// One line of `neck_contours.json` (`cargo run --example neck_contours`).
#[derive(Deserialize)]
pub(super) struct ContourRow {
    pub(super) file: String,
    /// The contour in image pixels (y down), `None` when it was refused.
    pub(super) contour_px: Option<Vec<[f64; 2]>>,
    /// The contour's neck notch, ear-shoulder lengths.
    #[serde(default)]
    pub(super) notch: Option<f64>,
    /// How soft the mask's edge is behind the neck (`NeckContour::edge_width`),
    /// ear-shoulder lengths.
    #[serde(default)]
    pub(super) edge_width: Option<f64>,
}

/// The stored posterior neck contours of the annotated side views.
pub(super) fn stored_contours() -> Result<Vec<ContourRow>, Box<dyn std::error::Error>> {
    Ok(serde_json::from_str(&std::fs::read_to_string(
        annotations_dir().join("neck_contours.json"),
    )?)?)
}

/// The annotated samples with their stored posterior neck contours (traced without the
/// neck-notch check, with the notch).
fn silhouette_rows() -> Result<Vec<(Row, NeckContour)>, Box<dyn std::error::Error>> {
    let stored = stored_contours()?;
    let mut out = Vec::new();
    for r in samples()? {
        let c = stored
            .iter()
            .find(|c| c.file == r.file)
            .ok_or_else(|| format!("no contour for {}", r.file))?;
        let pts = c
            .contour_px
            .as_ref()
            .ok_or_else(|| format!("contour of {} was refused", r.file))?;
        let mut points = [nalgebra::Point2::origin(); LEVELS];
        for (p, q) in points.iter_mut().zip(pts) {
            *p = point_y_up(q[0], q[1]);
        }
        let notch = c.notch.ok_or_else(|| format!("no notch for {}", r.file))?;
        let edge_width = c
            .edge_width
            .ok_or_else(|| format!("no edge width for {}", r.file))?;
        out.push((
            r,
            NeckContour {
                points,
                notch,
                edge_width,
            },
        ));
    }
    Ok(out)
}

/// The product's C7 rule, fitted on `train`: the silhouette model on the contours with a
/// neck notch, the landmark model (fitted on the same images) where the notch is missing;
/// every person weighted once.
struct Fitted {
    silhouette: SilhouetteC7,
    landmarks: CvaModel,
}

fn fit_product(train: &[&(Row, NeckContour)]) -> Option<Fitted> {
    let clean: Vec<&(Row, NeckContour)> = train
        .iter()
        .copied()
        .filter(|(_, c)| c.notch >= MIN_NECK_NOTCH)
        .collect();
    let w = per_person(clean.iter().map(|(r, _)| r.person.as_str()));
    let silhouette = fit_silhouette_c7(
        &clean
            .iter()
            .map(|(r, c)| (&r.sample, c, w(&r.person)))
            .collect::<Vec<_>>(),
    )?;
    let landmarks = fit_c7(
        &clean
            .iter()
            .map(|(r, _)| (r.sample, w(&r.person)))
            .collect::<Vec<_>>(),
    )?;
    Some(Fitted {
        silhouette,
        landmarks,
    })
}

/// The product's CVA error (radians) and the C7 source for one image.
fn product_error(f: &Fitted, r: &Row, c: &NeckContour) -> Option<(f64, C7Source)> {
    if c.notch >= MIN_NECK_NOTCH {
        Some((
            silhouette_error(&r.sample, c, f.silhouette)?,
            C7Source::Silhouette,
        ))
    } else {
        let cva = f.landmarks.cva_rad(&r.sample.chain, r.sample.facing).ok()?;
        Some((
            wrap_angle(cva - r.sample.reference_rad),
            C7Source::Landmarks,
        ))
    }
}

/// One view predicted by the product's rule fitted without its person (leave one person
/// out): the index into the rows, the error (radians), the C7 source and the ± figure.
struct HeldOut {
    index: usize,
    error_rad: f64,
    source: C7Source,
    sd_deg: f64,
    /// Trunk inclination, degrees, positive forward.
    trunk_deg: f64,
}

/// Every view of `rows` predicted by the product's rule fitted on the other people.
fn held_out_by_person(
    rows: &[(Row, NeckContour)],
) -> Result<Vec<HeldOut>, Box<dyn std::error::Error>> {
    let mut held = Vec::new();
    for (index, (r, c)) in rows.iter().enumerate() {
        let train: Vec<&(Row, NeckContour)> =
            rows.iter().filter(|(o, _)| o.person != r.person).collect();
        let f = fit_product(&train).ok_or("fit failed")?;
        let (error_rad, source) = product_error(&f, r, c).ok_or("no CVA")?;
        let inclination = plumbline::geometry::angles::trunk_inclination_rad(
            r.sample.chain.hip,
            r.sample.chain.shoulder,
            r.sample.facing,
        )?;
        let sd_deg = cva_sd_deg(&CvaEvidence {
            c7: source,
            min_visibility: r.min_visibility,
            spread: r.spread,
            trunk_inclination_rad: inclination,
            edge_width: c.edge_width,
        });
        held.push(HeldOut {
            index,
            error_rad,
            source,
            sd_deg,
            trunk_deg: inclination.to_degrees(),
        });
    }
    Ok(held)
}

/// One held-out view judged against an upright view of its person taken as a one-photo
/// baseline (`silhouette_c7_fit_and_held_out_error`).
struct Pair<'a> {
    posture: &'a str,
    /// Flagged by the bare 10° margin.
    bare: bool,
    /// Flagged by the rule with the ± terms (`posture::judge::baseline_forward_below`).
    now: bool,
    /// Its ± allows a call at all.
    judgeable: bool,
}

#[test]
fn silhouette_c7_fit_and_held_out_error() -> Result<(), Box<dyn std::error::Error>> {
    let rows = silhouette_rows()?;
    assert_eq!(rows.len(), 30, "every fitted image has a contour");
    let people: std::collections::BTreeSet<&str> =
        rows.iter().map(|(r, _)| r.person.as_str()).collect();
    let all: Vec<&(Row, NeckContour)> = rows.iter().collect();
    let full = fit_product(&all).ok_or("fit failed")?;
    let clean_people: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|(_, c)| c.notch >= MIN_NECK_NOTCH)
        .map(|(r, _)| r.person.as_str())
        .collect();
    eprintln!(
        "silhouette C7 fitted on {} people ({} with a neck notch): {:?}",
        people.len(),
        clean_people.len(),
        full.silhouette
    );
    // "Nothing in the model may be fitted on fewer than 5 people."
    assert!(clean_people.len() >= 5);
    let default = SilhouetteC7::DEFAULT;
    assert!(
        (full.silhouette.level - default.level).abs() < 0.006
            && (full.silhouette.lean - default.lean).abs() < 0.006,
        "fitted {:?}, default {default:?}",
        full.silhouette
    );
    // Leave one person out: every image is predicted by the rule fitted without its person.
    let held: Vec<(usize, f64, C7Source, f64)> = held_out_by_person(&rows)?
        .into_iter()
        .map(|h| (h.index, h.error_rad, h.source, h.sd_deg))
        .collect();
    let errors = |keep: &dyn Fn(&Row, C7Source) -> bool| -> Vec<f64> {
        held.iter()
            .filter(|(i, _, s, _)| keep(&rows[*i].0, *s))
            .map(|(_, e, _, _)| *e)
            .collect()
    };
    // One line per kind of case, with the standard error of the mean |error| over people
    // (each person's mean |error| counts once: 12 people is few, and views of one person
    // are not independent).
    let line = |name: &str, keep: &dyn Fn(&Row, C7Source) -> bool| {
        let e = errors(keep);
        if e.is_empty() {
            return;
        }
        let (mean, median, max, bias) = summary(&e);
        let by_person: Vec<(&str, f64)> = held
            .iter()
            .filter(|(i, _, s, _)| keep(&rows[*i].0, *s))
            .map(|(i, e, _, _)| (rows[*i].0.person.as_str(), *e))
            .collect();
        let (people, se) = person_standard_error(&by_person);
        eprintln!(
            "LOPO {name:<24} n {:2} ({people:2} people): mean {mean:5.2} (SE {se:4.1}), median {median:5.2}, max {max:5.2}, bias {bias:+5.2}",
            e.len()
        );
    };
    let everything = errors(&|_, _| true);
    line("all", &|_, _| true);
    line("contour (neck notch)", &|_, s| s == C7Source::Silhouette);
    line("no notch: landmark C7", &|_, s| s == C7Source::Landmarks);
    for kind in ["upright", "mild", "forward"] {
        line(kind, &|r, _| r.posture == kind);
    }
    for tag in ["hair", "recline"] {
        line(tag, &|r, _| r.tags.iter().any(|t| t == tag));
        line(&format!("not {tag}"), &|r, _| {
            !r.tags.iter().any(|t| t == tag)
        });
    }
    line("first pass", &|r, _| r.first_pass);
    line("second pass", &|r, _| !r.first_pass);
    // The ± figure: how many held-out errors it covers.
    let within = |k: f64| {
        held.iter()
            .filter(|(_, e, _, sd)| e.to_degrees().abs() <= k * sd)
            .count() as f64
            / held.len() as f64
    };
    let (one, two) = (within(1.0), within(2.0));
    eprintln!(
        "± coverage on held-out people: {:.0} % within 1 SD, {:.0} % within 2 SD",
        100.0 * one,
        100.0 * two
    );
    // The three-way call without a baseline, on the held-out estimates.
    let config = PostureConfig::default();
    let (a, b) = (config.cva_forward_below_deg, config.cva_upright_above_deg);
    let mut lowest_upright = f64::INFINITY;
    let mut highest_other = f64::NEG_INFINITY;
    let mut wrong = Vec::new();
    let mut calls: BTreeMap<(&str, Call), usize> = BTreeMap::new();
    for (i, e, source, sd) in &held {
        let (r, _) = &rows[*i];
        let estimate = (r.sample.reference_rad + e).to_degrees();
        // The product's rule, with the ± the product would give this view.
        let call = side_call(&config, estimate, Some(*sd), None);
        *calls.entry((r.posture.as_str(), call)).or_default() += 1;
        if (r.posture == "upright" && call == Call::Forward)
            || (r.posture != "upright" && call == Call::Upright)
        {
            wrong.push(r.file.clone());
        }
        // Margins of the views a clear call could go wrong on (clean enough to be judged).
        if *sd <= config.cva_max_sd_deg {
            let (forward_below, upright_above) = side_bands(&config, Some(*sd));
            if r.posture == "upright" {
                lowest_upright = lowest_upright.min(estimate - forward_below);
            } else {
                highest_other = highest_other.max(estimate - upright_above);
            }
        }
        eprintln!(
            "{:<36} ({}) {:<7} reference {:6.1}, held-out {:6.1} ± {:4.1} ({:+5.1}, {source:?}, edge {:.3}) -> {call:?}",
            r.file,
            r.person,
            r.posture,
            r.sample.reference_rad.to_degrees(),
            estimate,
            sd,
            e.to_degrees(),
            rows[*i].1.edge_width,
        );
    }
    eprintln!(
        "bands (clean ±): forward below {a}, upright above {b}; judged views (± <= {}): lowest upright {lowest_upright:+.1} above its forward band, highest mild/forward {:.1} below its upright band; calls {calls:?}",
        config.cva_max_sd_deg, -highest_other
    );
    // Against the same person's upright view as a one-photo baseline (docs/GEOMETRY.md §6,
    // what a drop must clear): every held-out estimate judged against each upright view of
    // its person, by the rule with the ± terms and by the bare 10° margin.
    let estimate = |i: usize, e: f64| (rows[i].0.sample.reference_rad + e).to_degrees();
    let bare = |cva: f64, sd: f64, baseline: f64| {
        if sd > config.cva_max_sd_deg {
            Call::Uncertain
        } else {
            side_call(&config, cva, None, Some(SideReference::clean(baseline)))
        }
    };
    let mut pairs: Vec<Pair<'_>> = Vec::new();
    for base in held.iter().filter(|h| rows[h.0].0.posture == "upright") {
        let b = estimate(base.0, base.1);
        let reference = SideReference {
            cva_deg: b,
            sd_beyond_clean_deg: sd_beyond_clean_deg(base.3),
        };
        for judged in held
            .iter()
            .filter(|h| h.0 != base.0 && rows[h.0].0.person == rows[base.0].0.person)
        {
            let (r, _) = &rows[judged.0];
            let cva = estimate(judged.0, judged.1);
            let now = side_call(&config, cva, Some(judged.3), Some(reference));
            let was = bare(cva, judged.3, b);
            eprintln!(
                "pair {} ({}): {} {cva:.1} ± {:.1} against upright {} {b:.1} ± {:.1}: bare {was:?}, now {now:?}",
                r.person, r.posture, r.file, judged.3, rows[base.0].0.file, base.3
            );
            pairs.push(Pair {
                posture: r.posture.as_str(),
                bare: was == Call::Forward,
                now: now == Call::Forward,
                judgeable: judged.3 <= config.cva_max_sd_deg,
            });
        }
    }
    let count = |keep: &dyn Fn(&Pair<'_>) -> bool| pairs.iter().filter(|p| keep(p)).count();
    let forward = |p: &Pair<'_>| p.posture == "forward" && p.judgeable;
    let upright = |p: &Pair<'_>| p.posture == "upright" && p.judgeable;
    let (fwd, fwd_bare, fwd_now) = (
        count(&forward),
        count(&|p| forward(p) && p.bare),
        count(&|p| forward(p) && p.now),
    );
    let (up, up_bare, up_now) = (
        count(&upright),
        count(&|p| upright(p) && p.bare),
        count(&|p| upright(p) && p.now),
    );
    eprintln!(
        "against the same person's upright view (judgeable pairs, ± <= {}): forward views flagged {fwd_bare} of {fwd} with the bare margin, {fwd_now} now; upright views flagged {up_bare} of {up} with the bare margin, {up_now} now",
        config.cva_max_sd_deg
    );
    // Measured: 26 of 26 and 0 of 18 now; the bare margin flagged 4 upright views, all
    // against a reclined upright view (± 9-10°) taken as the baseline.
    assert!(fwd >= 20 && up >= 15, "pairs {fwd} {up}");
    assert_eq!(
        fwd_now, fwd,
        "forward views missed against their person's upright view"
    );
    assert_eq!(
        up_now, 0,
        "upright views flagged against their person's upright view"
    );
    // docs/GEOMETRY.md §3.4 and §3.7-3.8, with a little slack.
    let (mean, _, _, bias) = summary(&everything);
    let (c_mean, c_median, c_max, _) = summary(&errors(&|_, s| s == C7Source::Silhouette));
    assert!(mean < 6.5 && bias.abs() < 1.5, "LOPO {mean} {bias}");
    assert!(
        c_mean < 4.2 && c_median < 3.3 && c_max < 13.5,
        "contour LOPO {c_mean} {c_median} {c_max}"
    );
    // The counterpart of the issue's held-out figure, which is over the photos "whose points
    // are sure enough": the first pass, annotated where C7 and the tragus can be seen
    // (docs/GEOMETRY.md §3.7). Measured 4.4° (SE 1.5°), bias +1.1°.
    let (f_mean, _, _, f_bias) = summary(&errors(&|r, _| r.first_pass));
    assert!(
        f_mean < 4.8 && f_bias.abs() < 2.0,
        "first-pass LOPO {f_mean} {f_bias}"
    );
    assert!(
        wrong.is_empty(),
        "clear calls against the posture: {wrong:?}"
    );
    assert!(
        lowest_upright > 2.0 && highest_other < -2.0,
        "margins {lowest_upright} {highest_other}"
    );
    assert!(
        (0.6..=0.9).contains(&one) && two >= 0.85,
        "coverage {one} {two}"
    );
    // The ± figure's edge term (docs/GEOMETRY.md §3.6): its threshold sits just above the
    // sharp-edged views and its scale where the soft-edged ones lie, with nothing between.
    let (sharp, soft): (Vec<f64>, Vec<f64>) = rows
        .iter()
        .map(|(_, c)| c.edge_width)
        .partition(|&w| w <= EDGE_SHARP);
    let sharpest_soft = soft.iter().copied().fold(f64::INFINITY, f64::min);
    let softest_sharp = sharp.iter().copied().fold(0.0, f64::max);
    eprintln!(
        "mask edge behind the neck: {} views up to {softest_sharp:.3}, {} from {sharpest_soft:.3} (threshold {EDGE_SHARP}, one base SD at {EDGE_SOFT})",
        sharp.len(),
        soft.len()
    );
    assert!(
        softest_sharp > EDGE_SHARP - 0.03
            && sharpest_soft > EDGE_SOFT - 0.05
            && soft.iter().all(|w| (w - EDGE_SOFT).abs() < 0.1),
        "edge widths: sharp up to {softest_sharp}, soft {soft:?}"
    );
    Ok(())
}

/// How the landmark C7 fallback scales its offset from the shoulder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FallbackScale {
    /// Trunk length `|S - H|` (the product's `CvaModel`).
    Trunk,
    /// Head size: the near eye-to-ear distance.
    Head,
    /// The body's depth behind the shoulder at shoulder level (the contour's walk at level
    /// 0, below the hair of a bun) for the posterior offset, the ear-shoulder distance for the
    /// superior one.
    BackDepth,
}

/// The CVA (radians) of `r` with `C7 = S + posterior * a * p + superior * b * u`, `a` and `b`
/// the lengths of `scale` (both the trunk length or the head size, or for
/// [`FallbackScale::BackDepth`] the depth of `contour` at shoulder level and the
/// ear-shoulder distance).
fn fallback_cva(
    r: &Row,
    contour: &NeckContour,
    scale: FallbackScale,
    posterior: f64,
    superior: f64,
) -> Option<f64> {
    let c = &r.sample.chain;
    let (u, p) = c.trunk_axes(r.sample.facing).ok()?;
    let (a, b) = match scale {
        FallbackScale::Trunk => ((c.shoulder - c.hip).norm(), (c.shoulder - c.hip).norm()),
        FallbackScale::Head => ((r.eye - c.ear).norm(), (r.eye - c.ear).norm()),
        FallbackScale::BackDepth => (
            (contour.points[0] - c.shoulder).dot(&p),
            (c.ear - c.shoulder).norm(),
        ),
    };
    let c7 = c.shoulder + posterior * a * p + superior * b * u;
    CvaModel::EAR_SHOULDER
        .cva_rad_from_c7(c, r.sample.facing, c7)
        .ok()
}

/// Fits the fallback's two fractions on `train`, every person weighted once (the ranges
/// follow the unit: the head size is about a fifth of the trunk length, the back depth about
/// a tenth).
fn fit_fallback(train: &[&(Row, NeckContour)], scale: FallbackScale) -> Option<(f64, f64)> {
    let w = per_person(train.iter().map(|(r, _)| r.person.as_str()));
    let (range, coarse, fine) = match scale {
        FallbackScale::Trunk => ((-0.3, 0.5), 0.02, 0.0025),
        FallbackScale::Head => ((-1.0, 3.0), 0.1, 0.0125),
        FallbackScale::BackDepth => ((-0.5, 1.5), 0.05, 0.00625),
    };
    grid_search_2d(range, range, coarse, fine, |a, b| {
        train
            .iter()
            .map(|(r, c)| {
                let e = wrap_angle(fallback_cva(r, c, scale, a, b)? - r.sample.reference_rad);
                Some(w(&r.person) * e * e)
            })
            .sum()
    })
}

#[test]
fn fallback_candidates_held_out() -> Result<(), Box<dyn std::error::Error>> {
    // The landmark C7 fallback (used where the contour has no neck notch) with its offset
    // scaled by the trunk length (product), by head size (eye-to-ear distance) or by the
    // body's depth at shoulder level (docs/GEOMETRY.md §3.7). Fitted, like the product, on
    // the views with a neck notch of the other people; predicted on the held-out person's
    // views.
    let rows = silhouette_rows()?;
    let mut report = Vec::new();
    for scale in [
        FallbackScale::Trunk,
        FallbackScale::Head,
        FallbackScale::BackDepth,
    ] {
        let (mut no_notch, mut every) = (Vec::new(), Vec::new());
        for (r, c) in &rows {
            let train: Vec<&(Row, NeckContour)> = rows
                .iter()
                .filter(|(o, oc)| o.person != r.person && oc.notch >= MIN_NECK_NOTCH)
                .collect();
            let (a, b) = fit_fallback(&train, scale).ok_or("fit failed")?;
            let e = wrap_angle(
                fallback_cva(r, c, scale, a, b).ok_or("no CVA")? - r.sample.reference_rad,
            );
            every.push(e);
            if c.notch < MIN_NECK_NOTCH {
                no_notch.push(e);
                eprintln!(
                    "{scale:?} {:<36} ({}) {:+6.1}",
                    r.file,
                    r.person,
                    e.to_degrees()
                );
            }
        }
        let all: Vec<&(Row, NeckContour)> = rows
            .iter()
            .filter(|(_, c)| c.notch >= MIN_NECK_NOTCH)
            .collect();
        let full = fit_fallback(&all, scale).ok_or("fit failed")?;
        let (n_mean, n_median, n_max, n_bias) = summary(&no_notch);
        let (e_mean, e_median, e_max, e_bias) = summary(&every);
        eprintln!(
            "{scale:?}-scaled landmark C7 {full:?}: LOPO no notch (n {}) mean {n_mean:.2}, median {n_median:.2}, max {n_max:.2}, bias {n_bias:+.2}; all 30 mean {e_mean:.2}, median {e_median:.2}, max {e_max:.2}, bias {e_bias:+.2}",
            no_notch.len()
        );
        let people: Vec<&str> = rows
            .iter()
            .filter(|(_, c)| c.notch < MIN_NECK_NOTCH)
            .map(|(r, _)| r.person.as_str())
            .collect();
        report.push((scale, n_mean, e_mean, no_notch, people));
    }
    // The product's fallback as docs/GEOMETRY.md §3.7 reports it (12.1° on the 8 views).
    let (_, trunk_mean, trunk_all, trunk, people) = &report[0];
    assert!((trunk_mean - 12.1).abs() < 0.3, "{trunk_mean}");
    // A candidate replaces the product's fallback when it wins on the views without a notch
    // by more than twice the standard error of the paired gain (each person's mean gain
    // counting once) AND, used as the C7 of every view, is not worse on all 30 views
    // of 12 people held out: the fallback is a landmark model, and a scale that only wins on
    // the 8 views of 6 people it was picked on is more likely fitted to them
    // (docs/GEOMETRY.md §3.7). None does today.
    for (scale, mean, all, errors, _) in &report[1..] {
        let gains: Vec<(&str, f64)> = people
            .iter()
            .zip(trunk.iter().zip(errors))
            .map(|(p, (t, e))| (*p, (t.abs() - e.abs()).to_degrees()))
            .collect();
        let gain = gains.iter().map(|(_, g)| g).sum::<f64>() / gains.len() as f64;
        let mut by_person: std::collections::BTreeMap<&str, Vec<f64>> =
            std::collections::BTreeMap::new();
        for (p, g) in &gains {
            by_person.entry(p).or_default().push(*g);
        }
        let means: Vec<f64> = by_person
            .values()
            .map(|v| v.iter().sum::<f64>() / v.len() as f64)
            .collect();
        let k = means.len() as f64;
        let m = means.iter().sum::<f64>() / k;
        let se = (means.iter().map(|g| (g - m).powi(2)).sum::<f64>() / (k - 1.0) / k).sqrt();
        let wins = gain > 2.0 * se && all <= trunk_all;
        eprintln!(
            "{scale:?}: no notch {mean:.2} (paired gain {gain:+.2}, SE {se:.2} over {} people), all 30 with this C7 everywhere {all:.2} against {trunk_all:.2}: {}",
            means.len(),
            if wins { "wins" } else { "not adopted" }
        );
        assert!(!wins, "{scale:?} beats the product's fallback held out");
    }
    Ok(())
}

#[test]
fn recline_limit_of_the_automatic_baseline() -> Result<(), Box<dyn std::error::Error>> {
    // posture::baseline::MAX_RECLINE_DEG keeps reclined stretches out of the automatic
    // baseline. The evidence (docs/GEOMETRY.md §3.9): how far back every annotated view
    // leans, and what the lean does to the held-out CVA error.
    use plumbline::posture::baseline::MAX_RECLINE_DEG;
    let rows = silhouette_rows()?;
    let held = held_out_by_person(&rows)?;
    let mut upright_back = f64::NEG_INFINITY;
    let mut slump_back = f64::INFINITY;
    let mut backrest = Vec::new();
    for h in &held {
        let (r, _) = &rows[h.index];
        let back = -h.trunk_deg;
        let error = h.error_rad.to_degrees();
        eprintln!(
            "{:<36} ({}) {:<7} {:<14} leans back {back:6.1}°, held-out error {error:+6.1}",
            r.file,
            r.person,
            r.posture,
            r.tags.join(",")
        );
        let reclined = r.tags.iter().any(|t| t == "recline");
        if r.posture == "upright" && !reclined {
            upright_back = upright_back.max(back);
            if back > 10.0 {
                backrest.push((r.person.as_str(), error));
            }
        }
        if r.posture != "upright" && reclined {
            // A reclined slump: it reads high, so it must not become the reference.
            slump_back = slump_back.min(back);
            assert!(error > 5.0, "{}: a reclined slump read {error:+.1}", r.file);
        }
    }
    eprintln!(
        "upright sitters lean back at most {upright_back:.1}°, reclined slumps at least {slump_back:.1}°; limit {MAX_RECLINE_DEG}°"
    );
    assert!(
        upright_back < MAX_RECLINE_DEG && MAX_RECLINE_DEG < slump_back,
        "the limit must lie between the upright sitters and the reclined slumps"
    );
    // The upright sitters leaning back 10° or more (against a backrest, the ones the old
    // limit of 10° refused) are measured held out like the others: within 4°.
    let people: std::collections::BTreeSet<&str> = backrest.iter().map(|(p, _)| *p).collect();
    eprintln!("backrest sitters (10°+ back): {backrest:?}");
    assert!(backrest.len() >= 4 && people.len() >= 3, "{backrest:?}");
    assert!(backrest.iter().all(|(_, e)| e.abs() < 4.0), "{backrest:?}");
    Ok(())
}

/// The CVA error (radians) of `s` with C7 on `contour` at level
/// `level + lean * θ + back * min(θ, 0)` (θ the trunk inclination, radians, positive
/// forward): the silhouette model with a separate term for backward lean.
fn recline_term_error(
    s: &CvaSample,
    contour: &NeckContour,
    (level, lean, back): (f64, f64, f64),
) -> Option<f64> {
    let theta =
        plumbline::geometry::angles::trunk_inclination_rad(s.chain.hip, s.chain.shoulder, s.facing)
            .ok()?;
    let c7 = contour.at((level + lean * theta + back * theta.min(0.0)).clamp(0.0, 1.0));
    let cva = CvaModel::EAR_SHOULDER
        .cva_rad_from_c7(&s.chain, s.facing, c7)
        .ok()?;
    Some(wrap_angle(cva - s.reference_rad))
}

#[test]
fn a_recline_term_in_the_contour_level_does_not_hold_out() -> Result<(), Box<dyn std::error::Error>>
{
    // docs/GEOMETRY.md §3.9: instead of keeping reclined stretches out of the baseline, could
    // the CVA correct for recline? A third parameter moving the contour level with backward
    // lean only, fitted (back -1..1, step 0.05, with level and lean as in the product) on the
    // views with a neck notch of the other people, each person weighted once.
    let rows = silhouette_rows()?;
    let clean: Vec<&(Row, NeckContour)> = rows
        .iter()
        .filter(|(_, c)| c.notch >= MIN_NECK_NOTCH)
        .collect();
    let fit3 = |train: &[&&(Row, NeckContour)]| -> Option<(f64, f64, f64)> {
        let w = per_person(train.iter().map(|(r, _)| r.person.as_str()));
        let loss = |p: (f64, f64, f64)| -> Option<f64> {
            train
                .iter()
                .map(|(r, c)| recline_term_error(&r.sample, c, p).map(|e| w(&r.person) * e * e))
                .sum()
        };
        let mut best: Option<(f64, (f64, f64, f64))> = None;
        for k in -20..=20 {
            let back = f64::from(k) * 0.05;
            let (level, lean) = grid_search_2d((0.0, 1.0), (-1.0, 0.5), 0.05, 0.01, |a, b| {
                loss((a, b, back))
            })?;
            let e = loss((level, lean, back))?;
            if best.is_none_or(|(b, _)| e < b) {
                best = Some((e, (level, lean, back)));
            }
        }
        best.map(|(_, p)| p)
    };
    let (mut with_term, mut product) = (Vec::new(), Vec::new());
    for (r, c) in &clean {
        let train: Vec<&&(Row, NeckContour)> =
            clean.iter().filter(|(o, _)| o.person != r.person).collect();
        let p = fit3(&train).ok_or("fit failed")?;
        let e = recline_term_error(&r.sample, c, p).ok_or("no CVA")?;
        let two: Vec<(&CvaSample, &NeckContour, f64)> = {
            let w = per_person(train.iter().map(|(o, _)| o.person.as_str()));
            train
                .iter()
                .map(|(o, oc)| (&o.sample, oc, w(&o.person)))
                .collect()
        };
        let f = fit_silhouette_c7(&two).ok_or("fit failed")?;
        let e2 = silhouette_error(&r.sample, c, f).ok_or("no CVA")?;
        if r.tags.iter().any(|t| t == "recline") {
            eprintln!(
                "{:<28} recline term {:+6.1}, product {:+6.1}",
                r.file,
                e.to_degrees(),
                e2.to_degrees()
            );
        }
        with_term.push(e);
        product.push(e2);
    }
    let (m3, _, _, b3) = summary(&with_term);
    let (m2, _, _, b2) = summary(&product);
    eprintln!(
        "contour views LOPO: with a recline term {m3:.2} (bias {b3:+.2}), product {m2:.2} (bias {b2:+.2})"
    );
    // The term over-fits: held out it is worse than the product by more than a degree.
    assert!(
        m3 > m2 + 1.0,
        "a recline term holds held out: {m3:.2} against {m2:.2}"
    );
    Ok(())
}
