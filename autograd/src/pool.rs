//! Spare buffers for a tape's values and gradients: a training loop that
//! does the same work every step needs no new buffer after its first steps.

use crate::tensor::Tensor;

/// Buffers handed back by a cleared tape, sorted by capacity.
#[derive(Default)]
pub(crate) struct Pool {
    spare: Vec<Vec<f32>>,
}

impl Pool {
    /// A `rows × cols` tensor on the smallest spare buffer that fits (the
    /// largest one, grown, if none does). Its entries are stale: the caller
    /// overwrites all of them.
    pub(crate) fn take(&mut self, rows: usize, cols: usize) -> Tensor {
        let n = rows * cols;
        let at = self.spare.partition_point(|b| b.capacity() < n);
        let buf = if at < self.spare.len() {
            self.spare.remove(at)
        } else {
            self.spare.pop().unwrap_or_default()
        };
        Tensor::from_buffer(rows, cols, buf)
    }

    /// Tensors without a buffer (an alias, a value moved out) add nothing.
    pub(crate) fn give_all(&mut self, tensors: impl Iterator<Item = Tensor>) {
        let buffers = tensors.map(Tensor::into_buffer);
        self.spare.extend(buffers.filter(|b| b.capacity() > 0));
        self.spare.sort_by_key(Vec::capacity);
    }
}

#[cfg(test)]
impl Pool {
    /// The number of spare buffers and their total capacity.
    pub(crate) fn size(&self) -> (usize, usize) {
        (self.spare.len(), self.spare.iter().map(Vec::capacity).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_lent_small_then_large_shows_only_its_shape() {
        let mut pool = Pool::default();
        pool.give_all([Tensor::filled(2, 3, 7.0)].into_iter());
        let small = pool.take(1, 2);
        assert_eq!((small.len(), small.data()), (2, &[7.0, 7.0][..]));
        // Equal tensors compare equal whatever their buffers hold beyond them.
        assert_eq!(small, Tensor::filled(1, 2, 7.0));
        assert_eq!(format!("{small:?}"), format!("{:?}", Tensor::filled(1, 2, 7.0)));
        pool.give_all([small].into_iter());
        let large = pool.take(3, 2);
        assert_eq!(large.data(), &[7.0; 6]); // the tail kept its values: not zeroed again
        assert_eq!(large.clone(), large);
    }
}
