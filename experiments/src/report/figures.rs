//! Which figures a set of runs supports, drawn like the paper's: paired
//! scatter by config (Figs 2, 4, 5), box plots of the error-normalization
//! modes per ε with the LN+ median as a line (Figs 6, 7), moment box plots
//! (Fig 3), alignment histograms (Figs 4–6); beyond the paper, learning
//! curves, fixed-offset tests and other luminosity kinds.

use std::path::Path;

use crate::record::RunRecord;
use crate::spec::lists::condition;
use crate::spec::LumKind;
use crate::stats::quantile;
use einet::Condition;

use super::groups::Groups;
use super::plot::{self, BoxPanel, HistPanel, LinePanel, PlotError, ScatterPanel};

/// A written figure: file name under `figures/` and a caption.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub file: String,
    pub caption: String,
}

const MODES: [&str; 6] = [
    "inorm",
    "inorm-full",
    "inorm-center",
    "inorm-scale",
    "inorm-decorrelate",
    "inorm-lateral",
];

fn c(id: &str) -> Condition {
    condition(id).expect("figure condition ids are valid")
}

/// Writes every figure the runs support into `dir`; returns them in order.
pub fn write_all(g: &Groups, dir: &Path) -> Result<Vec<Figure>, PlotError> {
    let mut out = Vec::new();
    let lum = LumKind::Additive;
    for (file, fig, a, b) in [
        ("fig2_ei_ln_vs_ei.svg", "Fig 2", "ei-ln", "ei"),
        ("fig4_inorm_vs_ln.svg", "Fig 4", "e-ln", "inorm"),
        ("fig5_inorm_full_vs_ln.svg", "Fig 5", "e-ln", "inorm-full"),
    ] {
        if let Some(f) = paired(g, dir, file, fig, a, b)? {
            out.push(f);
        }
    }
    for (file, top) in [("fig6_modes.svg", None), ("fig7_modes_top10.svg", Some(10))] {
        if let Some(f) = modes(g, dir, file, top)? {
            out.push(f);
        }
    }
    if let Some(f) = moments(g, dir)? {
        out.push(f);
    }
    for id in MODES {
        if let Some(f) = alignment(g, dir, id)? {
            out.push(f);
        }
    }
    if let Some(f) = curves(g, dir, lum)? {
        out.push(f);
    }
    if let Some(f) = offsets(g, dir)? {
        out.push(f);
    }
    for other in g.lums().into_iter().filter(|&l| l != LumKind::Additive) {
        if let Some(f) = lum_boxes(g, dir, other)? {
            out.push(f);
        }
        if let Some(f) = curves(g, dir, other)? {
            out.push(f);
        }
    }
    Ok(out)
}

fn paired(
    g: &Groups,
    dir: &Path,
    file: &str,
    fig: &str,
    x_id: &str,
    y_id: &str,
) -> Result<Option<Figure>, PlotError> {
    let lum = LumKind::Additive;
    let panels: Vec<ScatterPanel> = g
        .eps_levels(lum)
        .into_iter()
        .filter_map(|eps| {
            let xs = g.by_config(lum, c(x_id), eps);
            let ys = g.by_config(lum, c(y_id), eps);
            let points: Vec<(f64, f64)> = xs
                .iter()
                .filter_map(|(k, &x)| ys.get(k).map(|&y| (x, y)))
                .collect();
            (!points.is_empty()).then(|| ScatterPanel {
                title: format!("ε = {eps}"),
                points,
            })
        })
        .collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let title = format!("{y_id} vs {x_id}, paired by config: test accuracy (%)");
    plot::paired_scatter(&dir.join(file), &title, x_id, y_id, &panels)?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: format!(
            "({fig}) Final test accuracy of `{y_id}` against `{x_id}`, one point per config and seed; above the diagonal `{y_id}` is better."
        ),
    }))
}

fn modes(g: &Groups, dir: &Path, file: &str, top: Option<usize>) -> Result<Option<Figure>, PlotError> {
    let lum = LumKind::Additive;
    let present: Vec<&str> = MODES
        .iter()
        .copied()
        .filter(|id| g.conditions(lum).contains(&c(id)))
        .collect();
    if present.len() < 2 {
        return Ok(None);
    }
    let pick = |cond: Condition, eps: f32| match top {
        Some(k) => g.top_by_test(lum, cond, eps, k),
        None => g.accs(lum, cond, eps),
    };
    let panels: Vec<BoxPanel> = g
        .eps_levels(lum)
        .into_iter()
        .map(|eps| BoxPanel {
            title: format!("ε = {eps}"),
            boxes: present
                .iter()
                .map(|id| (id.trim_start_matches("inorm-").to_string(), pick(c(id), eps)))
                .collect(),
            reference: quantile(&pick(c("e-ln"), eps), 0.5).map(|m| ("LN+ median".to_string(), m)),
        })
        .collect();
    let which = top.map_or_else(|| "all runs".to_string(), |k| format!("top {k} per ε"));
    plot::box_plot(
        &dir.join(file),
        &format!("I-Norm error-normalization modes, {which}"),
        "test accuracy (%)",
        &panels,
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: format!(
            "({}) Final test accuracy of the I-Norm modes ({which}); the red line is the LN+ (`e-ln`) median.",
            if top.is_some() { "Fig 7" } else { "Fig 6" }
        ),
    }))
}

