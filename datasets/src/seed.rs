//! Seeds derived by hashing, so a draw depends only on its coordinates
//! (seed, epoch, index) and never on how many draws came before it.

/// The splitmix64 step: a bijective mixer whose outputs for consecutive
/// inputs pass as independent 64-bit random numbers.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Folds `parts` into `seed` one at a time; each part is mixed in after the
/// previous ones, so `(a, b)` and `(b, a)` give different values.
pub fn derive(seed: u64, parts: &[u64]) -> u64 {
    parts.iter().fold(splitmix64(seed), |h, &p| splitmix64(h ^ p))
}

/// A uniform draw in `[0, 1)` from the top 53 bits of a hash.
pub(crate) fn unit_f64(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_depends_on_the_order_of_parts() {
        assert_ne!(derive(1, &[2, 3]), derive(1, &[3, 2]));
    }

    #[test]
    fn unit_f64_stays_below_one() {
        assert!(unit_f64(u64::MAX) < 1.0);
        assert_eq!(unit_f64(0), 0.0);
    }
}
