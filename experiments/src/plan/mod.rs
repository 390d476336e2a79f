//! What to run: the grid of runs a preset, a TOML file and the flags
//! describe, each run with a stable id, checked and priced before anything runs.
//!
//! A [`GridSpec`] is a product `conditions × ε × configs × seeds` with shared
//! training settings; [`GridSpec::runs`] expands it into [`RunSpec`]s, each
//! carrying everything its run needs. A grid comes from a preset, a TOML
//! file, or flags (in that order of precedence from lowest to highest; see
//! [`keys`]); a TOML key is its flag's name in snake_case. Lists are
//! normalized (sorted, deduplicated) so two ways of writing the same grid
//! compare equal. [`presets`] holds the built-in grids, [`paper`] the
//! paper's 30 configurations, [`limits`] every allowed range and
//! [`estimate`] what a grid costs.

mod choices;
mod error;
pub mod estimate;
pub mod keys;
pub mod limits;
pub mod lists;
pub mod paper;
pub mod presets;

use einet::Condition;
use serde::{Deserialize, Serialize};

pub use choices::{DatasetChoice, LocalLossChoice, LumKind, OrderKind, PrecisionChoice};
pub use error::SpecError;
pub use keys::{load_toml, resolve, DataSpec, GridKeys, Layer, OptimKeys, RunKeys};

use paper::{HyperConfig, PAPER_CONFIGS};

/// Images for the synthetic dataset when no subset size is given.
pub const SYNTHETIC_TRAIN: usize = 2000;
pub const SYNTHETIC_TEST: usize = 500;

/// A grid of runs. Serialized as the folder's `grid.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    pub name: String,
    /// What this grid is and, for reduced presets, what was reduced; copied
    /// into the report.
    #[serde(default)]
    pub notes: Vec<String>,
    pub dataset: DatasetChoice,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_subset: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_subset: Option<usize>,
    #[serde(default)]
    pub val_size: usize,
    pub conditions: Vec<Condition>,
    pub luminosity: LumKind,
    pub eps: Vec<f32>,
    /// Indices into the 30 paper configurations.
    pub configs: Vec<usize>,
    /// Replaces every config's hidden width (tests and smoke runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<usize>,
    pub epochs: usize,
    pub batch: usize,
    pub seeds: Vec<u64>,
    pub order: OrderKind,
    /// The arithmetic of the training steps; absent (f32) in f32 grids.
    #[serde(default, skip_serializing_if = "PrecisionChoice::is_f32")]
    pub precision: PrecisionChoice,
    /// Rows of the probe batch for the moments and alignment (protocol §6).
    pub probe: usize,
    /// After the last epoch, also test at these fixed offsets δ.
    #[serde(default)]
    pub eval_offsets: Vec<f32>,
    /// Conditions that get the offset evaluations (empty: all).
    #[serde(default)]
    pub offset_conditions: Vec<Condition>,
    /// Controls: conditions of `conditions` that run only at the levels of
    /// `eps` that are also in `control-eps` (absent: every condition runs at every level).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub control_conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub control_eps: Vec<f32>,
    #[serde(flatten)]
    pub optim: OptimKeys,
}

/// One training run: everything it needs, nothing from outside.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// `<condition>_<lum><ε>_c<config>_s<seed>`, e.g. `inorm-full_add0.75_c07_s0`,
    /// then `_f16` for a half-precision run.
    pub id: String,
    pub condition: Condition,
    pub luminosity: LumKind,
    pub eps: f32,
    /// Paper config index; `None` for explicit hyperparameters.
    pub config: Option<usize>,
    pub hyper: HyperConfig,
    pub seed: u64,
    pub epochs: usize,
    pub batch: usize,
    pub order: OrderKind,
    /// Absent (f32) in the records of f32 runs.
    #[serde(default, skip_serializing_if = "PrecisionChoice::is_f32")]
    pub precision: PrecisionChoice,
    pub probe: usize,
    pub eval_offsets: Vec<f32>,
    pub data: DataSpec,
    #[serde(flatten)]
    pub optim: OptimKeys,
}

impl RunSpec {
    /// The names of a run's axes as CSV columns, shared by `summary.csv`
    /// and `epochs.csv`; [`RunSpec::csv_axes`] gives the values.
    pub const CSV_AXES: [&'static str; 14] = [
        "id",
        "condition",
        "luminosity",
        "eps",
        "precision",
        "config",
        "seed",
        "lr",
        "lr_wei",
        "lr_wix",
        "width",
        "epochs",
        "batch",
        "order",
    ];

