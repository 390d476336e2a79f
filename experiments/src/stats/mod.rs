//! Statistics for the report: order statistics of a sample, the two-sided
//! Mann–Whitney U test of two samples, the Wilcoxon signed-rank test and
//! Hodges–Lehmann interval of paired differences, Fisher's exact test of a
//! 2 × 2 table, McNemar's exact test of paired yes/no outcomes, Holm's
//! correction, and standard deviations within and between groups of runs.

mod fisher;
mod holm;
mod mann_whitney;
mod mcnemar;
mod normal;
mod spread;
mod summary;
mod wilcoxon;

pub use fisher::fisher_exact;
pub use holm::holm;
pub use mann_whitney::{mann_whitney_u, MannWhitney, Method};
pub use mcnemar::mcnemar_exact;
pub use normal::normal_sf;
pub use spread::{pooled_sd, sd};
pub use summary::{quantile, top_k_median, Summary};
pub use wilcoxon::{hodges_lehmann, wilcoxon, MedianDiff, Wilcoxon};
