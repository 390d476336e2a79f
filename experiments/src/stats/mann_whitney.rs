//! The two-sided Mann–Whitney U test, following SciPy's `mannwhitneyu`
//! (`alternative="two-sided"`, `use_continuity=True`) so our p-values are
//! comparable with the paper's:
//!
//! - ranks of the pooled sample, ties get their average rank;
//!   `U₁ = R₁ − n₁(n₁+1)/2` (the statistic reported), `U₂ = n₁n₂ − U₁`,
//!   `U = max(U₁, U₂)`;
//! - **exact**: `p = 2·P(U ≥ u)` under the null distribution of U, counted by
//!   the recurrence `c(m, n, u) = c(m−1, n, u−n) + c(m, n−1, u)`;
//! - **asymptotic**: `z = (U − n₁n₂/2 − ½) / σ` with the tie-corrected
//!   `σ² = n₁n₂/12 · ((N+1) − Σ(t³−t)/(N(N−1)))`, `p = 2·P(Z > z)`;
//! - `p` is clipped to 1. [`Method::Auto`] is exact when there are no ties
//!   and one sample has at most 8 values, asymptotic otherwise (SciPy's rule).

use serde::Serialize;

use super::normal::normal_sf;

/// How the p-value is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Auto,
    Exact,
    Asymptotic,
}

/// The outcome of one test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MannWhitney {
    /// `U₁`, the statistic of the first sample.
    pub u: f64,
    /// Two-sided p-value.
    pub p: f64,
    pub n1: usize,
    pub n2: usize,
    /// Whether the exact null distribution was used.
    pub exact: bool,
}

impl MannWhitney {
    /// Rank-biserial correlation `2U₁/(n₁n₂) − 1`: +1 when every value of the
    /// first sample beats every value of the second.
    pub fn rank_biserial(&self) -> f64 {
        2.0 * self.u / (self.n1 * self.n2) as f64 - 1.0
    }
}

/// The two-sided test of `x` against `y`; `None` if either sample is empty.
/// With ties, [`Method::Exact`] falls back to the asymptotic p-value (the
/// exact distribution assumes no ties).
pub fn mann_whitney_u(x: &[f64], y: &[f64], method: Method) -> Option<MannWhitney> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (ranks, tie_sizes) = average_ranks(x.iter().chain(y).copied().collect());
    let r1: f64 = ranks[..n1].iter().sum();
    let u1 = r1 - (n1 * (n1 + 1)) as f64 / 2.0;
    let u2 = (n1 * n2) as f64 - u1;
    let u = u1.max(u2);
    let has_ties = tie_sizes.iter().any(|&t| t > 1);
    let exact = match method {
        Method::Exact => !has_ties,
        Method::Asymptotic => false,
        Method::Auto => !has_ties && n1.min(n2) <= 8,
    };
    let p_one_sided = if exact {
        exact_sf(u.round() as usize, n1, n2)
    } else {
        asymptotic_sf(u, n1, n2, &tie_sizes)
    };
    Some(MannWhitney {
        u: u1,
        p: (2.0 * p_one_sided).min(1.0),
        n1,
        n2,
        exact,
    })
}

/// Average ranks (1-based) in input order, and the size of every tie group.
pub(super) fn average_ranks(values: Vec<f64>) -> (Vec<f64>, Vec<usize>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // positions start..end hold ranks start+1..=end; their mean:
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        ties.push(end - start);
        start = end;
    }
    (ranks, ties)
}

/// `P(U ≥ u)` under the null: every arrangement of the pooled ranks is
/// equally likely. `counts[m][v]` = number of arrangements of `m` x-values
/// among the current `n` y-values with `U = v`, grown one y-value at a time.
fn exact_sf(u: usize, n1: usize, n2: usize) -> f64 {
    let max_u = n1 * n2;
    // n = 0: only U = 0, one arrangement for every m.
    let mut counts = vec![vec![0.0f64; max_u + 1]; n1 + 1];
    for row in counts.iter_mut() {
        row[0] = 1.0;
    }
    for n in 1..=n2 {
        // c(m, n, v) = c(m−1, n, v−n) + c(m, n−1, v): row m−1 is already at n.
        for m in 1..=n1 {
            let (done, rest) = counts.split_at_mut(m);
            let below = &done[m - 1];
            let row = &mut rest[0];
            for v in (n..=m * n).rev() {
                row[v] += below[v - n];
            }
        }
    }
    let total: f64 = counts[n1].iter().sum();
    let tail: f64 = counts[n1][u.min(max_u + 1)..].iter().sum();
    tail / total
}