    /// The values of [`RunSpec::CSV_AXES`].
    pub fn csv_axes(&self) -> [String; 14] {
        [
            self.id.clone(),
            self.condition.to_string(),
            self.luminosity.to_string(),
            self.eps.to_string(),
            self.precision.to_string(),
            self.config.map_or_else(String::new, |c| c.to_string()),
            self.seed.to_string(),
            self.hyper.lr.to_string(),
            self.hyper.lr_wei.to_string(),
            self.hyper.lr_wix.to_string(),
            self.hyper.width.to_string(),
            self.epochs.to_string(),
            self.batch.to_string(),
            self.order.to_string(),
        ]
    }

    /// The id of a run; configs print as two digits so ids sort by config.
    pub fn make_id(
        condition: Condition,
        lum: LumKind,
        eps: f32,
        config: Option<usize>,
        seed: u64,
        precision: PrecisionChoice,
        local_loss: LocalLossChoice,
    ) -> String {
        let cfg = config.map_or_else(|| "custom".to_string(), |c| format!("{c:02}"));
        format!(
            "{condition}_{}{eps}_c{cfg}_s{seed}{}{}",
            lum.tag(),
            precision.id_suffix(),
            local_loss.id_suffix()
        )
    }

    /// Checks every number a run uses against its range (see [`limits`]);
    /// the first problem is the error.
    pub fn validate(&self) -> Result<(), SpecError> {
        let h = &self.hyper;
        positive_f("lr", h.lr)?;
        positive_f("lr-wei", h.lr_wei)?;
        positive_f("lr-wix", h.lr_wix)?;
        limits::check_width(self.condition, h.width)?;
        limits::check("epochs", self.epochs, limits::EPOCHS)?;
        limits::check("batch", self.batch, limits::BATCH)?;
        limits::check("probe", self.probe, limits::PROBE)?;
        limits::check_list("eval-offsets", self.eval_offsets.len() as u128)?;
        self.luminosity.check_level(self.eps)?; // the one check of ε
        for &d in &self.eval_offsets {
            lists::check_offset(d)?;
        }
        self.data.validate()
    }
}

impl DataSpec {
    pub fn validate(&self) -> Result<(), SpecError> {
        if let Some(n) = self.train_subset {
            limits::check("train-subset", n, limits::TRAIN_SUBSET)?;
        }
        if let Some(n) = self.test_subset {
            limits::check("test-subset", n, limits::TEST_SUBSET)?;
        }
        limits::check("val-size", self.val_size, limits::VAL_SIZE)?;
        if let (Some(n), v) = (self.train_subset, self.val_size) {
            if v >= n {
                return Err(SpecError::Conflict {
                    what: format!("val-size {v} leaves no training images out of train-subset {n}"),
                });
            }
        }
        Ok(())
    }
}

impl GridSpec {
    pub fn data(&self) -> DataSpec {
        DataSpec {
            dataset: self.dataset,
            train_subset: self.train_subset,
            test_subset: self.test_subset,
            val_size: self.val_size,
        }
    }

    /// Sorts and deduplicates every list, so equal grids compare equal.
    pub fn normalize(&mut self) {
        for v in [
            &mut self.conditions,
            &mut self.offset_conditions,
            &mut self.control_conditions,
        ] {
            v.sort();
            v.dedup();
        }
        for v in [&mut self.eps, &mut self.eval_offsets, &mut self.control_eps] {
            v.sort_by(f32::total_cmp);
            v.dedup();
        }
        self.configs.sort_unstable();
        self.configs.dedup();
        self.seeds.sort_unstable();
        self.seeds.dedup();
    }

