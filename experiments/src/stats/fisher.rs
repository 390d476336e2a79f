//! Fisher's exact test of a 2 × 2 table, two-sided. With the margins fixed,
//! the top-left count follows a hypergeometric law; the p-value sums the
//! probabilities of every table no more likely than the one observed (SciPy's
//! `fisher_exact` rule, with the same relative tolerance for ties).

/// Two-sided p-value of the table `[[a, b], [c, d]]`: e.g. collapsed and
/// surviving runs in one precision (`a`, `b`) against the other (`c`, `d`).
pub fn fisher_exact(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (row, col, n) = (a + b, a + c, a + b + c + d);
    if row == 0 || col == 0 || row == n || col == n {
        return 1.0;
    }
    let lo = col.saturating_sub(n - row);
    let hi = row.min(col);
    // ln P(top-left = k) = ln C(row, k) + ln C(n − row, col − k) − ln C(n, col)
    let ln_p = |k: u64| ln_choose(row, k) + ln_choose(n - row, col - k) - ln_choose(n, col);
    let observed = ln_p(a);
    // Tables as likely as the observed one up to rounding count as ties.
    let cutoff = observed + (1.0 + 1e-7f64).ln();
    let p: f64 = (lo..=hi).map(ln_p).filter(|&l| l <= cutoff).map(f64::exp).sum();
    p.min(1.0)
}

/// ln C(n, k), summed term by term: exact enough for the run counts here.
pub(super) fn ln_choose(n: u64, k: u64) -> f64 {
    let k = k.min(n - k);
    (0..k).map(|i| ((n - i) as f64 / (k - i) as f64).ln()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `scipy.stats.fisher_exact(table)[1]`, SciPy 1.17.
    const SCIPY: [([u64; 4], f64); 9] = [
        ([10, 2, 0, 2], 0.06593406593406594),
        ([10, 2, 0, 20], 1.0230616701574773e-06),
        ([0, 12, 0, 20], 1.0),
        ([3, 7, 1, 9], 0.5820433436532508),
        ([1, 9, 11, 3], 0.0027594561852200836),
        ([5, 5, 5, 5], 1.0),
        ([2, 38, 0, 40], 0.49367088607594933),
        ([20, 20, 0, 40], 7.798257540483745e-08),
        ([12, 28, 0, 40], 0.00018546605057626913),
    ];

    #[test]
    fn matches_scipy() {
        for ([a, b, c, d], want) in SCIPY {
            let got = fisher_exact(a, b, c, d);
            assert!(
                (got - want).abs() <= 1e-10 * want.max(1e-300) + 1e-15,
                "{a} {b} {c} {d}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn is_symmetric_in_rows_and_columns() {
        let p = fisher_exact(3, 7, 1, 9);
        for q in [
            fisher_exact(1, 9, 3, 7),
            fisher_exact(3, 1, 7, 9),
            fisher_exact(9, 1, 7, 3),
        ] {
            assert!((q - p).abs() < 1e-12, "{q} vs {p}");
        }
    }

    #[test]
    fn an_empty_margin_gives_one() {
        assert_eq!(fisher_exact(0, 0, 3, 4), 1.0);
        assert_eq!(fisher_exact(0, 0, 0, 0), 1.0);
    }

    #[test]
    fn a_two_by_two_with_one_of_each_sums_to_one() {
        // Every table with these margins is equally likely: p = 1.
        assert_eq!(fisher_exact(1, 0, 0, 1), 1.0);
    }
}
