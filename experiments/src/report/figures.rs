//! Which figures a set of runs supports, drawn from the [`Analysis`]: the
//! headline accuracy against ε, paired scatter by config (Figs 2, 4, 5) and,
//! where configurations ran with several seeds, by seed, box
//! plots of the error-normalization modes per ε with the LN+ median as a
//! dashed line (Figs 6, 7), moment box plots (Fig 3), alignment histograms
//! (Figs 4–6) and alignment over epochs; beyond the paper, learning curves,
//! every `inorm-scale` run, fixed-offset tests and other luminosity kinds.
//! Each condition has one colour everywhere ([`palette::color`]).

use std::path::Path;

use einet::{Condition, ErrorMode};

use crate::plan::paper::PAPER_EPOCHS;
use crate::plan::{LumKind, PrecisionChoice};
use crate::run::record::RunRecord;
use crate::stats::quantile;

use super::analysis::{self, Analysis, Band};
use super::claims::COLLAPSE_AT_OR_BELOW;
use super::groups::Groups;
use super::palette::{color, eps_color};
use super::plot::{
    self, BoxGroup, BoxItem, BoxPanel, HistPanel, Key, Legend, LinePanel, PlotError, ScatterPanel, Series,
    Stroke,
};
use super::precision::{Study, Survival};
use super::targets::{self, Target};

/// A written figure: file name under `figures/` and a caption.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub file: String,
    pub caption: String,
}

/// The README's figure: the central comparison.
const HEADLINE: [Condition; 3] = [
    Condition::ELn,
    Condition::INorm(ErrorMode::None),
    Condition::INorm(ErrorMode::Full),
];

const ADD: LumKind = LumKind::Additive;

/// The paper's accuracy for `c` at `eps` (a median, or a range as
/// `(lo, hi)`), where every run of the cell trained the paper's 50 epochs:
/// shorter runs are not comparable with it.
fn paper_accuracy(g: &Groups, c: Condition, eps: f32) -> Option<(f64, f64)> {
    let runs = g.runs(ADD, c, eps);
    if runs.is_empty() || runs.iter().any(|r| r.spec.epochs != PAPER_EPOCHS) {
        return None;
    }
    targets::accuracy_at(c, eps).map(|t| match t {
        Target::Median(m) => (m, m),
        Target::Iqr(lo, hi) => (lo, hi),
    })
}

/// The legend entry and caption sentence of the paper's marks, if the boxes show any.
fn paper_key<'a>(mut boxes: impl Iterator<Item = &'a BoxItem>) -> (Option<Key>, &'static str) {
    if !boxes.any(|b| b.paper.is_some()) {
        return (None, "");
    }
    let key =
        Key::paper_mark("the paper's median over 30 configurations (a capped bar: its IQR)".to_string());
    let caption = " A white diamond marks the paper's median over its 30 configurations; a capped bar, its interquartile range where it gives no median.";
    (Some(key), caption)
}

fn legend(conds: impl IntoIterator<Item = Condition>) -> Legend {
    conds
        .into_iter()
        .map(|c| Key::swatch(c.to_string(), color(c)))
        .collect()
}

/// Writes every figure the runs support into `dir`; returns them in order.
pub fn write_all(a: &Analysis, dir: &Path) -> Result<Vec<Figure>, PlotError> {
    let g = &a.groups;
    let mut out = Vec::new();
    let mut push = |f: Option<Figure>| out.extend(f);
    push(accuracy_vs_eps(g, dir)?);
    for (file, fig, x, y) in [
        ("fig2_ei_ln_vs_ei.svg", "Fig 2", Condition::Ei, Condition::EiLn),
        ("fig4_inorm_vs_ln.svg", "Fig 4", Condition::ELn, HEADLINE[1]),
        ("fig5_inorm_full_vs_ln.svg", "Fig 5", Condition::ELn, HEADLINE[2]),
    ] {
        push(paired(g, dir, file, fig, x, y)?);
    }
    push(seeds(a, dir)?);
    // With at most 10 runs per cell the top 10 are all runs: Fig 7 would repeat Fig 6.
    push(modes(g, dir, None, a.top10_is_all)?);
    if !a.top10_is_all {
        push(modes(g, dir, Some(10), false)?);
    }
    push(moments(a, dir)?);
    if let Some(eps) = a.alignment_eps {
        for mode in ErrorMode::ALL {
            push(alignment(g, dir, Condition::INorm(mode), eps)?);
        }
        push(alignment_curves(g, dir, eps)?);
    }
    push(curves(g, dir, ADD)?);
    match &a.precision {
        // The study's curves show both precisions, so they replace the
        // grid-precision-only figure.
        Some(study) => {
            push(precision_curves(study, dir)?);
            push(survival(study, dir)?);
        }
        None => push(scale_runs(g, dir)?),
    }
    push(offsets(a, dir)?);
    for other in g.lums().into_iter().filter(|&l| l != ADD) {
        push(lum_boxes(g, dir, other)?);
        push(curves(g, dir, other)?);
    }
    Ok(out)
}