    /// Checks the grid and every run it expands to.
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(SpecError::BadName {
                given: self.name.clone(),
            });
        }
        for (key, empty) in [
            ("conditions", self.conditions.is_empty()),
            ("eps", self.eps.is_empty()),
            ("configs", self.configs.is_empty()),
            ("seeds", self.seeds.is_empty()),
        ] {
            if empty {
                return Err(SpecError::Empty { key });
            }
        }
        if let Some(&c) = self.configs.iter().find(|&&c| c >= PAPER_CONFIGS.len()) {
            return Err(SpecError::UnknownConfig { given: c });
        }
        if let Some(w) = self.width {
            limits::check("width", w, limits::WIDTH)?;
        }
        for (key, n) in [
            ("eps", self.eps.len()),
            ("seeds", self.seeds.len()),
            ("eval-offsets", self.eval_offsets.len()),
        ] {
            limits::check_list(key, n as u128)?;
        }
        let count = [
            self.conditions.len(),
            self.eps.len(),
            self.configs.len(),
            self.seeds.len(),
        ]
        .iter()
        .map(|&n| n as u128)
        .product::<u128>();
        if count > limits::RUNS as u128 {
            return Err(SpecError::TooManyRuns {
                count: count.to_string(),
                max: limits::RUNS,
            });
        }
        self.runs().iter().try_for_each(RunSpec::validate)
    }

    /// Every run, sorted by id.
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut runs = Vec::new();
        for &condition in &self.conditions {
            let offsets = if self.offset_conditions.is_empty() || self.offset_conditions.contains(&condition)
            {
                self.eval_offsets.clone()
            } else {
                Vec::new()
            };
            let control = self.control_conditions.contains(&condition);
            for &eps in self
                .eps
                .iter()
                .filter(|e| !control || self.control_eps.contains(e))
            {
                for &config in &self.configs {
                    let mut hyper = PAPER_CONFIGS.get(config).copied().unwrap_or(PAPER_CONFIGS[0]);
                    if let Some(w) = self.width {
                        hyper.width = w;
                    }
                    for &seed in &self.seeds {
                        runs.push(RunSpec {
                            id: RunSpec::make_id(
                                condition,
                                self.luminosity,
                                eps,
                                Some(config),
                                seed,
                                self.precision,
                                self.optim.local_loss,
                            ),
                            condition,
                            luminosity: self.luminosity,
                            eps,
                            config: Some(config),
                            hyper,
                            seed,
                            epochs: self.epochs,
                            batch: self.batch,
                            order: self.order,
                            precision: self.precision,
                            probe: self.probe,
                            eval_offsets: offsets.clone(),
                            data: self.data(),
                            optim: self.optim.clone(),
                        });
                    }
                }
            }
        }
        runs.sort_by(|a, b| a.id.cmp(&b.id));
        runs
    }

    /// The grid as the TOML written to `grid.toml`.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a grid spec always serializes to TOML")
    }
}

fn positive_f(key: &'static str, v: f32) -> Result<(), SpecError> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(SpecError::NonPositive {
            key,
            given: v.to_string(),
        })
    }
}

/// A deterministic slice of a grid: runs `k` with `k mod n = i` of the
/// id-sorted list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parses `i/n` (0-based `i`); `--shard`'s parser.
    pub fn parse(s: &str) -> Result<Shard, SpecError> {
        let bad = || SpecError::BadShard { given: s.to_string() };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The runs of this shard, in the given (id) order.
    pub fn select(&self, runs: Vec<RunSpec>) -> Vec<RunSpec> {
        runs.into_iter()
            .enumerate()
            .filter(|(k, _)| k % self.count == self.index)
            .map(|(_, r)| r)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::presets;

    #[test]
    fn run_ids_are_unique_and_sorted() {
        let grid = presets::get("paper").unwrap();
        let runs = grid.runs();
        assert_eq!(runs.len(), 12 * 4 * 30);
        let mut ids: Vec<_> = runs.iter().map(|r| r.id.clone()).collect();
        let sorted = ids.clone();
        ids.sort();
        ids.dedup();
        assert_eq!(ids, sorted);
        assert!(ids.contains(&"inorm-full_add0.75_c07_s0".to_string()));
    }

    #[test]
    fn shards_partition_the_grid() {
        let runs = presets::get("paper").unwrap().runs();
        let mut union: Vec<String> = (0..7)
            .flat_map(|i| Shard { index: i, count: 7 }.select(runs.clone()))
            .map(|r| r.id)
            .collect();
        union.sort();
        let all: Vec<String> = runs.into_iter().map(|r| r.id).collect();
        assert_eq!(union, all);
        assert!(Shard::parse("7/7").is_err());
        assert!(Shard::parse("1").is_err());
        assert_eq!(Shard::parse("2/8").unwrap(), Shard { index: 2, count: 8 });
    }

    #[test]
    fn grid_spec_round_trips_through_toml() {
        for name in presets::NAMES {
            let grid = presets::get(name).unwrap();
            let back: GridSpec = toml::from_str(&grid.to_toml()).unwrap();
            assert_eq!(back, grid, "{name}");
        }
    }

    #[test]
    fn non_positive_numbers_are_refused() {
        let mut grid = presets::get("smoke").unwrap();
        grid.epochs = 0;
        assert!(matches!(
            grid.validate(),
            Err(SpecError::NonPositive { key: "epochs", .. })
        ));
        let mut grid = presets::get("smoke").unwrap();
        grid.width = Some(0);
        assert!(grid.validate().is_err());
    }
}
