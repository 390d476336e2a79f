//! How far a run moves with its seed: where a paper configuration ran with
//! several seeds, the spread of final test accuracy over seeds within a
//! configuration beside the spread over configurations, and the same for
//! each condition's paired difference to LN+ (`e-ln`).

use std::collections::BTreeMap;

use einet::Condition;

use crate::plan::LumKind;
use crate::stats::{pooled_sd, sd};

use super::groups::Groups;

/// Standard deviations in accuracy points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeedSd {
    /// Over seeds within a configuration, pooled over the configurations.
    pub within: f64,
    /// Of the configurations' means; `None` for a single configuration.
    pub between: Option<f64>,
}

/// One cell's spread, over the configurations it ran with two seeds or more.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedSpread {
    pub lum: LumKind,
    pub condition: Condition,
    pub eps: f32,
    pub configs: usize,
    pub runs: usize,
    pub accuracy: SeedSd,
    /// The differences to `e-ln`, paired by configuration and seed: one
    /// list per configuration, by ascending seed (none for `e-ln` itself).
    pub differences: Vec<Vec<f64>>,
}

impl SeedSpread {
    /// The spread of [`differences`](Self::differences); `None` for `e-ln`.
    pub fn versus_ln(&self) -> Option<SeedSd> {
        seed_sd(&self.differences)
    }
}

/// Every cell with a configuration run under two seeds or more.
pub fn seed_spread(g: &Groups) -> Vec<SeedSpread> {
    let mut out = Vec::new();
    for lum in g.lums() {
        for condition in g.conditions(lum) {
            for eps in g.eps_levels(lum) {
                let accs = g.by_config(lum, condition, eps);
                let groups = by_configuration(&accs);
                let Some(accuracy) = seed_sd(&groups) else {
                    continue;
                };
                let differences = if condition == Condition::ELn {
                    Vec::new()
                } else {
                    let ln = g.by_config(lum, Condition::ELn, eps);
                    let diffs = accs.iter().filter_map(|(k, a)| Some((*k, a - ln.get(k)?)));
                    by_configuration(&diffs.collect())
                };
                out.push(SeedSpread {
                    lum,
                    condition,
                    eps,
                    configs: groups.len(),
                    runs: groups.iter().map(Vec::len).sum(),
                    accuracy,
                    differences,
                });
            }
        }
    }
    out
}

/// Values keyed by (configuration, seed), one group per paper configuration
/// that has two seeds or more, by ascending seed (runs with custom rates
/// share no configuration).
fn by_configuration(values: &BTreeMap<(Option<usize>, u64), f64>) -> Vec<Vec<f64>> {
    let mut groups: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for (&(config, _), &v) in values {
        if let Some(config) = config {
            groups.entry(config).or_default().push(v);
        }
    }
    groups.into_values().filter(|g| g.len() >= 2).collect()
}

fn seed_sd(groups: &[Vec<f64>]) -> Option<SeedSd> {
    let means: Vec<f64> = groups
        .iter()
        .map(|g| g.iter().sum::<f64>() / g.len() as f64)
        .collect();
    Some(SeedSd {
        within: pooled_sd(groups)?,
        between: sd(&means),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::RunSpec;
    use crate::run::record::RunRecord;

    /// A finished run of `central-seeds` (or `central`, seed 0) with final accuracy `acc` %.
    fn run(condition: Condition, config: usize, seed: u64, acc: f64) -> RunRecord {
        let grid = crate::plan::presets::get("central").expect("preset");
        let mut spec: RunSpec = grid
            .runs()
            .into_iter()
            .find(|r| (r.condition, r.config, r.eps) == (condition, Some(config), 0.75))
            .expect("a central run");
        spec.seed = seed;
        RunRecord {
            spec,
            epochs: Vec::new(),
            final_test_acc: acc / 100.0,
            final_val_acc: None,
            diverged: false,
            divergence: None,
            offsets: Vec::new(),
            wall_seconds: 1.0,
            provenance: None,
        }
    }

    #[test]
    fn spreads_over_seeds_and_configurations_match_the_closed_form() {
        let full = Condition::INorm(einet::ErrorMode::Full);
        let ln = Condition::ELn;
        // LN+: configuration 0 at 80, 82, 84 over seeds 0-2; configuration 1 at 70, 74.
        // inorm-full: 81, 82, 86 and 70, 72: differences +1, 0, +2 and 0, -2.
        let records = [
            run(ln, 0, 0, 80.0),
            run(ln, 0, 1, 82.0),
            run(ln, 0, 2, 84.0),
            run(ln, 1, 0, 70.0),
            run(ln, 1, 1, 74.0),
            run(full, 0, 0, 81.0),
            run(full, 0, 1, 82.0),
            run(full, 0, 2, 86.0),
            run(full, 1, 0, 70.0),
            run(full, 1, 1, 72.0),
            run(full, 2, 0, 90.0), // one seed only: not a group
        ];
        let spreads = seed_spread(&Groups::new(records.iter()));
        assert_eq!(spreads.len(), 2);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let ln_row = spreads.iter().find(|s| s.condition == ln).unwrap();
        assert_eq!((ln_row.configs, ln_row.runs), (2, 5));
        // Within: squared deviations 4 + 0 + 4 and 4 + 4 over 2 + 1 degrees of freedom.
        assert!(close(ln_row.accuracy.within, (16.0f64 / 3.0).sqrt()));
        // Between: means 82 and 72, sd = 10 / sqrt(2).
        assert!(close(ln_row.accuracy.between.unwrap(), 10.0 / 2f64.sqrt()));
        assert_eq!(ln_row.versus_ln(), None);
        assert!(ln_row.differences.is_empty());
        let full_row = spreads.iter().find(|s| s.condition == full).unwrap();
        assert_eq!((full_row.configs, full_row.runs), (2, 5));
        // Differences: [1, 0, 2] (mean 1, squares 0 + 1 + 1) and [0, -2] (mean -1, squares 1 + 1).
        assert_eq!(full_row.differences, vec![vec![1.0, 0.0, 2.0], vec![0.0, -2.0]]);
        let d = full_row.versus_ln().unwrap();
        assert!(close(d.within, (4.0f64 / 3.0).sqrt()));
        assert!(close(d.between.unwrap(), 2.0 / 2f64.sqrt()));
    }

    #[test]
    fn a_grid_of_one_seed_per_configuration_has_no_seed_spread() {
        let records = [run(Condition::ELn, 0, 0, 80.0), run(Condition::ELn, 1, 0, 81.0)];
        assert!(seed_spread(&Groups::new(records.iter())).is_empty());
    }
}