fn accuracy_vs_eps(g: &Groups, dir: &Path) -> Result<Option<Figure>, PlotError> {
    let present: Vec<Condition> = HEADLINE
        .into_iter()
        .filter(|c| g.conditions(ADD).contains(c))
        .collect();
    if present.len() < 2 {
        return Ok(None);
    }
    let groups: Vec<BoxGroup> = g
        .eps_levels(ADD)
        .into_iter()
        .map(|eps| BoxGroup {
            label: format!("ε = {eps}"),
            boxes: present
                .iter()
                .map(|&c| BoxItem {
                    label: c.to_string(),
                    color: color(c),
                    values: g.accs(ADD, c, eps),
                    paper: paper_accuracy(g, c, eps),
                })
                .collect(),
        })
        .collect();
    let file = "accuracy_vs_eps.svg";
    let mut key = legend(present.iter().copied());
    let (paper, paper_caption) = paper_key(groups.iter().flat_map(|g| &g.boxes));
    key.extend(paper);
    plot::grouped_boxes(
        &dir.join(file),
        "Test accuracy against luminosity noise ε",
        ("luminosity noise ε", "final test accuracy (%)"),
        &key,
        &groups,
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: format!("Final test accuracy of LN+ (`e-ln`), `inorm` (forward normalization only) and `inorm-full` (with error normalization) at each ε, one box per condition on a shared axis: the paper's central claim is that `inorm` falls behind LN+ as ε grows while `inorm-full` keeps up.{paper_caption}"),
    }))
}

fn paired(
    g: &Groups,
    dir: &Path,
    file: &str,
    fig: &str,
    x: Condition,
    y: Condition,
) -> Result<Option<Figure>, PlotError> {
    let panels: Vec<ScatterPanel> = g
        .eps_levels(ADD)
        .into_iter()
        .filter_map(|eps| {
            let (xs, ys) = (g.by_config(ADD, x, eps), g.by_config(ADD, y, eps));
            let points: Vec<(f64, f64)> = xs
                .iter()
                .filter_map(|(k, &a)| ys.get(k).map(|&b| (a, b)))
                .collect();
            (!points.is_empty()).then(|| ScatterPanel {
                title: format!("ε = {eps}"),
                points,
                color: color(y),
            })
        })
        .collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let (xd, yd) = (
        format!("{x}: test accuracy (%)"),
        format!("{y}: test accuracy (%)"),
    );
    plot::paired_scatter(
        &dir.join(file),
        &format!("{y} against {x}, paired by config"),
        (&xd, &yd),
        &legend([y]),
        &panels,
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: format!(
            "({fig}) Final test accuracy of `{y}` against `{x}`, one point per config and seed; above the diagonal `{y}` is better."
        ),
    }))
}

