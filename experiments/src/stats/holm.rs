//! Holm's step-down correction for a family of tests: sort the `m` p-values
//! ascending, multiply the `i`-th (1-based) by `m − i + 1`, make the sequence
//! non-decreasing and clip it at 1. Rejecting where the adjusted p is below α
//! keeps the family-wise error rate at α.

/// Holm-adjusted p-values, in the order given.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (i, &k) in order.iter().enumerate() {
        running = running.max(((m - i) as f64 * p[k]).min(1.0));
        adjusted[k] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_multiplies_by_the_remaining_count_and_stays_monotone() {
        // By hand: sorted 0.01, 0.02, 0.03, 0.5 times 4, 3, 2, 1 = 0.04, 0.06, 0.06, 0.5.
        let got = holm(&[0.03, 0.5, 0.01, 0.02]);
        let want = [0.06, 0.5, 0.04, 0.06];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
        // a large p early in the order is carried forward and clipped at 1
        assert_eq!(holm(&[0.4, 0.3]), vec![0.6, 0.6]);
        assert_eq!(holm(&[0.9, 0.8, 0.7]), vec![1.0, 1.0, 1.0]);
        assert!(holm(&[]).is_empty());
    }
}
