//! Precision and collapse: for every condition trained in emulated fp16,
//! collapsed runs per ε and precision, Fisher's exact test of f16 against
//! f32 and McNemar's exact test of the same runs paired by configuration,
//! where each collapsed run first went non-finite, and how many runs
//! are still standing after each epoch. Built from every pooled run (f32
//! twins come from another grid with `--extra`), unlike the rest of the
//! report, which keeps to the grid's own precision.

use std::collections::BTreeMap;

use einet::Condition;

use crate::plan::{LumKind, PrecisionChoice};
use crate::run::record::RunRecord;
use crate::stats::{fisher_exact, mcnemar_exact, quantile};

use super::claims::COLLAPSE_AT_OR_BELOW;

/// A run has collapsed when it diverged or ended at chance.
pub fn collapsed(r: &RunRecord) -> bool {
    r.diverged || 100.0 * r.final_test_acc <= COLLAPSE_AT_OR_BELOW
}

/// The epoch by whose end `r` had collapsed: its divergence epoch, or the
/// first epoch from which its test accuracy stayed at chance; `None` if it
/// never collapsed.
pub fn collapse_epoch(r: &RunRecord) -> Option<usize> {
    if !collapsed(r) {
        return None;
    }
    if let Some(d) = &r.divergence {
        return Some(d.epoch);
    }
    let standing = r
        .epochs
        .iter()
        .rposition(|e| 100.0 * e.test.acc > COLLAPSE_AT_OR_BELOW);
    Some(standing.map_or(1, |i| i + 2).min(r.epochs.len().max(1)))
}

/// One condition × ε × precision cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    pub condition: Condition,
    pub eps: f32,
    pub precision: PrecisionChoice,
    pub n: usize,
    pub collapsed: usize,
    pub diverged: usize,
    /// Median final test accuracy (%), collapsed runs included.
    pub median: f64,
}

/// The ε levels a test pools.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Levels {
    One(f32),
    /// From this level up: where the paper sees the collapse.
    From(f32),
    All,
}

impl std::fmt::Display for Levels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Levels::One(e) => write!(f, "{e}"),
            Levels::From(e) => write!(f, "≥ {e}"),
            Levels::All => f.write_str("all"),
        }
    }
}

impl Levels {
    fn holds(self, eps: f32) -> bool {
        match self {
            Levels::One(e) => eps == e,
            Levels::From(e) => eps >= e,
            Levels::All => true,
        }
    }
}

/// Collapsed runs, of how many.
pub type Tally = (usize, usize);

/// f16 against f32 in one condition over some ε levels: collapsed of n in
/// each precision, and Fisher's exact p; then the runs that pair up (one
/// configuration, seed and ε in both precisions), those collapsed in one
/// precision only, and McNemar's exact p.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Test {
    pub condition: Condition,
    pub levels: Levels,
    pub f16: Tally,
    pub f32: Tally,
    pub p: f64,
    pub pairs: usize,
    pub f16_only: usize,
    pub f32_only: usize,
    pub p_paired: f64,
}

/// The fraction of runs not yet collapsed after each epoch 0..=last.
#[derive(Clone, Debug, PartialEq)]
pub struct Survival {
    pub condition: Condition,
    pub eps: f32,
    pub precision: PrecisionChoice,
    pub standing: Vec<(usize, f64)>,
}

/// Everything the precision section says.
pub struct Study<'a> {
    /// The half precision studied against f32.
    pub half: PrecisionChoice,
    pub cells: Vec<Cell>,
    /// Only where both precisions have runs.
    pub tests: Vec<Test>,
    /// Every collapsed run, by condition, ε, precision and id.
    pub collapsed: Vec<&'a RunRecord>,
    pub survival: Vec<Survival>,
    /// The runs behind each cell, for the learning curves.
    pub runs: BTreeMap<(Condition, u32, PrecisionChoice), Vec<&'a RunRecord>>,
}

