//! The in-memory dataset: `u8` pixels and labels, written out as `f32`
//! batches only when served.

use std::path::Path;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::locate::{data_file, find_data_dir};
use crate::{idx, synthetic, DataError, DatasetKind, JitterStream, Luminosity, Split};
use crate::{DIM, IMAGE_SIDE, N_CLASSES};

/// Images row-major `len × 784` (`u8`, as in the files) and labels `0..10`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    images: Vec<u8>,
    labels: Vec<u8>,
}

impl Dataset {
    /// Reads one split of `kind` from the folder [`find_data_dir`] picks.
    pub fn load(kind: DatasetKind, split: Split, dir: Option<&Path>) -> Result<Dataset, DataError> {
        let dir = find_data_dir(kind, dir)?;
        let (images_name, labels_name) = split.file_names();
        let images_path = data_file(&dir, images_name)?;
        let labels_path = data_file(&dir, labels_name)?;
        let images = idx::read_images(&images_path, IMAGE_SIDE as u32)?;
        let labels = idx::read_labels(&labels_path, N_CLASSES)?;
        if images.len() / DIM != labels.len() {
            return Err(DataError::CountMismatch {
                images_path,
                labels_path,
                images: images.len() / DIM,
                labels: labels.len(),
            });
        }
        Ok(Dataset { images, labels })
    }

    /// `n` seeded 28×28 samples without files, for tests and demos. Class `c`
    /// is a bar at angle `36°·(c mod 5)` plus a corner blob that tells
    /// `c < 5` from `c ≥ 5`, shifted, contrast-scaled and noised per sample; the
    /// classes are the same for every seed, and a small MLP learns them well
    /// above chance within a few hundred SGD steps of batch 32.
    pub fn synthetic(n: usize, seed: u64) -> Dataset {
        let (images, labels) = synthetic::generate(n, seed);
        Dataset { images, labels }
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image: 784.
    pub fn dim(&self) -> usize {
        DIM
    }

    pub fn n_classes(&self) -> usize {
        N_CLASSES
    }

    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Image `i`'s 784 raw pixels.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * DIM..(i + 1) * DIM]
    }

