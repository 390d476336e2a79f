//! Order statistics of one group of runs: median, interquartile range, the
//! median of the best k.

use serde::Serialize;

/// The `q`-quantile of `values` with linear interpolation between order
/// statistics (NumPy's default, "type 7"). `None` for an empty sample.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// The median of the `k` largest values (all of them if fewer).
pub fn top_k_median(values: &[f64], k: usize) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    sorted.truncate(k);
    quantile(&sorted, 0.5)
}

/// n, median, quartiles and top-10 median of one sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub n: usize,
    pub median: f64,
    pub q25: f64,
    pub q75: f64,
    pub top10_median: f64,
}

impl Summary {
    /// `None` for an empty sample.
    pub fn of(values: &[f64]) -> Option<Summary> {
        Some(Summary {
            n: values.len(),
            median: quantile(values, 0.5)?,
            q25: quantile(values, 0.25)?,
            q75: quantile(values, 0.75)?,
            top10_median: top_k_median(values, 10)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.25, 0.5, 0.75]) = [2, 3, 4]
        let v = [10.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(quantile(&v, 0.25), Some(2.0));
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        assert_eq!(quantile(&v, 0.75), Some(4.0));
        // numpy.median([1, 2, 3, 4]) = 2.5; numpy.quantile(.., 0.25) = 1.75
        let w = [4.0, 3.0, 2.0, 1.0];
        assert_eq!(quantile(&w, 0.5), Some(2.5));
        assert_eq!(quantile(&w, 0.25), Some(1.75));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn top_k_median_takes_the_best() {
        let v: Vec<f64> = (0..30).map(f64::from).collect();
        // best 10 are 20..=29, median 24.5
        assert_eq!(top_k_median(&v, 10), Some(24.5));
        assert_eq!(top_k_median(&[1.0, 2.0], 10), Some(1.5));
    }
}
