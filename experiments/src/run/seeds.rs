//! Seeds derived from a run's seed: one splitmix64 hash per purpose (the
//! `datasets` crate's), so a run's initialization, data order and jitter are
//! independent streams that depend on nothing but the run's spec.

use datasets::seed::splitmix64;

/// A seed for `purpose` derived from `seed` and any further parts.
pub fn derive(seed: u64, purpose: Purpose, parts: &[u64]) -> u64 {
    datasets::seed::derive(seed ^ splitmix64(purpose as u64 + 1), parts)
}

/// What a derived seed is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Network initialization; parts: the config index, so every condition
    /// and ε of one config starts from the same draw where shapes match.
    Init = 0,
    /// The per-epoch shuffle of the training set.
    Order = 1,
    /// The luminosity jitter of the training set.
    TrainJitter = 2,
    /// The luminosity jitter of the test and validation sets: the same for
    /// every run of a seed, so runs are compared on identical images.
    EvalJitter = 3,
    /// Which training images are held out for validation or subsampled.
    DataSplit = 4,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_and_parts_give_different_seeds() {
        let a = derive(0, Purpose::Init, &[1]);
        assert_eq!(a, derive(0, Purpose::Init, &[1]));
        assert_ne!(a, derive(0, Purpose::Init, &[2]));
        assert_ne!(a, derive(0, Purpose::Order, &[1]));
        assert_ne!(a, derive(1, Purpose::Init, &[1]));
    }
}