    /// The images at `indices`, in that order (repeats allowed).
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let mut images = Vec::with_capacity(indices.len() * DIM);
        for &i in indices {
            images.extend_from_slice(self.image(i));
        }
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        Dataset { images, labels }
    }

    /// `(train, validation)`: `n_val` images drawn by `seed` for validation,
    /// the rest for training. Both keep the original order, so the fixed
    /// serving order stays the files' order. Panics if `n_val > len()`.
    pub fn split_validation(&self, n_val: usize, seed: u64) -> (Dataset, Dataset) {
        assert!(
            n_val <= self.len(),
            "split_validation: {n_val} validation images requested from {}",
            self.len()
        );
        let mut indices: Vec<usize> = (0..self.len()).collect();
        indices.shuffle(&mut StdRng::seed_from_u64(seed));
        let (val, train) = indices.split_at_mut(n_val);
        val.sort_unstable();
        train.sort_unstable();
        (self.subset(train), self.subset(val))
    }

    /// Writes images `indices` as `f32` rows (pixel / 255, then the luminosity
    /// transform drawn for `(stream, epoch, index)`) into `x`, which must hold
    /// `indices.len() × 784` values, and their labels into `y`. Allocates nothing.
    /// The jitter's image index is the position in this dataset, so a batch's
    /// bytes depend on `(stream, epoch, indices)` only.
    ///
    /// Panics on buffers of the wrong size, an index out of range, or a
    /// luminosity that [`Luminosity::validate`] rejects: caller bugs, checked
    /// once per batch.
    pub fn write_batch(
        &self,
        indices: &[usize],
        lum: &Luminosity,
        stream: &JitterStream,
        epoch: u64,
        x: &mut [f32],
        y: &mut [usize],
    ) {
        assert_eq!(
            x.len(),
            indices.len() * DIM,
            "write_batch: x must hold indices.len() * 784 values"
        );
        assert_eq!(
            y.len(),
            indices.len(),
            "write_batch: y must hold indices.len() labels"
        );
        if let Err(e) = lum.validate() {
            panic!("write_batch: {e}");
        }
        for ((&i, row), label) in indices.iter().zip(x.chunks_exact_mut(DIM)).zip(y.iter_mut()) {
            let jitter = lum.jitter(stream, epoch, i as u64);
            for (out, &p) in row.iter_mut().zip(self.image(i)) {
                *out = jitter.apply(f32::from(p) / 255.0);
            }
            *label = usize::from(self.labels[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{batches, epoch_order, Order};

    fn batch(ds: &Dataset, indices: &[usize], lum: Luminosity, seed: u64, epoch: u64) -> Vec<f32> {
        let mut x = vec![0.0; indices.len() * DIM];
        let mut y = vec![0; indices.len()];
        ds.write_batch(indices, &lum, &JitterStream::new(seed), epoch, &mut x, &mut y);
        x
    }

    #[test]
    fn no_luminosity_writes_pixels_over_255_and_labels() {
        let ds = Dataset::synthetic(5, 1);
        let mut x = vec![0.0; 2 * DIM];
        let mut y = vec![0; 2];
        ds.write_batch(
            &[3, 1],
            &Luminosity::None,
            &JitterStream::new(0),
            0,
            &mut x,
            &mut y,
        );
        assert_eq!(x[DIM + 100], f32::from(ds.image(1)[100]) / 255.0);
        assert_eq!(x[7], f32::from(ds.image(3)[7]) / 255.0);
        assert_eq!(y, vec![usize::from(ds.labels()[3]), usize::from(ds.labels()[1])]);
    }

    #[test]
    fn every_pixel_stays_in_the_unit_interval() {
        let ds = Dataset::synthetic(200, 2);
        let all: Vec<usize> = (0..ds.len()).collect();
        for lum in [
            Luminosity::Additive { eps: 0.75 },
            Luminosity::Fixed { delta: 0.9 },
            Luminosity::Fixed { delta: -0.9 },
            Luminosity::Multiplicative { gamma: 4.0 },
        ] {
            let x = batch(&ds, &all, lum, 3, 0);
            assert!(x.iter().all(|v| (0.0..=1.0).contains(v)), "{lum:?}");
        }
    }

    #[test]
    fn same_seed_same_batch_bytes_whatever_the_batch_size() {
        let ds = Dataset::synthetic(100, 3);
        let lum = Luminosity::Additive { eps: 0.5 };
        let order = epoch_order(ds.len(), Order::Shuffled { seed: 8 }, 2);
        let whole = batch(&ds, &order, lum, 42, 2);
        assert_eq!(whole, batch(&ds, &order, lum, 42, 2));
        let pieces: Vec<f32> = batches(&order, 7)
            .flat_map(|b| batch(&ds, b, lum, 42, 2))
            .collect();
        assert_eq!(whole, pieces);
        assert_ne!(whole, batch(&ds, &order, lum, 43, 2));
    }

    #[test]
    fn different_epochs_shift_an_image_differently() {
        let ds = Dataset::synthetic(10, 4);
        let lum = Luminosity::Additive { eps: 0.25 };
        let (e0, e1) = (batch(&ds, &[6], lum, 1, 0), batch(&ds, &[6], lum, 1, 1));
        assert_ne!(e0, e1);
    }

    #[test]
    fn fixed_offset_shifts_every_unclamped_pixel_by_delta() {
        let ds = Dataset::synthetic(3, 5);
        let x = batch(&ds, &[0], Luminosity::Fixed { delta: 0.1 }, 0, 0);
        for (&v, &p) in x.iter().zip(ds.image(0)) {
            let want = (f32::from(p) / 255.0 + 0.1).min(1.0);
            assert!((v - want).abs() < 1e-6);
        }
    }

    #[test]
    #[should_panic(expected = "x must hold")]
    fn write_batch_rejects_a_wrong_buffer_size() {
        let ds = Dataset::synthetic(3, 5);
        let mut x = vec![0.0; DIM];
        let mut y = vec![0; 2];
        ds.write_batch(
            &[0, 1],
            &Luminosity::None,
            &JitterStream::new(0),
            0,
            &mut x,
            &mut y,
        );
    }

    #[test]
    fn subset_copies_images_and_labels_in_order() {
        let ds = Dataset::synthetic(10, 6);
        let sub = ds.subset(&[4, 2]);
        assert_eq!(sub.len(), 2);
        assert_eq!(sub.image(0), ds.image(4));
        assert_eq!(sub.image(1), ds.image(2));
        assert_eq!(sub.labels(), &[ds.labels()[4], ds.labels()[2]]);
    }

    #[test]
    fn validation_split_is_disjoint_complete_and_seeded() {
        // Tag each image by its index so the halves can be traced back.
        let mut ds = Dataset::synthetic(300, 7);
        for i in 0..ds.len() {
            ds.images[i * DIM] = (i % 256) as u8;
            ds.images[i * DIM + 1] = (i / 256) as u8;
        }
        let origin = |d: &Dataset| -> Vec<usize> {
            (0..d.len())
                .map(|i| usize::from(d.image(i)[0]) + 256 * usize::from(d.image(i)[1]))
                .collect()
        };
        let (train, val) = ds.split_validation(50, 9);
        assert_eq!((train.len(), val.len()), (250, 50));
        let mut all = [origin(&train), origin(&val)].concat();
        all.sort_unstable();
        assert_eq!(all, (0..300).collect::<Vec<_>>());
        assert!(
            origin(&train).windows(2).all(|w| w[0] < w[1]),
            "train keeps file order"
        );
        assert_eq!(ds.split_validation(50, 9), (train, val.clone()));
        assert_ne!(ds.split_validation(50, 10).1, val);
    }

    #[test]
    fn synthetic_has_784_pixels_and_10_classes() {
        let ds = Dataset::synthetic(12, 0);
        assert_eq!((ds.len(), ds.dim(), ds.n_classes()), (12, 784, 10));
        assert_eq!(ds.image(11).len(), 784);
        assert!(ds.labels().iter().all(|&l| l < 10));
        assert!(!ds.is_empty() && Dataset::synthetic(0, 0).is_empty());
    }
}
