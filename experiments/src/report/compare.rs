//! One comparison of two samples of final test accuracies (%): the
//! Mann–Whitney test always, and when the runs pair up by configuration and
//! seed, the Wilcoxon signed-rank test with the Hodges–Lehmann median
//! difference and its 95 % interval.

use std::collections::BTreeMap;

use crate::stats::{
    hodges_lehmann, mann_whitney_u, quantile, wilcoxon, MannWhitney, MedianDiff, Method, Wilcoxon,
};

/// The paired test decides once every run has a partner and there are at
/// least this many pairs (with 5, the smallest exact p is 0.0625).
pub const MIN_PAIRS: usize = 6;

/// Differences are rounded to this many % so that runs with equal accuracy
/// (a count over the test set) give exactly tied differences.
const DIFF_RESOLUTION: f64 = 1e-6;

#[derive(Clone, Debug, PartialEq)]
pub struct Paired {
    pub n: usize,
    /// `None` when every difference is zero.
    pub wilcoxon: Option<Wilcoxon>,
    pub diff: MedianDiff,
    /// Pairs where the first sample is ahead.
    pub ahead: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub median_a: f64,
    pub median_b: f64,
    pub mann_whitney: MannWhitney,
    pub paired: Option<Paired>,
}

/// The test a verdict rests on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decisive {
    pub paired: bool,
    pub p: f64,
    /// Rank-biserial correlation of that test: > 0 when the first sample is ahead.
    pub effect: f64,
}

impl Comparison {
    /// Compares `a` with `b`; `pairs` keys values by (config, seed) for the
    /// paired test. `None` if either sample is empty.
    pub fn of(a: &[f64], b: &[f64], pairs: Option<(&Keyed, &Keyed)>) -> Option<Comparison> {
        let mann_whitney = mann_whitney_u(a, b, Method::Auto)?;
        let paired = pairs.and_then(|(pa, pb)| {
            let d: Vec<f64> = pa
                .iter()
                .filter_map(|(k, va)| {
                    pb.get(k)
                        .map(|vb| ((va - vb) / DIFF_RESOLUTION).round() * DIFF_RESOLUTION)
                })
                .collect();
            Some(Paired {
                n: d.len(),
                wilcoxon: wilcoxon(&d),
                diff: hodges_lehmann(&d)?,
                ahead: d.iter().filter(|&&x| x > 0.0).count(),
            })
        });
        Some(Comparison {
            median_a: quantile(a, 0.5)?,
            median_b: quantile(b, 0.5)?,
            mann_whitney,
            paired,
        })
    }

    /// The paired test when every run is paired and there are enough pairs,
    /// the Mann–Whitney test otherwise.
    pub fn decisive(&self) -> Decisive {
        let mw = &self.mann_whitney;
        match &self.paired {
            Some(p) if p.n == mw.n1 && p.n == mw.n2 && p.n >= MIN_PAIRS => Decisive {
                paired: true,
                p: p.wilcoxon.map_or(1.0, |w| w.p),
                effect: p.wilcoxon.map_or(0.0, |w| w.rank_biserial()),
            },
            _ => Decisive {
                paired: false,
                p: mw.p,
                effect: mw.rank_biserial(),
            },
        }
    }
}

/// Values keyed by (config, seed).
pub type Keyed = BTreeMap<(Option<usize>, u64), f64>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_runs_use_the_signed_rank_test_and_unpaired_ones_mann_whitney() {
        let a: Keyed = (0..8)
            .map(|i| ((Some(i), 0), 80.0 + f64::from(i as u8)))
            .collect();
        let b: Keyed = (0..8)
            .map(|i| ((Some(i), 0), 79.9 + f64::from(i as u8)))
            .collect();
        let va: Vec<f64> = a.values().copied().collect();
        let vb: Vec<f64> = b.values().copied().collect();
        let c = Comparison::of(&va, &vb, Some((&a, &b))).unwrap();
        let p = c.paired.as_ref().unwrap();
        // every difference is +0.1, tied: the normal approximation, all ahead
        assert_eq!((p.n, p.ahead), (8, 8));
        assert!((p.diff.estimate - 0.1).abs() < 1e-9);
        let d = c.decisive();
        assert!(d.paired && d.effect == 1.0 && d.p < 0.01, "{d:?}");
        // the samples overlap almost entirely, so the unpaired test sees nothing
        assert!(c.mann_whitney.p > 0.5);
        let c = Comparison::of(&va, &vb, None).unwrap();
        assert!(!c.decisive().paired);
    }
}
