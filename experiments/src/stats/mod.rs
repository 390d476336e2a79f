//! Statistics for the report: order statistics of a sample, the two-sided
//! Mann–Whitney U test of two samples, the Wilcoxon signed-rank test and
//! Hodges–Lehmann interval of paired differences, Fisher's exact test of a
//! 2 × 2 table, McNemar's exact test of paired yes/no outcomes, and Holm's
//! correction.

mod fisher;
mod holm;
mod mann_whitney;
mod mcnemar;
mod normal;
mod summary;
mod wilcoxon;

pub use fisher::fisher_exact;
pub use holm::holm;
pub use mann_whitney::{mann_whitney_u, MannWhitney, Method};
pub use mcnemar::mcnemar_exact;
pub use normal::normal_sf;
pub use summary::{quantile, top_k_median, Summary};
pub use wilcoxon::{hodges_lehmann, wilcoxon, MedianDiff, Wilcoxon};
