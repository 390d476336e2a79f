//! The two-sided Wilcoxon signed-rank test of paired differences, following
//! SciPy's `wilcoxon` (`zero_method="wilcox"`, `correction=False`), and the
//! Hodges–Lehmann estimate of the median difference with its exact interval:
//!
//! - zeros are dropped; the `n` remaining `|dᵢ|` are ranked, ties get their
//!   average rank; `W₊` = sum of the ranks of positive `dᵢ`, `W₋` of negative;
//!   `W = min(W₊, W₋)` is the statistic reported (SciPy's);
//! - **exact** (no ties, no zeros, `n ≤ 50`): `p = 2·P(T ≤ W)` under the null,
//!   where `T` is the sum of a uniformly random subset of `1..=n`, counted by
//!   the subset-sum recurrence;
//! - **normal approximation** otherwise: `z = (W₊ − n(n+1)/4) / σ` with
//!   `σ² = n(n+1)(2n+1)/24 − Σ(t³−t)/48`, `p = 2·P(Z > |z|)`;
//! - effect size: the matched-pairs rank-biserial `r = (W₊ − W₋)/(W₊ + W₋)`;
//! - Hodges–Lehmann: the median of the `M = n(n+1)/2` Walsh averages
//!   `(dᵢ + dⱼ)/2, i ≤ j` (all differences, zeros included); the 95 % interval
//!   is `[A₍ₖ₎, A₍M+1−k₎]` of the sorted averages with `k − 1` the largest `c`
//!   with `P(T ≤ c) ≤ 0.025` (normal quantile for `n > 50`). No interval when
//!   even `k = 1` does not reach 95 % (n ≤ 5).

use serde::Serialize;

use super::normal::normal_sf;
use super::summary::quantile;

/// The outcome of one signed-rank test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Wilcoxon {
    /// `min(W₊, W₋)`.
    pub w: f64,
    pub w_plus: f64,
    pub w_minus: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Non-zero differences ranked.
    pub n: usize,
    /// Differences equal to zero, dropped.
    pub zeros: usize,
    pub exact: bool,
}

impl Wilcoxon {
    /// `(W₊ − W₋)/(W₊ + W₋)`: +1 when every difference is positive.
    pub fn rank_biserial(&self) -> f64 {
        let total = self.w_plus + self.w_minus;
        if total == 0.0 {
            0.0
        } else {
            (self.w_plus - self.w_minus) / total
        }
    }
}

/// Largest `n` for the exact distribution (SciPy's limit).
const EXACT_MAX_N: usize = 50;

/// The two-sided test of the differences `d`; `None` when every one is zero
/// (or there are none).
pub fn wilcoxon(d: &[f64]) -> Option<Wilcoxon> {
    let nonzero: Vec<f64> = d.iter().copied().filter(|&v| v != 0.0).collect();
    let n = nonzero.len();
    if n == 0 {
        return None;
    }
    let (ranks, ties) = super::mann_whitney::average_ranks(nonzero.iter().map(|v| v.abs()).collect());
    // `+ 0.0`: an empty float sum is −0.0.
    let w_plus: f64 = ranks
        .iter()
        .zip(&nonzero)
        .filter(|(_, &v)| v > 0.0)
        .map(|(r, _)| r)
        .sum::<f64>()
        + 0.0;
    let total = (n * (n + 1)) as f64 / 2.0;
    let w_minus = total - w_plus;
    let w = w_plus.min(w_minus);
    let zeros = d.len() - n;
    let exact = zeros == 0 && ties.iter().all(|&t| t == 1) && n <= EXACT_MAX_N;
    let p = if exact {
        let counts = null_counts(n);
        let all: f64 = counts.iter().sum();
        2.0 * counts[..=w.round() as usize].iter().sum::<f64>() / all
    } else {
        let nf = n as f64;
        let tie_term: f64 = ties.iter().map(|&t| (t * t * t - t) as f64).sum();
        let var = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_term / 48.0;
        if var <= 0.0 {
            1.0
        } else {
            2.0 * normal_sf(((w_plus - total / 2.0) / var.sqrt()).abs())
        }
    };
    Some(Wilcoxon {
        w,
        w_plus,
        w_minus,
        p: p.min(1.0),
        n,
        zeros,
        exact,
    })
}

/// `counts[t]` = number of subsets of `{1, …, n}` with sum `t`.
fn null_counts(n: usize) -> Vec<f64> {
    let max = n * (n + 1) / 2;
    let mut counts = vec![0.0f64; max + 1];
    counts[0] = 1.0;
    for k in 1..=n {
        for t in (k..=max).rev() {
            counts[t] += counts[t - k];
        }
    }
    counts
}

/// The Hodges–Lehmann median difference and its 95 % confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MedianDiff {
    pub estimate: f64,
    /// `None` when the sample is too small for a 95 % interval.
    pub ci: Option<(f64, f64)>,
    /// The interval's coverage from the exact null (`n ≤ 50`) or the normal one.
    pub coverage: f64,
}