/// Each condition's paired difference to LN+ with a configuration's first
/// seed against the same with its other seeds, where configurations ran
/// with several (the Seeds section).
fn seeds(a: &Analysis, dir: &Path) -> Result<Option<Figure>, PlotError> {
    let ln = Condition::ELn;
    let rows: Vec<_> = a.seeds.iter().filter(|r| !r.differences.is_empty()).collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let panels: Vec<ScatterPanel> = rows
        .iter()
        .map(|r| ScatterPanel {
            title: format!("{} − {ln}, ε = {}", r.condition, r.eps),
            points: (r.differences.iter())
                .flat_map(|d| d[1..].iter().map(|&other| (d[0], other)))
                .collect(),
            color: color(r.condition),
        })
        .collect();
    let file = "seeds.svg";
    let mut shown: Vec<Condition> = rows.iter().map(|r| r.condition).collect();
    shown.sort();
    shown.dedup();
    plot::paired_scatter(
        &dir.join(file),
        &format!("Difference to {ln}, paired by config: one seed against another"),
        (
            "with the first seed (accuracy points)",
            "with another seed (accuracy points)",
        ),
        &legend(shown),
        &panels,
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: format!("Each condition's final test accuracy minus `{ln}`'s, paired by configuration and seed: a configuration's difference with its first seed against the same with each of its other seeds. On the diagonal, a configuration's difference would be its own whatever the seed; spread about it is seed noise."),
    }))
}

fn modes(
    g: &Groups,
    dir: &Path,
    top: Option<usize>,
    top10_is_all: bool,
) -> Result<Option<Figure>, PlotError> {
    let present: Vec<Condition> = ErrorMode::ALL
        .into_iter()
        .map(Condition::INorm)
        .filter(|c| g.conditions(ADD).contains(c))
        .collect();
    if present.len() < 2 {
        return Ok(None);
    }
    let pick = |c: Condition, eps: f32| match top {
        Some(k) => g.top_by_test(ADD, c, eps, k),
        None => g.accs(ADD, c, eps),
    };
    let panels: Vec<BoxPanel> = g
        .eps_levels(ADD)
        .into_iter()
        .map(|eps| BoxPanel {
            title: format!("ε = {eps}"),
            boxes: present
                .iter()
                .map(|&c| BoxItem {
                    label: c.id().trim_start_matches("inorm-").to_string(),
                    color: color(c),
                    values: pick(c, eps),
                    paper: paper_accuracy(g, c, eps).filter(|_| top.is_none()),
                })
                .collect(),
            reference: quantile(&pick(Condition::ELn, eps), 0.5),
        })
        .collect();
    let which = top.map_or_else(|| "all runs".to_string(), |k| format!("top {k} per ε"));
    let file = if top.is_some() {
        "fig7_modes_top10.svg"
    } else {
        "fig6_modes.svg"
    };
    let mut key = legend(present.iter().copied());
    key.push(Key::dashed(
        "LN+ (e-ln) median".to_string(),
        color(Condition::ELn),
    ));
    let (paper, paper_caption) = paper_key(panels.iter().flat_map(|p| &p.boxes));
    key.extend(paper);
    plot::box_plot(
        &dir.join(file),
        &format!("I-Norm error-normalization modes, {which}"),
        "final test accuracy (%)",
        &key,
        &panels,
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: format!(
            "({}) Final test accuracy of the I-Norm modes ({which}); the dashed black line is the LN+ (`e-ln`) median.{paper_caption}",
            match (top, top10_is_all) {
                (Some(_), _) => "Fig 7",
                (None, false) => "Fig 6",
                (None, true) => "Figs 6 and 7: with at most 10 runs per cell, the top 10 are all of them",
            }
        ),
    }))
}

fn moments(a: &Analysis, dir: &Path) -> Result<Option<Figure>, PlotError> {
    if a.moments.is_empty() {
        return Ok(None);
    }
    let panel = |title: &str, pick: fn(&analysis::MomentRow) -> &Vec<f64>, reference: f64| BoxPanel {
        title: title.to_string(),
        boxes: a
            .moments
            .iter()
            .map(|r| BoxItem {
                label: r.condition.to_string(),
                color: color(r.condition),
                values: pick(r).clone(),
                paper: None,
            })
            .collect(),
        reference: Some(reference),
    };
    let file = "fig3_moments.svg";
    let mut key = legend(a.moments.iter().map(|r| r.condition));
    key.push(Key::dashed(
        "layer norm: mean 0, variance 1".to_string(),
        color(Condition::ELn),
    ));
    plot::box_plot(
        &dir.join(file),
        "Moments of the normalized pre-ReLU output (final epoch, all layers and ε)",
        "per-layer moment",
        &key,
        &[
            panel("first moment", |r| &r.means, 0.0),
            panel("variance", |r| &r.vars, 1.0),
        ],
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: "(Fig 3) Per hidden layer, the batch mean of the per-sample feature mean and variance of the normalized pre-ReLU output after the last epoch; layer norm gives exactly 0 and 1 (dashed). The axis spans the whiskers; a panel's title counts the points beyond it.".to_string(),
    }))
}

