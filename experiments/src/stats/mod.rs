//! Statistics for the report: order statistics of a sample and the two-sided
//! Mann–Whitney U test.

mod mann_whitney;
mod normal;
mod summary;

pub use mann_whitney::{mann_whitney_u, MannWhitney, Method};
pub use normal::normal_sf;
pub use summary::{quantile, top_k_median, Summary};
