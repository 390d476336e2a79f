//! Typed findings from the runs, computed once: per-cell summaries, every
//! comparison with LN+, the claims, collapse counts, moments, alignment,
//! offsets, learning curves, and which cells of the grid are missing. The
//! markdown and the figures only render these.

use std::collections::BTreeMap;

use einet::Condition;

use crate::plan::{GridSpec, LumKind};
use crate::run::record::RunRecord;
use crate::stats::quantile;

use super::claims::{self, Claim, Collapse};
use super::compare::Comparison;
use super::groups::{CellStats, Groups, Key};
use super::precision::Study;
use super::seeds::{self, SeedSpread};
use super::targets::{self, AlignmentScope, Range, Target};

/// One row of the accuracy table.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub lum: LumKind,
    pub condition: Condition,
    pub eps: f32,
    pub stats: CellStats,
    pub paper: Option<Target>,
}

/// A condition against LN+ (`e-ln`) at one luminosity and ε.
#[derive(Clone, Debug, PartialEq)]
pub struct Versus {
    pub lum: LumKind,
    pub condition: Condition,
    pub eps: f32,
    pub comparison: Comparison,
}

/// Median and range of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(v: &[f64]) -> Option<Spread> {
        Some(Spread {
            median: quantile(v, 0.5)?,
            min: v.iter().copied().fold(f64::INFINITY, f64::min),
            max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// Final-epoch moments of one condition (Fig 3).
#[derive(Clone, Debug, PartialEq)]
pub struct MomentRow {
    pub condition: Condition,
    pub means: Vec<f64>,
    pub vars: Vec<f64>,
    pub mean: Spread,
    pub var: Spread,
    /// (first moment, variance) in the paper.
    pub paper: Option<(f64, f64)>,
    /// Both medians within 0.1 of the paper's.
    pub close: Option<bool>,
}

/// Final-epoch alignment of one condition (Figs 4–6).
#[derive(Clone, Debug, PartialEq)]
pub struct AlignmentRow {
    pub condition: Condition,
    /// `None`: pooled over every ε.
    pub eps: Option<f32>,
    pub output: Spread,
    pub grad: Spread,
    pub paper_output: Option<Range>,
    pub paper_grad: Option<Range>,
}

impl AlignmentRow {
    pub fn output_in_range(&self) -> Option<bool> {
        self.paper_output
            .map(|r| (r.lo..=r.hi).contains(&self.output.median))
    }

    pub fn grad_in_range(&self) -> Option<bool> {
        self.paper_grad.map(|r| (r.lo..=r.hi).contains(&self.grad.median))
    }
}

/// Median test accuracy at fixed offsets δ for runs trained at one ε.
#[derive(Clone, Debug, PartialEq)]
pub struct Offsets {
    pub eps: f32,
    pub deltas: Vec<f32>,
    /// Per condition, the median accuracy (%) at each δ.
    pub rows: Vec<(Condition, Vec<f64>)>,
}

/// A grid cell with fewer finished runs than the grid asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Missing {
    pub lum: LumKind,
    pub condition: Condition,
    pub eps: f32,
    pub finished: usize,
    pub expected: usize,
}

/// Median and quartiles of a quantity at one epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub epoch: usize,
    pub q25: f64,
    pub median: f64,
    pub q75: f64,
}

/// Everything the report says.
pub struct Analysis<'a> {
    pub groups: Groups<'a>,
    pub cells: Vec<Cell>,
    /// Every cell has at most 10 runs, so a "top 10" is all of them.
    pub top10_is_all: bool,
    pub versus_ln: Vec<Versus>,
    /// Where configurations ran with several seeds, how far a run moves with its seed.
    pub seeds: Vec<SeedSpread>,
    pub collapse: Vec<Collapse>,
    pub claims: Vec<Claim>,
    pub moments: Vec<MomentRow>,
    pub alignment_eps: Option<f32>,
    pub alignment: Vec<AlignmentRow>,
    pub offsets: Vec<Offsets>,
    pub missing: Vec<Missing>,
    pub diverged: usize,
    /// f16 against f32, when any pooled run was trained in emulated fp16.
    pub precision: Option<Study<'a>>,
}