fn alignment(g: &Groups, dir: &Path, c: Condition, eps: f32) -> Result<Option<Figure>, PlotError> {
    let (out, grad) = analysis::final_alignment(g.runs(ADD, c, eps));
    if out.is_empty() {
        return Ok(None);
    }
    let lo = |v: &[f64]| v.iter().copied().fold(0.0, f64::min).max(-1.0);
    let file = format!("alignment_{c}.svg");
    let panel = |title: &str, values: Vec<f64>| HistPanel {
        title: title.to_string(),
        lo: lo(&values),
        hi: 1.0,
        values,
    };
    plot::histograms(
        &dir.join(&file),
        &format!("{c}: alignment with layer norm at ε = {eps}"),
        "cosine with layer norm",
        color(c),
        &legend([c]),
        &[panel("output cosine", out), panel("gradient cosine", grad)],
    )?;
    Ok(Some(Figure {
        file,
        caption: format!(
            "(Figs 4–6) `{c}` at ε = {eps}: cosine of each hidden layer's output with layer norm's, and of its `W_ex` gradient with layer norm's, over all runs after the last epoch; counts are layers × runs."
        ),
    }))
}

fn band_series(c: Condition, bands: &[Band]) -> Series {
    Series {
        color: color(c),
        points: bands.iter().map(|b| (b.epoch as f64, b.median)).collect(),
        band: bands.iter().map(|b| (b.epoch as f64, b.q25, b.q75)).collect(),
        stroke: Stroke::Bold,
    }
}

/// How many of `conds` ran at (`lum`, `eps`), for a panel title, when not all.
fn not_run(g: &Groups, lum: LumKind, eps: f32, conds: &[Condition]) -> String {
    let ran = conds.iter().filter(|&&c| !g.runs(lum, c, eps).is_empty()).count();
    if ran == conds.len() {
        String::new()
    } else {
        format!(" ({ran} of {} conditions run)", conds.len())
    }
}

fn alignment_curves(g: &Groups, dir: &Path, eps: f32) -> Result<Option<Figure>, PlotError> {
    let conds: Vec<Condition> = g
        .conditions(ADD)
        .into_iter()
        .filter(|&c| {
            g.runs(ADD, c, eps)
                .iter()
                .any(|r| r.epochs.iter().any(|e| !e.alignment.is_empty()))
        })
        .collect();
    if conds.is_empty() {
        return Ok(None);
    }
    let panel = |title: &str, metric: fn(&RunRecord, usize) -> Vec<f64>| LinePanel {
        title: title.to_string(),
        series: conds
            .iter()
            .map(|&c| band_series(c, &analysis::bands(g.runs(ADD, c, eps), metric)))
            .collect(),
    };
    let file = "alignment_curves.svg";
    plot::lines(
        &dir.join(file),
        &format!("Alignment with layer norm over training, ε = {eps}"),
        ("epoch", "cosine with layer norm"),
        true,
        None,
        &legend(conds.iter().copied()),
        &[
            panel("output cosine", analysis::output_cos_at),
            panel("gradient cosine", analysis::grad_cos_at),
        ],
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: format!("(Figs 4–6 over epochs) Median over runs and hidden layers of the output and gradient cosines with layer norm after each epoch at ε = {eps}, with the interquartile range as a band."),
    }))
}

fn curves(g: &Groups, dir: &Path, lum: LumKind) -> Result<Option<Figure>, PlotError> {
    let conds = g.conditions(lum);
    let panels: Vec<LinePanel> = g
        .eps_levels(lum)
        .into_iter()
        .map(|eps| LinePanel {
            title: format!("ε = {eps}{}", not_run(g, lum, eps, &conds)),
            series: conds
                .iter()
                .filter(|&&c| !g.runs(lum, c, eps).is_empty())
                .map(|&c| band_series(c, &analysis::bands(g.runs(lum, c, eps), analysis::test_acc_at)))
                .collect(),
        })
        .collect();
    if panels.iter().all(|p| p.series.is_empty()) {
        return Ok(None);
    }
    let file = format!("curves_{}.svg", lum.tag());
    plot::lines(
        &dir.join(&file),
        &format!("Test accuracy by epoch, {lum} luminosity"),
        ("epoch", "test accuracy (%)"),
        true,
        None,
        &legend(conds.iter().copied()),
        &panels,
    )?;
    Ok(Some(Figure {
        file,
        caption: format!(
            "Median test accuracy over runs after each epoch with the interquartile range as a band, {lum} luminosity (a diverged run counts at chance from its divergence on)."
        ),
    }))
}

