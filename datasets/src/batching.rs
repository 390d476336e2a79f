//! The order images are served in, and its cut into batches.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::seed::derive;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// `0, 1, …, n−1` every epoch (the paper's protocol).
    Fixed,
    /// A fresh permutation every epoch, a function of `(seed, epoch)` only.
    Shuffled { seed: u64 },
}

/// The indices `0..n` in the order served in `epoch`.
pub fn epoch_order(n: usize, order: Order, epoch: u64) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..n).collect();
    if let Order::Shuffled { seed } = order {
        indices.shuffle(&mut StdRng::seed_from_u64(derive(seed, &[epoch])));
    }
    indices
}

/// Consecutive batches of `batch` indices; the last, partial batch is kept.
pub fn batches(order: &[usize], batch: usize) -> std::slice::Chunks<'_, usize> {
    assert!(batch > 0, "batches: batch size must be positive");
    order.chunks(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served_once(n: usize, order: Order, batch: usize) {
        for epoch in 0..3 {
            let o = epoch_order(n, order, epoch);
            let mut seen = vec![0u32; n];
            for b in batches(&o, batch) {
                for &i in b {
                    seen[i] += 1;
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "{order:?} epoch {epoch}");
        }
    }

    #[test]
    fn fixed_order_serves_every_index_once() {
        served_once(1003, Order::Fixed, 32);
    }

    #[test]
    fn shuffled_order_serves_every_index_once() {
        served_once(1003, Order::Shuffled { seed: 11 }, 32);
    }

    #[test]
    fn fixed_order_is_the_identity_every_epoch() {
        let expected: Vec<usize> = (0..50).collect();
        assert_eq!(epoch_order(50, Order::Fixed, 0), expected);
        assert_eq!(epoch_order(50, Order::Fixed, 7), expected);
    }

    #[test]
    fn shuffle_is_seeded_and_changes_each_epoch() {
        let s = Order::Shuffled { seed: 3 };
        assert_eq!(epoch_order(100, s, 2), epoch_order(100, s, 2));
        assert_ne!(epoch_order(100, s, 2), epoch_order(100, s, 3));
        assert_ne!(
            epoch_order(100, s, 2),
            epoch_order(100, Order::Shuffled { seed: 4 }, 2)
        );
        assert_ne!(epoch_order(100, s, 2), epoch_order(100, Order::Fixed, 2));
    }

    #[test]
    fn last_partial_batch_is_kept() {
        let o = epoch_order(70, Order::Fixed, 0);
        let sizes: Vec<usize> = batches(&o, 32).map(<[usize]>::len).collect();
        assert_eq!(sizes, vec![32, 32, 6]);
    }
}