/// Final-epoch moments of every layer of every run of a condition (additive, all ε).
fn final_moments(g: &Groups, cond: Condition) -> (Vec<f64>, Vec<f64>) {
    let lum = LumKind::Additive;
    let mut means = Vec::new();
    let mut vars = Vec::new();
    for eps in g.eps_levels(lum) {
        for r in g.runs(lum, cond, eps) {
            if let Some(e) = r.last_epoch().filter(|_| !r.diverged) {
                means.extend(e.moments.iter().map(|m| m.mean).filter(|v| v.is_finite()));
                vars.extend(e.moments.iter().map(|m| m.var).filter(|v| v.is_finite()));
            }
        }
    }
    (means, vars)
}

/// A condition with the first moments and variances of all its layers and runs.
pub type MomentRow = (Condition, Vec<f64>, Vec<f64>);

pub fn moments_by_condition(g: &Groups) -> Vec<MomentRow> {
    g.conditions(LumKind::Additive)
        .into_iter()
        .map(|cond| {
            let (m, v) = final_moments(g, cond);
            (cond, m, v)
        })
        .filter(|(_, m, _)| !m.is_empty())
        .collect()
}

fn moments(g: &Groups, dir: &Path) -> Result<Option<Figure>, PlotError> {
    let rows = moments_by_condition(g);
    if rows.is_empty() {
        return Ok(None);
    }
    let panel = |title: &str, pick: fn(&MomentRow) -> &Vec<f64>, reference| BoxPanel {
        title: title.to_string(),
        boxes: rows.iter().map(|r| (r.0.to_string(), pick(r).clone())).collect(),
        reference: Some((reference, if title.starts_with("first") { 0.0 } else { 1.0 })),
    };
    let file = "fig3_moments.svg";
    plot::box_plot(
        &dir.join(file),
        "Moments of the normalized pre-ReLU output (final epoch, all layers and ε)",
        "value",
        &[
            panel("first moment", |r| &r.1, "LN: 0".to_string()),
            panel("variance", |r| &r.2, "LN: 1".to_string()),
        ],
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: "(Fig 3) Per hidden layer, the batch mean of the per-sample feature mean and variance of the normalized pre-ReLU output after the last epoch; layer norm gives exactly 0 and 1.".to_string(),
    }))
}

/// The ε the alignment figures use: 0.75 if present, else the largest.
pub fn alignment_eps(g: &Groups) -> Option<f32> {
    let levels = g.eps_levels(LumKind::Additive);
    levels
        .iter()
        .copied()
        .find(|&e| e == 0.75)
        .or_else(|| levels.last().copied())
}

/// Final-epoch (output, gradient) cosines of every layer of every run.
pub fn final_alignment(runs: &[&RunRecord]) -> (Vec<f64>, Vec<f64>) {
    let mut out = Vec::new();
    let mut grad = Vec::new();
    for r in runs.iter().filter(|r| !r.diverged) {
        if let Some(e) = r.last_epoch() {
            out.extend(e.alignment.iter().map(|a| a.output_cos).filter(|v| v.is_finite()));
            grad.extend(e.alignment.iter().map(|a| a.grad_cos).filter(|v| v.is_finite()));
        }
    }
    (out, grad)
}

fn alignment(g: &Groups, dir: &Path, id: &str) -> Result<Option<Figure>, PlotError> {
    let Some(eps) = alignment_eps(g) else {
        return Ok(None);
    };
    let (out, grad) = final_alignment(g.runs(LumKind::Additive, c(id), eps));
    if out.is_empty() {
        return Ok(None);
    }
    let lo = |v: &[f64]| v.iter().copied().fold(0.0, f64::min).max(-1.0);
    let file = format!("alignment_{id}.svg");
    plot::histograms(
        &dir.join(&file),
        &format!("{id}: alignment with layer norm at ε = {eps}"),
        &[
            HistPanel {
                title: "output cosine".to_string(),
                lo: lo(&out),
                hi: 1.0,
                values: out,
            },
            HistPanel {
                title: "gradient cosine".to_string(),
                lo: lo(&grad),
                hi: 1.0,
                values: grad,
            },
        ],
    )?;
    Ok(Some(Figure {
        file,
        caption: format!(
            "(Figs 4–6) `{id}` at ε = {eps}: cosine of each hidden layer's output with layer norm's, and of its `W_ex` gradient with layer norm's, over all runs after the last epoch."
        ),
    }))
}

