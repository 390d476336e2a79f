//! Finished runs grouped by luminosity kind × condition × ε, with the
//! samples the tables, tests and figures need. Accuracies are in %.

use std::collections::BTreeMap;

use crate::plan::LumKind;
use crate::run::record::RunRecord;
use crate::stats::{quantile, Summary};
use einet::Condition;

/// One cell of the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub lum: LumKind,
    /// Conditions order themselves in protocol §4 order.
    pub condition: Condition,
    /// ε as the bits of a non-negative f32, which order like the values.
    eps_bits: u32,
}

impl Key {
    pub fn new(lum: LumKind, condition: Condition, eps: f32) -> Key {
        Key {
            lum,
            condition,
            eps_bits: eps.to_bits(),
        }
    }

    pub fn condition(&self) -> Condition {
        self.condition
    }

    pub fn eps(&self) -> f32 {
        f32::from_bits(self.eps_bits)
    }
}

/// Runs by cell, each cell sorted by id.
#[derive(Debug, Default)]
pub struct Groups<'a> {
    cells: BTreeMap<Key, Vec<&'a RunRecord>>,
}

/// The summary row of one cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellStats {
    pub summary: Summary,
    pub diverged: usize,
    /// Median test accuracy of the 10 runs best on validation.
    pub top10_by_val: Option<f64>,
}

impl<'a> Groups<'a> {
    pub fn new(records: impl IntoIterator<Item = &'a RunRecord>) -> Groups<'a> {
        let mut cells: BTreeMap<Key, Vec<&'a RunRecord>> = BTreeMap::new();
        for r in records {
            let s = &r.spec;
            cells
                .entry(Key::new(s.luminosity, s.condition, s.eps))
                .or_default()
                .push(r);
        }
        for v in cells.values_mut() {
            v.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        }
        Groups { cells }
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.cells.keys()
    }

    /// Luminosity kinds present.
    pub fn lums(&self) -> Vec<LumKind> {
        let mut v: Vec<LumKind> = self.cells.keys().map(|k| k.lum).collect();
        v.dedup();
        v
    }

    /// Conditions present under `lum`, in protocol §4 order.
    pub fn conditions(&self, lum: LumKind) -> Vec<Condition> {
        let mut v: Vec<Condition> = self
            .cells
            .keys()
            .filter(|k| k.lum == lum)
            .map(Key::condition)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// ε levels present under `lum`, ascending.
    pub fn eps_levels(&self, lum: LumKind) -> Vec<f32> {
        let mut v: Vec<f32> = self.cells.keys().filter(|k| k.lum == lum).map(Key::eps).collect();
        v.sort_by(f32::total_cmp);
        v.dedup();
        v
    }

    pub fn runs(&self, lum: LumKind, c: Condition, eps: f32) -> &[&'a RunRecord] {
        self.cells.get(&Key::new(lum, c, eps)).map_or(&[], Vec::as_slice)
    }

    /// Final test accuracies (%) of a cell, by run id.
    pub fn accs(&self, lum: LumKind, c: Condition, eps: f32) -> Vec<f64> {
        self.runs(lum, c, eps)
            .iter()
            .map(|r| 100.0 * r.final_test_acc)
            .collect()
    }

    /// Final test accuracies (%) keyed by (config, seed), for pairing.
    pub fn by_config(&self, lum: LumKind, c: Condition, eps: f32) -> BTreeMap<(Option<usize>, u64), f64> {
        self.runs(lum, c, eps)
            .iter()
            .map(|r| ((r.spec.config, r.spec.seed), 100.0 * r.final_test_acc))
            .collect()
    }

    /// Test accuracies (%) of the `k` runs best on validation (`None`
    /// without a validation split).
    pub fn top_by_val(&self, lum: LumKind, c: Condition, eps: f32, k: usize) -> Option<Vec<f64>> {
        let mut runs: Vec<(f64, f64)> = self
            .runs(lum, c, eps)
            .iter()
            .map(|r| Some((r.final_val_acc?, 100.0 * r.final_test_acc)))
            .collect::<Option<_>>()?;
        if runs.is_empty() {
            return None;
        }
        runs.sort_by(|a, b| b.0.total_cmp(&a.0));
        runs.truncate(k);
        Some(runs.into_iter().map(|(_, t)| t).collect())
    }

    /// Test accuracies (%) of the `k` runs best on test (the paper's way).
    pub fn top_by_test(&self, lum: LumKind, c: Condition, eps: f32, k: usize) -> Vec<f64> {
        let mut v = self.accs(lum, c, eps);
        v.sort_by(|a, b| b.total_cmp(a));
        v.truncate(k);
        v
    }

    pub fn stats(&self, lum: LumKind, c: Condition, eps: f32) -> Option<CellStats> {
        let runs = self.runs(lum, c, eps);
        Some(CellStats {
            summary: Summary::of(&self.accs(lum, c, eps))?,
            diverged: runs.iter().filter(|r| r.diverged).count(),
            top10_by_val: self.top_by_val(lum, c, eps, 10).and_then(|v| quantile(&v, 0.5)),
        })
    }
}
