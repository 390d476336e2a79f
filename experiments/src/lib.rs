//! The experiments of *Inhibitory normalization of error signals improves
//! learning in neural circuits*: single training runs, the ablation grid in
//! parallel (resumable, shardable), and a report with tables, Mann–Whitney
//! tests, verdicts on the paper's claims and SVG figures. The binary
//! `einorm` is a thin shell over [`commands`].
//!
//! The folders follow the flow, plan → run → report:
//!
//! - [`plan`]: what to run. A [`plan::GridSpec`] (conditions × ε × configs ×
//!   seeds plus shared settings) expands into [`plan::RunSpec`]s with stable
//!   ids; every setting is declared once in [`plan::keys`], a flag and a
//!   TOML key at once; [`plan::presets`] holds `smoke`, `quick`, `paper` and
//!   the grids beyond the paper; [`plan::estimate`] says what a grid costs.
//! - [`run`]: one run, epoch by epoch, measuring protocol §6 and stopping at a
//!   non-finite loss; a grid's runs in parallel, one per rayon thread; a
//!   finished run is one JSON line, written atomically into the grid's
//!   folder, where a rerun skips what is finished and processes sharing the
//!   folder claim runs, so none trains twice. Every file is written through
//!   [`files::write_atomic`].
//! - [`report`] and [`stats`]: summaries, the two-sided Mann–Whitney U test,
//!   the claims of protocol §7 with verdicts, figures.
//!
//! ```
//! use experiments::{plan::presets, stats};
//!
//! let quick = presets::get("quick").unwrap();
//! assert_eq!(quick.runs().len(), 10 * 2 * 8);
//!
//! let t = stats::mann_whitney_u(&[5.0, 6.0, 7.0], &[1.0, 2.0, 3.0, 4.0], stats::Method::Auto).unwrap();
//! assert!((t.p - 2.0 / 35.0).abs() < 1e-12);
//! ```

pub mod cli;
pub mod commands;
pub mod error;
pub mod files;
pub mod plan;
pub mod report;
pub mod run;
pub mod stats;

pub use error::Error;
