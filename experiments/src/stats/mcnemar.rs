//! McNemar's exact test of paired binary outcomes: each pair is one unit
//! measured twice (a configuration trained in f16 and in f32), and only the
//! discordant pairs carry information. Under the null each discordant pair
//! goes either way with probability ½, so the count one way is binomial.

use super::fisher::ln_choose;

/// Two-sided p-value from the discordant pairs: `b` went one way (e.g.
/// collapsed in f16 only), `c` the other. Sums the probabilities of every
/// split no more likely than the observed one, as
/// `scipy.stats.binomtest(b, b + c, 0.5)` does; 1 without discordant pairs.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    let fewer = b.min(c);
    // P(k) = C(n, k) / 2ⁿ; with p = ½ the splits at least as unlikely as the
    // observed one are the two tails beyond it.
    let tail: f64 = (0..=fewer)
        .map(|k| (ln_choose(n, k) - n as f64 * std::f64::consts::LN_2).exp())
        .sum();
    if 2 * fewer == n {
        1.0
    } else {
        (2.0 * tail).min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `scipy.stats.binomtest(b, b + c, 0.5).pvalue`, SciPy 1.17.
    const SCIPY: [((u64, u64), f64); 10] = [
        ((10, 0), 0.001953125),
        ((4, 0), 0.125),
        ((5, 1), 0.21875),
        ((3, 3), 1.0),
        ((0, 0), 1.0),
        ((7, 2), 0.1796875),
        ((1, 0), 1.0),
        ((12, 3), 0.03515625),
        ((0, 6), 0.03125),
        ((20, 9), 0.06142834573984146),
    ];

    #[test]
    fn matches_scipy_binomtest() {
        for ((b, c), want) in SCIPY {
            let got = mcnemar_exact(b, c);
            assert!(
                (got - want).abs() <= 1e-12 * want.max(1e-300),
                "({b}, {c}): {got} vs {want}"
            );
        }
    }

    #[test]
    fn is_symmetric_in_the_two_directions() {
        for (b, c) in [(9, 1), (0, 3), (6, 2)] {
            assert_eq!(mcnemar_exact(b, c), mcnemar_exact(c, b));
        }
    }
}