impl<'a> Analysis<'a> {
    /// Analyses `records`; `grid` says which cells should exist. Only runs
    /// with the grid's I-Norm local loss are pooled (for the conditions that
    /// have one). Every section but the precision study keeps to the grid's
    /// own precision, so f16 and f32 runs of a cell are never pooled.
    pub fn new(records: impl IntoIterator<Item = &'a RunRecord>, grid: &GridSpec) -> Analysis<'a> {
        let records: Vec<&'a RunRecord> = records
            .into_iter()
            .filter(|r| {
                !matches!(r.spec.condition, Condition::INorm(_))
                    || r.spec.optim.local_loss == grid.optim.local_loss
            })
            .collect();
        let groups = Groups::new(
            records
                .iter()
                .copied()
                .filter(|r| r.spec.precision == grid.precision),
        );
        let cells: Vec<Cell> = groups
            .keys()
            .filter_map(|k| {
                Some(Cell {
                    lum: k.lum,
                    condition: k.condition(),
                    eps: k.eps(),
                    stats: groups.stats(k.lum, k.condition(), k.eps())?,
                    paper: (k.lum == LumKind::Additive)
                        .then(|| targets::accuracy_at(k.condition(), k.eps()))
                        .flatten(),
                })
            })
            .collect();
        let collapse = claims::collapse(&groups);
        let claims = claims::evaluate(&groups, &collapse);
        let alignment_eps = alignment_eps(&groups);
        Analysis {
            top10_is_all: cells.iter().all(|c| c.stats.summary.n <= 10),
            versus_ln: versus_ln(&groups),
            seeds: seeds::seed_spread(&groups),
            moments: moments(&groups),
            alignment: alignment_eps.map_or_else(Vec::new, |e| alignment(&groups, e)),
            offsets: offsets(&groups),
            missing: missing(&groups, grid),
            diverged: cells.iter().map(|c| c.stats.diverged).sum(),
            cells,
            collapse,
            claims,
            alignment_eps,
            groups,
            precision: Study::new(&records, grid.precision),
        }
    }
}

fn versus_ln(g: &Groups) -> Vec<Versus> {
    let ln = Condition::ELn;
    let mut out = Vec::new();
    for lum in g.lums() {
        for condition in g.conditions(lum).into_iter().filter(|&c| c != ln) {
            for eps in g.eps_levels(lum) {
                let (a, b) = (g.by_config(lum, condition, eps), g.by_config(lum, ln, eps));
                if let Some(comparison) = Comparison::of(
                    &g.accs(lum, condition, eps),
                    &g.accs(lum, ln, eps),
                    Some((&a, &b)),
                ) {
                    out.push(Versus {
                        lum,
                        condition,
                        eps,
                        comparison,
                    });
                }
            }
        }
    }
    out
}

/// Final-epoch moments of every layer of every run of a condition (additive, all ε).
fn moments(g: &Groups) -> Vec<MomentRow> {
    let lum = LumKind::Additive;
    g.conditions(lum)
        .into_iter()
        .filter_map(|condition| {
            let (mut means, mut vars) = (Vec::new(), Vec::new());
            for eps in g.eps_levels(lum) {
                for r in g.runs(lum, condition, eps) {
                    if let Some(e) = r.last_epoch().filter(|_| !r.diverged) {
                        means.extend(e.moments.iter().map(|m| m.mean).filter(|v| v.is_finite()));
                        vars.extend(e.moments.iter().map(|m| m.var).filter(|v| v.is_finite()));
                    }
                }
            }
            let (mean, var) = (Spread::of(&means)?, Spread::of(&vars)?);
            let paper = targets::moments(condition);
            let close =
                paper.map(|(pm, pv)| (mean.median - pm).abs() <= 0.1 && (var.median - pv).abs() <= 0.1);
            Some(MomentRow {
                condition,
                means,
                vars,
                mean,
                var,
                paper,
                close,
            })
        })
        .collect()
}

/// The ε the alignment figures use: 0.75 if present, else the largest.
fn alignment_eps(g: &Groups) -> Option<f32> {
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

fn alignment(g: &Groups, eps075: f32) -> Vec<AlignmentRow> {
    let lum = LumKind::Additive;
    g.conditions(lum)
        .into_iter()
        .filter_map(|condition| {
            let target = targets::alignment(condition);
            let pooled = matches!(target, Some((AlignmentScope::Pooled, _, _)));
            let runs: Vec<&RunRecord> = if pooled {
                g.eps_levels(lum)
                    .into_iter()
                    .flat_map(|e| g.runs(lum, condition, e).iter().copied())
                    .collect()
            } else {
                g.runs(lum, condition, eps075).to_vec()
            };
            let (out, grad) = final_alignment(&runs);
            Some(AlignmentRow {
                condition,
                eps: (!pooled).then_some(eps075),
                output: Spread::of(&out)?,
                grad: Spread::of(&grad)?,
                paper_output: target.and_then(|t| t.1),
                paper_grad: target.map(|t| t.2),
            })
        })
        .collect()
}

fn offsets(g: &Groups) -> Vec<Offsets> {
    let lum = LumKind::Additive;
    g.eps_levels(lum)
        .into_iter()
        .filter_map(|eps| {
            let mut deltas: Vec<f32> = g
                .conditions(lum)
                .into_iter()
                .flat_map(|c| {
                    g.runs(lum, c, eps)
                        .iter()
                        .flat_map(|r| r.offsets.iter().map(|o| o.delta))
                })
                .collect();
            deltas.sort_by(f32::total_cmp);
            deltas.dedup();
            let rows: Vec<(Condition, Vec<f64>)> = g
                .conditions(lum)
                .into_iter()
                .filter_map(|c| {
                    let runs = g.runs(lum, c, eps);
                    if runs.iter().all(|r| r.offsets.is_empty()) {
                        return None;
                    }
                    let medians = deltas
                        .iter()
                        .map(|&d| {
                            let accs: Vec<f64> = runs
                                .iter()
                                .map(|r| {
                                    let at = r.offsets.iter().find(|o| o.delta == d);
                                    100.0 * at.map_or(r.final_test_acc, |o| o.eval.acc)
                                })
                                .collect();
                            quantile(&accs, 0.5).unwrap_or(f64::NAN)
                        })
                        .collect();
                    Some((c, medians))
                })
                .collect();
            (!rows.is_empty()).then_some(Offsets { eps, deltas, rows })
        })
        .collect()
}

fn missing(g: &Groups, grid: &GridSpec) -> Vec<Missing> {
    let mut cells: BTreeMap<Key, (usize, usize)> = BTreeMap::new();
    for r in grid.runs() {
        let cell = cells
            .entry(Key::new(r.luminosity, r.condition, r.eps))
            .or_default();
        cell.1 += 1;
        if g.runs(r.luminosity, r.condition, r.eps)
            .iter()
            .any(|f| f.spec.id == r.id)
        {
            cell.0 += 1;
        }
    }
    cells
        .into_iter()
        .filter(|(_, (finished, expected))| finished < expected)
        .map(|(k, (finished, expected))| Missing {
            lum: k.lum,
            condition: k.condition(),
            eps: k.eps(),
            finished,
            expected,
        })
        .collect()
}

/// Median and IQR over `runs` of `metric` after each epoch; a diverged run
/// keeps its final value (chance accuracy) from its divergence on.
pub fn bands(runs: &[&RunRecord], metric: impl Fn(&RunRecord, usize) -> Vec<f64>) -> Vec<Band> {
    let epochs = runs.iter().map(|r| r.spec.epochs).max().unwrap_or(0);
    (1..=epochs)
        .filter_map(|k| {
            let v: Vec<f64> = runs
                .iter()
                .flat_map(|r| metric(r, k))
                .filter(|v| v.is_finite())
                .collect();
            Some(Band {
                epoch: k,
                q25: quantile(&v, 0.25)?,
                median: quantile(&v, 0.5)?,
                q75: quantile(&v, 0.75)?,
            })
        })
        .collect()
}

/// Test accuracy (%) of `r` after epoch `k` (chance from a divergence on).
pub fn test_acc_at(r: &RunRecord, k: usize) -> Vec<f64> {
    match r.epochs.get(k - 1) {
        Some(e) if !r.diverged || k < r.epochs.len() => vec![100.0 * e.test.acc],
        _ => vec![100.0 * r.final_test_acc],
    }
}

/// Gradient cosines of every layer of `r` after epoch `k`.
pub fn grad_cos_at(r: &RunRecord, k: usize) -> Vec<f64> {
    r.epochs
        .get(k - 1)
        .map_or_else(Vec::new, |e| e.alignment.iter().map(|a| a.grad_cos).collect())
}

/// Output cosines of every layer of `r` after epoch `k`.
pub fn output_cos_at(r: &RunRecord, k: usize) -> Vec<f64> {
    r.epochs
        .get(k - 1)
        .map_or_else(Vec::new, |e| e.alignment.iter().map(|a| a.output_cos).collect())
}
