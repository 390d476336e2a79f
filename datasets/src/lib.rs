//! Fashion-MNIST and MNIST for the luminosity experiments: IDX loading,
//! luminosity transforms and seeded batching.
//!
//! A tour of the principal pieces:
//!
//! - [`Dataset`] holds one split as `u8` pixels (row-major `n × 784`) and `u8`
//!   labels. [`Dataset::load`] reads the IDX files (raw or gzipped) from the
//!   folder [`find_data_dir`] picks: the caller's folder, then
//!   `FASHION_MNIST_DIR` / `MNIST_DIR`, then `/usr/share/datasets/fashion-mnist`
//!   (Debian package `dataset-fashion-mnist`), then `./data/<name>`. Every
//!   problem with a file is a [`DataError`] naming the file.
//!   [`Dataset::synthetic`] makes a small seeded stand-in without files.
//! - [`Luminosity`] is the brightness jitter: additive `δ ~ U(−ε, ε)` (the
//!   paper's), a fixed offset, or a log-uniform gain. Each image gets a new
//!   draw every epoch from a [`JitterStream`], a pure function of
//!   `(seed, epoch, image index)`.
//! - [`epoch_order`] serves `0..n` in the fixed order (the paper's protocol) or
//!   a seeded shuffle per epoch; [`batches`] cuts it, keeping the last partial
//!   batch.
//! - [`Dataset::write_batch`] turns a batch of indices into `f32` rows
//!   (pixel / 255, then the luminosity) in a buffer the caller owns.
//!
//! One epoch of training batches:
//!
//! ```
//! use datasets::{batches, epoch_order, Dataset, JitterStream, Luminosity, Order, Split};
//!
//! let train = Dataset::synthetic(100, 7); // or Dataset::load(DatasetKind::FashionMnist, Split::Train, None)?
//! let lum = Luminosity::Additive { eps: 0.75 };
//! let stream = JitterStream::for_split(1, Split::Train);
//! let (mut x, mut y) = (vec![0.0f32; 32 * train.dim()], vec![0usize; 32]);
//! let epoch = 0;
//! for idx in batches(&epoch_order(train.len(), Order::Shuffled { seed: 3 }, epoch), 32) {
//!     let (x, y) = (&mut x[..idx.len() * train.dim()], &mut y[..idx.len()]);
//!     train.write_batch(idx, &lum, &stream, epoch, x, y);
//!     assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
//!     assert!(y.iter().all(|&label| label < train.n_classes()));
//! }
//! ```

mod batching;
mod dataset;
mod error;
mod idx;
mod locate;
mod luminosity;
pub mod seed;
mod synthetic;

pub use batching::{batches, epoch_order, Order};
pub use dataset::Dataset;
pub use error::DataError;
pub use locate::{find_data_dir, DatasetKind, Split, DEBIAN_FASHION_MNIST_DIR};
pub use luminosity::{Jitter, JitterStream, Luminosity};

/// Images are `IMAGE_SIDE × IMAGE_SIDE` pixels.
pub const IMAGE_SIDE: usize = 28;
/// Pixels per flattened image.
pub const DIM: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Both datasets have ten classes.
pub const N_CLASSES: usize = 10;