impl<'a> Study<'a> {
    /// The study of `records` (additive luminosity, the paper's), or `None`
    /// when no run was trained in half precision. It studies `grid`'s
    /// precision if that is a half one, else the first half one pooled;
    /// runs in another half precision are left out.
    pub fn new(records: &[&'a RunRecord], grid: PrecisionChoice) -> Option<Study<'a>> {
        let additive = |r: &&&RunRecord| r.spec.luminosity == LumKind::Additive;
        let half = match grid {
            PrecisionChoice::F32 => records
                .iter()
                .filter(additive)
                .map(|r| r.spec.precision)
                .filter(|p| !p.is_f32())
                .min()?,
            p => p,
        };
        let studied: Vec<Condition> = records
            .iter()
            .filter(additive)
            .filter(|r| r.spec.precision == half)
            .map(|r| r.spec.condition)
            .collect();
        if studied.is_empty() {
            return None;
        }
        let mut runs: BTreeMap<(Condition, u32, PrecisionChoice), Vec<&'a RunRecord>> = BTreeMap::new();
        for r in records.iter().filter(additive) {
            let s = &r.spec;
            if studied.contains(&s.condition) && (s.precision == half || s.precision.is_f32()) {
                runs.entry((s.condition, s.eps.to_bits(), s.precision))
                    .or_default()
                    .push(r);
            }
        }
        for v in runs.values_mut() {
            v.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        }
        let cells: Vec<Cell> = runs
            .values()
            .filter_map(|v| {
                let s = &v.first()?.spec;
                let accs: Vec<f64> = v.iter().map(|r| 100.0 * r.final_test_acc).collect();
                Some(Cell {
                    condition: s.condition,
                    eps: s.eps,
                    precision: s.precision,
                    n: v.len(),
                    collapsed: v.iter().filter(|r| collapsed(r)).count(),
                    diverged: v.iter().filter(|r| r.diverged).count(),
                    median: quantile(&accs, 0.5)?,
                })
            })
            .collect();
        Some(Study {
            tests: tests(half, &cells, &runs),
            half,
            collapsed: runs
                .values()
                .flatten()
                .copied()
                .filter(|r| collapsed(r))
                .collect(),
            survival: runs.values().filter_map(|v| survival(v)).collect(),
            cells,
            runs,
        })
    }

    /// Conditions in the study, in protocol order.
    pub fn conditions(&self) -> Vec<Condition> {
        let mut v: Vec<Condition> = self.cells.iter().map(|c| c.condition).collect();
        v.dedup();
        v
    }

    /// Runs of one cell, by id.
    pub fn runs_of(&self, c: Condition, eps: f32, p: PrecisionChoice) -> &[&'a RunRecord] {
        self.runs.get(&(c, eps.to_bits(), p)).map_or(&[], Vec::as_slice)
    }
}

/// What pairs a run with its twin in the other precision.
fn twin_key(r: &RunRecord) -> (Option<usize>, u64, [u32; 3], usize) {
    let h = &r.spec.hyper;
    (
        r.spec.config,
        r.spec.seed,
        [h.lr, h.lr_wei, h.lr_wix].map(f32::to_bits),
        h.width,
    )
}

/// Per condition: a test at each ε with runs in both precisions, then the
/// same pooled over those ε from 0.5 up and over all of them.
fn tests(
    half: PrecisionChoice,
    cells: &[Cell],
    runs: &BTreeMap<(Condition, u32, PrecisionChoice), Vec<&RunRecord>>,
) -> Vec<Test> {
    let mut conditions: Vec<Condition> = cells.iter().map(|c| c.condition).collect();
    conditions.dedup();
    let mut out = Vec::new();
    for condition in conditions {
        let ran = |eps: f32, p: PrecisionChoice| {
            cells
                .iter()
                .any(|c| c.condition == condition && c.eps == eps && c.precision == p)
        };
        // Only levels run in both precisions, so a pool compares like with like.
        let both: Vec<f32> = cells
            .iter()
            .filter(|c| c.condition == condition && c.precision == half)
            .map(|c| c.eps)
            .filter(|&e| ran(e, PrecisionChoice::F32))
            .collect();
        let mut levels: Vec<Levels> = both.iter().map(|&e| Levels::One(e)).collect();
        levels.extend([Levels::From(0.5), Levels::All]);
        let mut seen: Vec<(Tally, Tally)> = Vec::new();
        for l in levels {
            let tally = |p: PrecisionChoice| {
                cells
                    .iter()
                    .filter(|c| c.condition == condition && c.precision == p)
                    .filter(|c| both.contains(&c.eps) && l.holds(c.eps))
                    .fold((0, 0), |(k, n), c| (k + c.collapsed, n + c.n))
            };
            let (f16, f32) = (tally(half), tally(PrecisionChoice::F32));
            // A pool that adds nothing to the rows above it is left out.
            if f16.1 == 0 || f32.1 == 0 || (!matches!(l, Levels::One(_)) && seen.contains(&(f16, f32))) {
                continue;
            }
            seen.push((f16, f32));
            // Pairs: (collapsed in f16, collapsed in f32) of each twin pair.
            let pairs: Vec<(bool, bool)> = both
                .iter()
                .filter(|&&e| l.holds(e))
                .flat_map(|&e| {
                    let of = |p| {
                        runs.get(&(condition, e.to_bits(), p))
                            .map_or(&[][..], Vec::as_slice)
                    };
                    let f32_runs = of(PrecisionChoice::F32);
                    of(half).iter().filter_map(move |h| {
                        let twin = f32_runs.iter().find(|f| twin_key(f) == twin_key(h))?;
                        Some((collapsed(h), collapsed(twin)))
                    })
                })
                .collect();
            let f16_only = pairs.iter().filter(|&&(h, f)| h && !f).count();
            let f32_only = pairs.iter().filter(|&&(h, f)| !h && f).count();
            out.push(Test {
                pairs: pairs.len(),
                f16_only,
                f32_only,
                p_paired: mcnemar_exact(f16_only as u64, f32_only as u64),
                condition,
                levels: l,
                f16,
                f32,
                p: fisher_exact(
                    f16.0 as u64,
                    (f16.1 - f16.0) as u64,
                    f32.0 as u64,
                    (f32.1 - f32.0) as u64,
                ),
            });
        }
    }
    out
}

fn survival(runs: &[&RunRecord]) -> Option<Survival> {
    let s = &runs.first()?.spec;
    let n = runs.len() as f64;
    let at: Vec<Option<usize>> = runs.iter().map(|r| collapse_epoch(r)).collect();
    Some(Survival {
        condition: s.condition,
        eps: s.eps,
        precision: s.precision,
        standing: (0..=s.epochs)
            .map(|k| {
                let up = at.iter().filter(|a| a.is_none_or(|e| e > k)).count();
                (k, up as f64 / n)
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::record::{Divergence, EpochMetrics, Eval};

    /// A run of the scale-precision grid with test accuracy `accs[k]` after
    /// epoch k + 1 (its last one the final accuracy), diverged in `diverged`.
    fn run(nth: usize, accs: &[f64], diverged: Option<usize>) -> RunRecord {
        let mut spec = crate::plan::presets::get("scale-precision")
            .expect("preset")
            .runs()[nth]
            .clone();
        spec.epochs = accs.len();
        let epochs: Vec<EpochMetrics> = accs
            .iter()
            .enumerate()
            .map(|(k, &acc)| EpochMetrics {
                epoch: k + 1,
                train_loss: 1.0,
                test: Eval { loss: 1.0, acc },
                val: None,
                moments: Vec::new(),
                alignment: Vec::new(),
                seconds: 1.0,
            })
            .collect();
        RunRecord {
            spec,
            final_test_acc: if diverged.is_some() {
                0.1
            } else {
                *accs.last().expect("an epoch")
            },
            epochs,
            final_val_acc: None,
            diverged: diverged.is_some(),
            divergence: diverged.map(|epoch| Divergence {
                epoch,
                batch: 7,
                acc_reached: Some(0.8),
                tensor: Some("B_ix of hidden layer 2".to_string()),
            }),
            offsets: Vec::new(),
            wall_seconds: 1.0,
            provenance: None,
        }
    }

    #[test]
    fn a_run_collapses_at_its_divergence_or_when_it_stays_at_chance() {
        assert_eq!(collapse_epoch(&run(0, &[0.8, 0.8, 0.8], None)), None);
        // a dip to chance that recovers is not a collapse
        assert_eq!(collapse_epoch(&run(0, &[0.8, 0.1, 0.8], None)), None);
        assert_eq!(collapse_epoch(&run(0, &[0.8, 0.1, 0.8, 0.1, 0.1], None)), Some(4));
        assert_eq!(collapse_epoch(&run(0, &[0.1, 0.1], None)), Some(1));
        // the epoch's records stop before a divergence in epoch 3
        assert_eq!(collapse_epoch(&run(0, &[0.8, 0.8], Some(3))), Some(3));
    }

    #[test]
    fn survival_counts_runs_still_standing_after_each_epoch() {
        let runs = [
            run(0, &[0.8, 0.8, 0.8, 0.8], None),
            run(0, &[0.8], Some(2)),
            run(0, &[0.8, 0.8, 0.1, 0.1], None),
            run(0, &[0.8, 0.8, 0.8], Some(4)),
        ];
        let refs: Vec<&RunRecord> = runs.iter().collect();
        let s = survival(&refs).expect("runs");
        let fractions: Vec<f64> = s.standing.iter().map(|&(_, f)| f).collect();
        // epochs 0..=4 of the first run's spec: 4, 4, 3, 2, 1 standing
        assert_eq!(fractions, vec![1.0, 1.0, 0.75, 0.5, 0.25]);
    }

    #[test]
    fn f16_is_tested_against_f32_only_at_levels_both_ran() {
        let grid = crate::plan::presets::get("scale-precision").expect("preset");
        let specs = grid.runs();
        let scale = |eps: f32| {
            specs
                .iter()
                .position(|s| s.condition == Condition::INorm(einet::ErrorMode::Scale) && s.eps == eps)
                .expect("an inorm-scale run")
        };
        let mut runs = Vec::new();
        // f16: ε 0.5 has 3 of 4 collapsed, ε 0.75 has 4 of 4; ε 0 has 0 of 2
        for (eps, collapsed, n) in [(0.5, 3, 4), (0.75, 4, 4), (0.0, 0, 2)] {
            for i in 0..n {
                let mut r = run(scale(eps), &[0.8, 0.8], (i < collapsed).then_some(2));
                r.spec.config = Some(i);
                runs.push(r);
            }
        }
        // f32 twins at ε 0.5 and 0.75 (none collapsed but configuration 3 at
        // ε 0.75), and ε 0.25 with no f16 twin
        for eps in [0.5, 0.75, 0.25] {
            for i in 0..4 {
                let mut r = run(scale(eps), &[0.8, 0.8], (eps == 0.75 && i == 3).then_some(1));
                r.spec.precision = PrecisionChoice::F32;
                r.spec.config = Some(i);
                runs.push(r);
            }
        }
        let refs: Vec<&RunRecord> = runs.iter().collect();
        let st = Study::new(&refs, PrecisionChoice::F32).expect("f16 runs");
        assert_eq!(st.half, PrecisionChoice::F16Autocast);
        let rows: Vec<(String, Tally, Tally)> = st
            .tests
            .iter()
            .map(|t| (t.levels.to_string(), t.f16, t.f32))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("0.5".to_string(), (3, 4), (0, 4)),
                ("0.75".to_string(), (4, 4), (1, 4)),
                ("≥ 0.5".to_string(), (7, 8), (1, 8)),
            ],
            "ε 0 has no f32 twin and ε 0.25 no f16 one; `all` would repeat `≥ 0.5`"
        );
        // 7 of 8 against 1 of 8: scipy.stats.fisher_exact([[7, 1], [1, 7]]) = 0.0101
        assert!((st.tests[2].p - 0.0101010101010101).abs() < 1e-12);
        // Paired: 8 pairs; configuration 3 at ε 0.75 collapsed in both, so
        // 6 in f16 only and none in f32 only: binomtest(6, 6, 0.5) = 0.03125.
        let t = &st.tests[2];
        assert_eq!((t.pairs, t.f16_only, t.f32_only), (8, 6, 0));
        assert!((t.p_paired - 0.03125).abs() < 1e-12);
        assert_eq!(st.collapsed.len(), 8);
        assert_eq!(st.cells.iter().map(|c| c.n).sum::<usize>(), runs.len());
    }

    #[test]
    fn there_is_no_study_without_f16_runs() {
        let mut r = run(0, &[0.8], None);
        r.spec.precision = PrecisionChoice::F32;
        assert!(Study::new(&[&r], PrecisionChoice::F32).is_none());
    }

    #[test]
    fn a_study_keeps_to_one_half_precision_the_grids_first() {
        let f16 = run(0, &[0.8], Some(1));
        let mut f32 = run(0, &[0.8], None);
        f32.spec.precision = PrecisionChoice::F32;
        let mut promoted = run(0, &[0.8], None);
        promoted.spec.precision = PrecisionChoice::F16AutocastF32Bias;
        let all = [&f16, &f32, &promoted];
        let precisions = |st: &Study| st.cells.iter().map(|c| c.precision).collect::<Vec<_>>();
        // A grid in one half precision studies that one against f32 ...
        let st = Study::new(&all, PrecisionChoice::F16AutocastF32Bias).expect("half runs");
        assert_eq!(st.half, PrecisionChoice::F16AutocastF32Bias);
        assert_eq!(
            precisions(&st),
            [PrecisionChoice::F32, PrecisionChoice::F16AutocastF32Bias]
        );
        assert_eq!((st.tests[0].f16, st.tests[0].f32), ((0, 1), (0, 1)));
        // ... and an f32 grid the first half precision it pools.
        let st = Study::new(&all, PrecisionChoice::F32).expect("half runs");
        assert_eq!(
            precisions(&st),
            [PrecisionChoice::F32, PrecisionChoice::F16Autocast]
        );
        assert_eq!((st.tests[0].f16, st.tests[0].f32), ((1, 1), (0, 1)));
    }
}