/// `P(Z > z)` for the tie-corrected, continuity-corrected normal statistic.
fn asymptotic_sf(u: f64, n1: usize, n2: usize, tie_sizes: &[usize]) -> f64 {
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let n = n1f + n2f;
    let tie_term: f64 = tie_sizes
        .iter()
        .map(|&t| {
            let t = t as f64;
            t * t * t - t
        })
        .sum();
    let var = n1f * n2f / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    let numerator = u - n1f * n2f / 2.0 - 0.5;
    if var <= 0.0 {
        // every value tied: no evidence either way
        return 1.0;
    }
    normal_sf(numerator / var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64) {
        assert!(((got - want) / want).abs() < 1e-9, "got {got}, want {want}");
    }

    // Every reference below is `scipy.stats.mannwhitneyu(x, y)` (SciPy 1.17.1,
    // two-sided, use_continuity=True), computed once and pasted here.

    #[test]
    fn small_samples_without_ties_use_the_exact_distribution() {
        let x = [1.1, 2.3, 3.7, 0.5];
        let y = [4.2, 5.1, 2.9, 6.0, 7.3];
        let r = mann_whitney_u(&x, &y, Method::Auto).unwrap();
        assert!(r.exact);
        assert_eq!(r.u, 1.0);
        close(r.p, 0.031746031746031744);
        // complete separation 3 vs 4: p = 2/35
        let r = mann_whitney_u(&[5.0, 6.0, 7.0], &[1.0, 2.0, 3.0, 4.0], Method::Auto).unwrap();
        assert_eq!(r.u, 12.0);
        close(r.p, 0.05714285714285714);
        assert_eq!(r.rank_biserial(), 1.0);
    }

    #[test]
    fn ties_use_the_tie_corrected_normal_approximation() {
        let x = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0];
        let y = [3.0, 3.0, 4.0, 6.0, 7.0, 7.0, 8.0, 9.0, 9.0, 10.0];
        let r = mann_whitney_u(&x, &y, Method::Auto).unwrap();
        assert!(!r.exact);
        assert_eq!(r.u, 12.5);
        close(r.p, 0.015778162179756885);
    }

    #[test]
    fn thirty_runs_per_group_use_the_normal_approximation() {
        let x = [
            0.8, 0.821, 0.842, 0.863, 0.884, 0.812, 0.833, 0.854, 0.875, 0.803, 0.824, 0.845, 0.866, 0.887,
            0.815, 0.836, 0.857, 0.878, 0.806, 0.827, 0.848, 0.869, 0.89, 0.818, 0.839, 0.86, 0.881, 0.809,
            0.83, 0.851,
        ];
        let y = [
            0.81, 0.8441, 0.8782, 0.9123, 0.8317, 0.8658, 0.8999, 0.8193, 0.8534, 0.8875, 0.9216, 0.841,
            0.8751, 0.9092, 0.8286, 0.8627, 0.8968, 0.8162, 0.8503, 0.8844, 0.9185, 0.8379, 0.872, 0.9061,
            0.8255, 0.8596, 0.8937, 0.8131, 0.8472, 0.8813,
        ];
        let r = mann_whitney_u(&x, &y, Method::Auto).unwrap();
        assert!(!r.exact);
        assert_eq!(r.u, 293.0);
        close(r.p, 0.020680749139978086);
        // scipy method="exact" on the same samples
        let r = mann_whitney_u(&x, &y, Method::Exact).unwrap();
        assert!(r.exact);
        close(r.p, 0.01990056202051376);
    }

    #[test]
    fn exact_and_asymptotic_agree_with_scipy_on_12_vs_10() {
        let x = [
            0.0,
            0.113,
            0.226,
            0.30000000000000004,
            0.41300000000000003,
            0.526,
            0.6000000000000001,
            0.7130000000000001,
            0.8260000000000001,
            0.9,
            1.013,
            1.1260000000000001,
        ];
        let y = [
            0.35,
            0.44999999999999996,
            0.55,
            0.65,
            0.75,
            0.85,
            0.9500000000000001,
            1.05,
            1.15,
            1.25,
        ];
        let exact = mann_whitney_u(&x, &y, Method::Exact).unwrap();
        assert_eq!(exact.u, 36.0);
        close(exact.p, 0.12291114458297121);
        let asym = mann_whitney_u(&x, &y, Method::Asymptotic).unwrap();
        close(asym.p, 0.12125097588073802);
    }

    #[test]
    fn all_values_tied_gives_p_one() {
        let r = mann_whitney_u(&[1.0; 3], &[1.0; 4], Method::Auto).unwrap();
        assert_eq!(r.u, 6.0);
        assert_eq!(r.p, 1.0);
    }

    #[test]
    fn swapping_the_samples_keeps_p_and_mirrors_u() {
        let x = [1.0, 4.0, 2.5, 8.0];
        let y = [3.0, 5.0, 6.0, 7.0, 9.0];
        let a = mann_whitney_u(&x, &y, Method::Auto).unwrap();
        let b = mann_whitney_u(&y, &x, Method::Auto).unwrap();
        assert_eq!(a.p, b.p);
        assert_eq!(a.u + b.u, 20.0);
        assert!(mann_whitney_u(&[], &y, Method::Auto).is_none());
    }
}