fn scale_runs(g: &Groups, dir: &Path) -> Result<Option<Figure>, PlotError> {
    let c = Condition::INorm(ErrorMode::Scale);
    let panels: Vec<LinePanel> = g
        .eps_levels(ADD)
        .into_iter()
        .map(|eps| {
            let runs = g.runs(ADD, c, eps);
            LinePanel {
                title: if runs.is_empty() {
                    format!("ε = {eps} (not run)")
                } else {
                    format!("ε = {eps} ({} runs)", runs.len())
                },
                series: runs
                    .iter()
                    .map(|r| Series {
                        color: color(c),
                        points: (1..=r.spec.epochs)
                            .flat_map(|k| {
                                analysis::test_acc_at(r, k)
                                    .into_iter()
                                    .map(move |v| (k as f64, v))
                            })
                            .collect(),
                        band: Vec::new(),
                        stroke: Stroke::Thin,
                    })
                    .collect(),
            }
        })
        .collect();
    if panels.iter().all(|p| p.series.is_empty()) {
        return Ok(None);
    }
    let file = "scale_runs.svg";
    plot::lines(
        &dir.join(file),
        "Every inorm-scale run: test accuracy by epoch",
        ("epoch", "test accuracy (%)"),
        true,
        None,
        &legend([c]),
        &panels,
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: "Test accuracy of every `inorm-scale` run after each epoch, one line per run (a diverged run drops to chance at its divergence): the paper's collapse at ε ≥ 0.5 shows as lines falling to 10 %.".to_string(),
    }))
}

/// The test accuracy of `r` after each epoch (a diverged run at chance from
/// its divergence).
fn acc_curve(r: &RunRecord) -> Vec<(f64, f64)> {
    (1..=r.spec.epochs)
        .flat_map(|k| {
            analysis::test_acc_at(r, k)
                .into_iter()
                .map(move |v| (k as f64, v))
        })
        .collect()
}

fn precision_curves(st: &Study, dir: &Path) -> Result<Option<Figure>, PlotError> {
    let c = Condition::INorm(ErrorMode::Scale);
    if !st.conditions().contains(&c) {
        return Ok(None);
    }
    let ran = |eps: f32, p: PrecisionChoice| !st.runs_of(c, eps, p).is_empty();
    let precisions: Vec<PrecisionChoice> = PrecisionChoice::ALL
        .iter()
        .copied()
        .filter(|&p| crate::plan::paper::PAPER_EPS.iter().any(|&e| ran(e, p)))
        .collect();
    // One row per precision (f16 first), one column per ε the half
    // precision ran at, so each ε's panels stand one above the other.
    let levels: Vec<f32> = crate::plan::paper::PAPER_EPS
        .into_iter()
        .filter(|&e| ran(e, st.half))
        .collect();
    let mut panels = Vec::new();
    for &p in precisions.iter().rev() {
        for &eps in &levels {
            let runs = st.runs_of(c, eps, p);
            panels.push(LinePanel {
                title: match runs.len() {
                    0 => format!("ε = {eps}, {p} (not run)"),
                    n => format!("ε = {eps}, {p} ({})", crate::plan::estimate::count(n, "run")),
                },
                series: runs
                    .iter()
                    .map(|r| Series {
                        color: color(c),
                        points: acc_curve(r),
                        band: Vec::new(),
                        stroke: Stroke::Thin,
                    })
                    .collect(),
            });
        }
    }
    let file = "scale_runs_by_precision.svg";
    plot::lines(
        &dir.join(file),
        "Every inorm-scale run by precision: test accuracy by epoch",
        ("epoch", "test accuracy (%)"),
        true,
        Some((0.0, 100.0)),
        &legend([c]),
        &panels,
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: format!("Test accuracy of every `inorm-scale` run after each epoch, one line per run, one panel per ε and precision (emulated fp16 autocast, `{}`, first; f32 after): a collapse shows as a line falling to 10 %.", st.half),
    }))
}