fn curves(g: &Groups, dir: &Path, lum: LumKind) -> Result<Option<Figure>, PlotError> {
    let panels: Vec<LinePanel> = g
        .eps_levels(lum)
        .into_iter()
        .map(|eps| LinePanel {
            title: format!("ε = {eps}"),
            series: g
                .conditions(lum)
                .into_iter()
                .filter_map(|cond| {
                    let runs = g.runs(lum, cond, eps);
                    let epochs = runs.iter().map(|r| r.spec.epochs).max()?;
                    let pts: Vec<(f64, f64)> = (1..=epochs)
                        .filter_map(|k| {
                            let accs: Vec<f64> = runs
                                .iter()
                                .map(|r| match r.epochs.get(k - 1) {
                                    Some(e) if !r.diverged || k < r.epochs.len() => 100.0 * e.test.acc,
                                    _ => 100.0 * r.final_test_acc,
                                })
                                .collect();
                            quantile(&accs, 0.5).map(|m| (k as f64, m))
                        })
                        .collect();
                    (!pts.is_empty()).then(|| (cond.to_string(), pts))
                })
                .collect(),
        })
        .collect();
    if panels.iter().all(|p| p.series.is_empty()) {
        return Ok(None);
    }
    let file = format!("curves_{}.svg", lum.tag());
    plot::lines(
        &dir.join(&file),
        &format!("Median test accuracy by epoch ({lum} luminosity)"),
        "epoch",
        "test accuracy (%)",
        &panels,
    )?;
    Ok(Some(Figure {
        file,
        caption: format!(
            "Median test accuracy over runs after each epoch, {lum} luminosity (a diverged run counts at chance from its divergence on)."
        ),
    }))
}

/// Median accuracy (%) at each fixed offset, per condition, for runs trained at `eps`.
pub fn offset_curves(g: &Groups, eps: f32) -> Vec<(Condition, Vec<(f32, f64)>)> {
    let lum = LumKind::Additive;
    g.conditions(lum)
        .into_iter()
        .filter_map(|cond| {
            let runs = g.runs(lum, cond, eps);
            let mut deltas: Vec<f32> = runs
                .iter()
                .flat_map(|r| r.offsets.iter().map(|o| o.delta))
                .collect();
            deltas.sort_by(f32::total_cmp);
            deltas.dedup();
            let pts: Vec<(f32, f64)> = deltas
                .into_iter()
                .filter_map(|d| {
                    let accs: Vec<f64> = runs
                        .iter()
                        .map(|r| {
                            r.offsets
                                .iter()
                                .find(|o| o.delta == d)
                                .map_or(100.0 * r.final_test_acc, |o| 100.0 * o.eval.acc)
                        })
                        .collect();
                    quantile(&accs, 0.5).map(|m| (d, m))
                })
                .collect();
            (!pts.is_empty()).then_some((cond, pts))
        })
        .collect()
}

fn offsets(g: &Groups, dir: &Path) -> Result<Option<Figure>, PlotError> {
    let panels: Vec<LinePanel> = g
        .eps_levels(LumKind::Additive)
        .into_iter()
        .map(|eps| LinePanel {
            title: format!("trained at ε = {eps}"),
            series: offset_curves(g, eps)
                .into_iter()
                .map(|(cond, pts)| {
                    (
                        cond.to_string(),
                        pts.into_iter().map(|(d, a)| (f64::from(d), a)).collect(),
                    )
                })
                .collect(),
        })
        .filter(|p| !p.series.is_empty())
        .collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let file = "offsets.svg";
    plot::lines(
        &dir.join(file),
        "Beyond the paper: test accuracy at fixed luminosity offsets δ",
        "offset δ",
        "median test accuracy (%)",
        &panels,
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: "(Beyond the paper) Median test accuracy when every test image is shifted by the same offset δ, by the ε trained at (a diverged run counts at chance).".to_string(),
    }))
}

fn lum_boxes(g: &Groups, dir: &Path, lum: LumKind) -> Result<Option<Figure>, PlotError> {
    let conds = g.conditions(lum);
    let panels: Vec<BoxPanel> = g
        .eps_levels(lum)
        .into_iter()
        .map(|eps| BoxPanel {
            title: format!("level ε = {eps}"),
            boxes: conds
                .iter()
                .map(|&cond| (cond.to_string(), g.accs(lum, cond, eps)))
                .collect(),
            reference: quantile(&g.accs(lum, c("e-ln"), eps), 0.5).map(|m| ("LN+ median".to_string(), m)),
        })
        .collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let file = format!("box_{}.svg", lum.tag());
    plot::box_plot(
        &dir.join(&file),
        &format!("Beyond the paper: {lum} luminosity"),
        "test accuracy (%)",
        &panels,
    )?;
    Ok(Some(Figure {
        file,
        caption: format!("(Beyond the paper) Final test accuracy under {lum} luminosity, per level."),
    }))
}
