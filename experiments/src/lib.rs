//! The experiments of *Inhibitory normalization of error signals improves
//! learning in neural circuits*: single training runs, the ablation grid in
//! parallel (resumable, shardable), and a report with tables, Mann–Whitney
//! tests, verdicts on the paper's claims and SVG figures. The binary
//! `einorm` is a thin shell over [`commands`].
//!
//! A tour of the principal pieces:
//!
//! - [`spec`]: what to run. A [`spec::GridSpec`] (conditions × ε × configs ×
//!   seeds plus shared settings) expands into [`spec::RunSpec`]s with stable
//!   ids; [`presets`] holds `smoke`, `quick`, `paper` and the
//!   multiplicative-luminosity grids; [`paper`] the 30 configurations.
//! - [`train`]: one run, epoch by epoch, measuring protocol §6 and stopping at a
//!   non-finite loss. [`grid`] runs many in parallel, one per rayon thread.
//! - [`record`] and [`store`]: a finished run is one JSON line, written
//!   atomically into the grid's folder; a rerun skips what is finished, and
//!   processes sharing a folder claim runs, so none trains twice. Every
//!   file is written through [`files::write_atomic`].
//! - [`report`] and [`stats`]: summaries, the two-sided Mann–Whitney U test,
//!   the claims of protocol §7 with verdicts, figures.
//! - [`estimate`]: what a grid will cost before it runs.
//!
//! ```
//! use experiments::{presets, stats};
//!
//! let quick = presets::get("quick").unwrap();
//! assert_eq!(quick.runs().len(), 10 * 2 * 8);
//!
//! let t = stats::mann_whitney_u(&[5.0, 6.0, 7.0], &[1.0, 2.0, 3.0, 4.0], stats::Method::Auto).unwrap();
//! assert!((t.p - 2.0 / 35.0).abs() < 1e-12);
//! ```

pub mod cli;
pub mod commands;
pub mod data;
pub mod error;
pub mod estimate;
pub mod files;
pub mod grid;
pub mod limits;
pub mod paper;
pub mod presets;
pub mod provenance;
pub mod record;
pub mod report;
pub mod seeds;
pub mod spec;
pub mod stats;
pub mod store;
pub mod train;
pub mod train_state;

pub use error::Error;