fn survival(st: &Study, dir: &Path) -> Result<Option<Figure>, PlotError> {
    // Only the levels run in the half precision: an f32 line alone compares
    // with nothing.
    let shown: Vec<&Survival> = st
        .survival
        .iter()
        .filter(|s| !st.runs_of(s.condition, s.eps, st.half).is_empty())
        .collect();
    let panels: Vec<LinePanel> = st
        .conditions()
        .into_iter()
        .map(|c| LinePanel {
            title: c.to_string(),
            series: shown
                .iter()
                .filter(|s| s.condition == c)
                .map(|s| Series {
                    color: eps_color(s.eps),
                    points: s.standing.iter().map(|&(k, f)| (k as f64, f)).collect(),
                    band: Vec::new(),
                    stroke: if s.precision.is_f32() {
                        Stroke::Dashed
                    } else {
                        Stroke::Bold
                    },
                })
                .collect(),
        })
        .collect();
    let mut levels: Vec<f32> = shown.iter().map(|s| s.eps).collect();
    levels.sort_by(f32::total_cmp);
    levels.dedup();
    let keys: Legend = levels
        .into_iter()
        .map(|e| Key::swatch(format!("ε = {e}"), eps_color(e)))
        .collect();
    let file = "survival.svg";
    plot::lines(
        &dir.join(file),
        &format!("Runs not yet collapsed: solid {}, dashed f32", st.half),
        ("epoch", "fraction of runs not collapsed"),
        true,
        Some((0.0, 1.02)),
        &keys,
        &panels,
    )?;
    Ok(Some(Figure {
        file: file.to_string(),
        caption: format!("The fraction of runs that have not collapsed (diverged, or at or below {COLLAPSE_AT_OR_BELOW} % from then on) after each epoch, one line per ε and precision: solid lines emulated fp16 autocast, dashed lines f32. If fp16 runs collapse earlier at larger ε, a fixed training length cuts through these curves."),
    }))
}

fn offsets(a: &Analysis, dir: &Path) -> Result<Option<Figure>, PlotError> {
    if a.offsets.is_empty() {
        return Ok(None);
    }
    let panels: Vec<LinePanel> = a
        .offsets
        .iter()
        .map(|o| LinePanel {
            title: format!("trained at ε = {}", o.eps),
            series: o
                .rows
                .iter()
                .map(|(c, v)| Series {
                    color: color(*c),
                    points: o.deltas.iter().zip(v).map(|(&d, &m)| (f64::from(d), m)).collect(),
                    band: Vec::new(),
                    stroke: Stroke::Bold,
                })
                .collect(),
        })
        .collect();
    let mut conds: Vec<Condition> = a
        .offsets
        .iter()
        .flat_map(|o| o.rows.iter().map(|r| r.0))
        .collect();
    conds.sort();
    conds.dedup();
    let file = "offsets.svg";
    plot::lines(
        &dir.join(file),
        "Beyond the paper: test accuracy at fixed luminosity offsets δ",
        ("offset δ", "median test accuracy (%)"),
        false,
        None,
        &legend(conds),
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
                .map(|&c| BoxItem {
                    label: c.to_string(),
                    color: color(c),
                    values: g.accs(lum, c, eps),
                    paper: None,
                })
                .collect(),
            reference: quantile(&g.accs(lum, Condition::ELn, eps), 0.5),
        })
        .collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let file = format!("box_{}.svg", lum.tag());
    let mut key = legend(conds.iter().copied());
    key.push(Key::dashed(
        "LN+ (e-ln) median".to_string(),
        color(Condition::ELn),
    ));
    plot::box_plot(
        &dir.join(&file),
        &format!("Beyond the paper: {lum} luminosity"),
        "final test accuracy (%)",
        &key,
        &panels,
    )?;
    Ok(Some(Figure {
        file,
        caption: format!("(Beyond the paper) Final test accuracy under {lum} luminosity, per level; the dashed black line is the LN+ (`e-ln`) median."),
    }))
}