/// Hodges–Lehmann estimate of the median of `d` with its Wilcoxon interval.
pub fn hodges_lehmann(d: &[f64]) -> Option<MedianDiff> {
    let n = d.len();
    if n == 0 {
        return None;
    }
    let mut walsh: Vec<f64> = (0..n)
        .flat_map(|i| (i..n).map(move |j| (d[i] + d[j]) / 2.0))
        .collect();
    walsh.sort_by(f64::total_cmp);
    let m = walsh.len();
    let estimate = quantile(&walsh, 0.5)?;
    // k − 1 = the largest c with P(T ≤ c) ≤ 2.5 %, and the coverage 1 − 2·P(T ≤ k − 1).
    let (k, coverage) = if n <= EXACT_MAX_N {
        let counts = null_counts(n);
        let all: f64 = counts.iter().sum();
        let mut cum = 0.0;
        let mut k = 0;
        for (c, &v) in counts.iter().enumerate() {
            if (cum + v) / all > 0.025 {
                break;
            }
            cum += v;
            k = c + 1;
        }
        (k, 1.0 - 2.0 * cum / all)
    } else {
        let nf = n as f64;
        let sd = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0).sqrt();
        let k = (m as f64 / 2.0 - 1.959963984540054 * sd).floor().max(0.0) as usize;
        (k, 0.95)
    };
    let ci = (k >= 1).then(|| (walsh[k - 1], walsh[m - k]));
    Some(MedianDiff {
        estimate,
        ci,
        coverage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64) {
        assert!(((got - want) / want).abs() < 1e-9, "got {got}, want {want}");
    }

    const D10: [f64; 10] = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30, -0.35];

    #[test]
    fn ten_untied_differences_use_the_exact_distribution() {
        // scipy.stats.wilcoxon(D10, method="exact") -> statistic 1.0, p 0.00390625
        let r = wilcoxon(&D10).unwrap();
        assert!(r.exact);
        assert_eq!(r.w, 1.0);
        close(r.p, 0.00390625);
        assert_eq!((r.w_plus, r.w_minus), (54.0, 1.0));
        close(r.rank_biserial(), 53.0 / 55.0);
        // all five negative: scipy.stats.wilcoxon([-1.2, -0.8, -2.5, -0.3, -1.9], method="exact") -> 0.0, 0.0625
        let r = wilcoxon(&[-1.2, -0.8, -2.5, -0.3, -1.9]).unwrap();
        assert_eq!(r.w, 0.0);
        close(r.p, 0.0625);
        assert_eq!(r.rank_biserial(), -1.0);
    }

    #[test]
    fn twenty_untied_differences_exact_and_normal_match_scipy() {
        let d = [
            0.31, -0.12, 0.55, 0.87, -0.44, 1.21, 0.68, 0.05, 0.97, 1.42, -0.29, 0.73, 1.05, 0.14, -0.61,
            0.92, 0.39, 1.63, 0.21, 0.48,
        ];
        // scipy.stats.wilcoxon(d, method="exact") -> 26.0, 0.0019855499267578125
        let r = wilcoxon(&d).unwrap();
        assert!(r.exact);
        assert_eq!(r.w, 26.0);
        close(r.p, 0.0019855499267578125);
        // scipy.stats.wilcoxon(d, method="asymptotic") -> 26.0, 0.0031851432686599455
        let n = 20.0;
        let sd = (n * (n + 1.0) * (2.0 * n + 1.0) / 24.0f64).sqrt();
        close(2.0 * normal_sf((r.w_plus - 105.0) / sd), 0.0031851432686599455);
    }

    #[test]
    fn ties_and_zeros_use_the_corrected_normal_approximation() {
        let d = [0.4, -0.2, 0.4, 0.9, -0.4, 1.1, 0.7, 0.0, 0.2, 1.5, 0.9, -0.1];
        // scipy.stats.wilcoxon(d, method="asymptotic") -> 8.5, 0.028903366316194987
        let r = wilcoxon(&d).unwrap();
        assert!(!r.exact);
        assert_eq!((r.n, r.zeros), (11, 1));
        assert_eq!(r.w, 8.5);
        close(r.p, 0.028903366316194987);
        assert!(wilcoxon(&[0.0, 0.0]).is_none());
    }

    #[test]
    fn thirty_tied_differences_match_scipy_asymptotic() {
        let d = [
            -0.9, -0.42, -0.5, 0.16, 0.26, -0.2, 0.08, 1.1, 0.26, 0.16, 0.8, 0.88, 1.7, 0.66, 1.66, 0.8,
            1.98, 1.3, 1.36, 2.16, 2.4, 2.08, 2.5, 2.36, 2.96, 3.0, 2.48, 2.7, 2.36, 2.76,
        ];
        // scipy.stats.wilcoxon(d, method="asymptotic") -> 32.0, 3.717213714287214e-05
        let r = wilcoxon(&d).unwrap();
        assert!(!r.exact);
        assert_eq!(r.w, 32.0);
        close(r.p, 3.717213714287214e-05);
    }

    #[test]
    fn hodges_lehmann_interval_matches_brute_force_enumeration() {
        // Reference: the median of the sorted Walsh averages, and the k-th
        // smallest and largest, with k from all 2^n sign patterns enumerated in
        // Python (P(T ≤ 8) = 25/1024 ≤ 0.025 < P(T ≤ 9) for n = 10, so k = 9).
        let r = hodges_lehmann(&D10).unwrap();
        close(r.estimate, 1.62);
        let (lo, hi) = r.ci.unwrap();
        close(lo, 0.765);
        close(hi, 2.18);
        close(r.coverage, 1.0 - 2.0 * 25.0 / 1024.0);
        // n = 12 with ties and a zero: median 0.425, k = 14, interval [0.0, 0.9]
        let r = hodges_lehmann(&[0.4, -0.2, 0.4, 0.9, -0.4, 1.1, 0.7, 0.0, 0.2, 1.5, 0.9, -0.1]).unwrap();
        close(r.estimate, 0.425);
        assert_eq!(r.ci, Some((0.0, 0.9)));
        // five differences cannot give a 95 % interval
        assert_eq!(hodges_lehmann(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap().ci, None);
    }

    #[test]
    fn null_counts_sum_to_two_to_the_n() {
        for n in [1, 5, 10, 30] {
            assert_eq!(null_counts(n).iter().sum::<f64>(), 2f64.powi(n as i32));
        }
    }
}
