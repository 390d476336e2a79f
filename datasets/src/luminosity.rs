//! Luminosity transforms, applied to pixels already scaled to `[0, 1]`.
//!
//! Every variant is an affine map followed by a clamp, `x ← clamp(g·x + δ, 0, 1)`,
//! with one `(g, δ)` per image per serving ([`Jitter`]):
//!
//! | variant | gain `g` | offset `δ` |
//! |---|---|---|
//! | `None` | 1 | 0 |
//! | `Additive { eps }` (the paper's) | 1 | `δ ~ U(−ε, ε)` |
//! | `Fixed { delta }` (out-of-distribution evaluation) | 1 | `delta` |
//! | `Multiplicative { gamma }` | `ln g ~ U(−ln γ, ln γ)` | 0 |
//!
//! The random draws come from a [`JitterStream`]: a pure function of
//! `(seed, epoch, image index)`, so a batch's bytes do not depend on batch size,
//! on the order images are served in, or on the thread serving them.

use crate::seed::{derive, unit_f64};
use crate::{DataError, Split};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Luminosity {
    None,
    Additive { eps: f32 },
    Fixed { delta: f32 },
    Multiplicative { gamma: f32 },
}

/// One image's transform: `x ← clamp(gain·x + offset, 0, 1)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Jitter {
    pub gain: f32,
    pub offset: f32,
}

impl Jitter {
    pub const IDENTITY: Jitter = Jitter {
        gain: 1.0,
        offset: 0.0,
    };

    pub fn apply(self, x: f32) -> f32 {
        (self.gain * x + self.offset).clamp(0.0, 1.0)
    }
}

impl Luminosity {
    /// Rejects parameters that would give NaN pixels or a silently different
    /// distribution: `eps ≥ 0`, `gamma ≥ 1`, all finite.
    pub fn validate(&self) -> Result<(), DataError> {
        let bad = |reason: String| Err(DataError::BadLuminosity { reason });
        match *self {
            Luminosity::Additive { eps } if !(eps.is_finite() && eps >= 0.0) => {
                bad(format!("additive eps must be finite and >= 0, got {eps}"))
            }
            Luminosity::Fixed { delta } if !delta.is_finite() => {
                bad(format!("fixed delta must be finite, got {delta}"))
            }
            Luminosity::Multiplicative { gamma } if !(gamma.is_finite() && gamma >= 1.0) => bad(format!(
                "multiplicative gamma must be finite and >= 1, got {gamma}"
            )),
            _ => Ok(()),
        }
    }

    /// The transform of image `index` when served in `epoch`.
    pub fn jitter(&self, stream: &JitterStream, epoch: u64, index: u64) -> Jitter {
        match *self {
            Luminosity::None => Jitter::IDENTITY,
            Luminosity::Additive { eps } => Jitter {
                gain: 1.0,
                offset: (f64::from(eps) * stream.symmetric(epoch, index)) as f32,
            },
            Luminosity::Fixed { delta } => Jitter {
                gain: 1.0,
                offset: delta,
            },
            Luminosity::Multiplicative { gamma } => Jitter {
                gain: (f64::from(gamma).ln() * stream.symmetric(epoch, index)).exp() as f32,
                offset: 0.0,
            },
        }
    }
}

/// A seeded source of per-(epoch, image index) jitter. The draw hashes
/// `(seed, epoch, index)` with splitmix64; nothing is consumed, so there is no
/// state to share between threads or batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitterStream {
    pub seed: u64,
}

impl JitterStream {
    pub fn new(seed: u64) -> Self {
        JitterStream { seed }
    }

    /// Separate streams for the training and test sets of one run, so the
    /// test set's jitter does not repeat the training set's.
    pub fn for_split(run_seed: u64, split: Split) -> Self {
        let salt = match split {
            Split::Train => 1,
            Split::Test => 2,
        };
        JitterStream {
            seed: derive(run_seed, &[salt]),
        }
    }

    /// A uniform draw in `[0, 1)` for image `index` in `epoch`.
    pub fn uniform(&self, epoch: u64, index: u64) -> f64 {
        unit_f64(derive(self.seed, &[epoch, index]))
    }

    /// A uniform draw in `[−1, 1)`.
    fn symmetric(&self, epoch: u64, index: u64) -> f64 {
        2.0 * self.uniform(epoch, index) - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(lum: Luminosity, stream: JitterStream, epoch: u64, n: u64) -> Vec<f32> {
        (0..n).map(|i| lum.jitter(&stream, epoch, i).offset).collect()
    }

    #[test]
    fn additive_deltas_cover_the_range_with_mean_zero() {
        let eps = 0.75;
        let d = offsets(Luminosity::Additive { eps }, JitterStream::new(5), 0, 100_000);
        let (lo, hi) = d
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        assert!(lo >= -eps && hi <= eps, "range [{lo}, {hi}]");
        assert!(
            lo < -0.749 && hi > 0.749,
            "range [{lo}, {hi}] does not reach ±eps"
        );
        let mean = d.iter().map(|&x| f64::from(x)).sum::<f64>() / d.len() as f64;
        // U(−0.75, 0.75) has sd 0.433; the mean of 1e5 draws has sd 0.0014.
        assert!(mean.abs() < 0.006, "mean {mean}");
        // Uniform, not clustered: each tenth of the range holds about 10 %.
        let mut bins = [0usize; 10];
        for &x in &d {
            bins[(((x + eps) / (2.0 * eps) * 10.0) as usize).min(9)] += 1;
        }
        assert!(bins.iter().all(|&b| (9_400..10_600).contains(&b)), "{bins:?}");
    }

    #[test]
    fn a_new_delta_every_epoch() {
        let lum = Luminosity::Additive { eps: 0.5 };
        let s = JitterStream::new(1);
        let (e0, e1) = (offsets(lum, s, 0, 1000), offsets(lum, s, 1, 1000));
        let same = e0.iter().zip(&e1).filter(|(a, b)| a == b).count();
        assert_eq!(same, 0);
    }

    #[test]
    fn same_seed_epoch_index_gives_the_same_jitter() {
        let lum = Luminosity::Multiplicative { gamma: 2.0 };
        let (a, b) = (JitterStream::new(9), JitterStream::new(9));
        assert_eq!(lum.jitter(&a, 3, 17), lum.jitter(&b, 3, 17));
        assert_ne!(lum.jitter(&a, 3, 17), lum.jitter(&JitterStream::new(10), 3, 17));
    }

    #[test]
    fn train_and_test_streams_differ() {
        let (tr, te) = (
            JitterStream::for_split(4, Split::Train),
            JitterStream::for_split(4, Split::Test),
        );
        assert_ne!(tr, te);
        assert_ne!(tr.uniform(0, 0), te.uniform(0, 0));
    }

    #[test]
    fn multiplicative_gain_is_log_uniform_within_gamma() {
        let gamma = 3.0f32;
        let s = JitterStream::new(2);
        let logs: Vec<f64> = (0..50_000)
            .map(|i| f64::from(Luminosity::Multiplicative { gamma }.jitter(&s, 0, i).gain).ln())
            .collect();
        let bound = f64::from(gamma).ln() + 1e-6;
        assert!(logs.iter().all(|l| l.abs() <= bound));
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        assert!(mean.abs() < 0.02, "mean ln g {mean}");
        assert!(logs.iter().any(|&l| l > 0.99 * bound) && logs.iter().any(|&l| l < -0.99 * bound));
    }

    #[test]
    fn fixed_and_none_ignore_the_stream() {
        let s = JitterStream::new(0);
        assert_eq!(Luminosity::None.jitter(&s, 1, 2), Jitter::IDENTITY);
        let j = Luminosity::Fixed { delta: -0.25 }.jitter(&s, 5, 6);
        assert_eq!(
            j,
            Jitter {
                gain: 1.0,
                offset: -0.25
            }
        );
    }

    #[test]
    fn apply_clamps_to_the_unit_interval() {
        let j = Jitter {
            gain: 2.0,
            offset: 0.5,
        };
        assert_eq!(j.apply(1.0), 1.0);
        assert_eq!(
            Jitter {
                gain: 1.0,
                offset: -0.75
            }
            .apply(0.5),
            0.0
        );
        assert_eq!(Jitter::IDENTITY.apply(0.25), 0.25);
    }

    #[test]
    fn validate_rejects_nan_negative_eps_and_gamma_below_one() {
        assert!(Luminosity::Additive { eps: -0.1 }.validate().is_err());
        assert!(Luminosity::Additive { eps: f32::NAN }.validate().is_err());
        assert!(Luminosity::Fixed { delta: f32::INFINITY }.validate().is_err());
        assert!(Luminosity::Multiplicative { gamma: 0.5 }.validate().is_err());
        assert!(Luminosity::Additive { eps: 0.0 }.validate().is_ok());
        assert!(Luminosity::Multiplicative { gamma: 1.0 }.validate().is_ok());
    }
}
