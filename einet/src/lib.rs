//! Excitatory-inhibitory networks whose inhibition learns to normalize.
//!
//! This crate builds the networks of *Inhibitory normalization of error
//! signals improves learning in neural circuits* (Eyono et al.): Dale's-law
//! layers with separate excitatory and inhibitory populations, the I-Norm
//! layer whose inhibition learns to standardize activity, the layer-norm
//! baselines, and the projected SGD that keeps every sign constraint.
//!
//! # A tour
//!
//! * [`Condition`] — the twelve experimental conditions (`ei`, `e-ln`,
//!   `inorm-full`, …): which hidden layer, which forward normalization,
//!   which error normalization ([`ErrorMode`], from `autograd`).
//! * [`NetSpec`] and [`Network`] — `n_in → width ×depth → n_out`, hidden
//!   layers of the condition's type with ReLU, and an E-I output layer.
//!   The layers live in [`layers`], one per file, with the paper's symbols
//!   as fields: `W_ex → w_ex`, `W_ix → w_ix`, `W_ei → w_ei`,
//!   `B_ix → b_ix`, `B_ei → b_ei`, bias `b`. Weights are stored transposed,
//!   `(n_in, n_out)`, so each product is `x·W` on the stored matrix ([`param`]).
//! * [`init`] and [`svd`] — Cornford et al.'s lognormal initialization, and
//!   the SVD (one-sided Jacobi, f64) that makes a fresh I-Norm layer equal
//!   to layer norm.
//! * [`Hyper`] and [`UpdateRule`] — projected SGD with per-group rates
//!   (`lr`, `lr_wix`, `lr_wei`), momentum, decoupled weight decay, the clamp
//!   to `≥ 0`; also corrected SGD and exponentiated gradient ([`optim`]).
//! * [`Trainer`] — one run: [`step`](Trainer::step) on a batch,
//!   [`evaluate`](Trainer::evaluate) forward only, the protocol §6
//!   measurements [`moments`](Trainer::moments) and
//!   [`alignment`](Trainer::alignment) ([`measure`]), and
//!   [`to_bytes`](Trainer::to_bytes)/[`load`](Trainer::load) ([`checkpoint`]).
//!
//! A batch is `rows × n_in` values, row-major, one sample per row, with
//! `rows` labels.
//!
//! ```
//! use einet::{Condition, Hyper, NetSpec, Trainer};
//!
//! // 20 inputs -> 16 -> 16 -> 4, I-Norm layers with full error normalization.
//! let condition: Condition = "inorm-full".parse()?;
//! let spec = NetSpec { n_in: 20, width: 16, depth: 2, n_out: 4, condition };
//! let mut trainer = Trainer::new(&spec, &Hyper::paper(0.05, 1e-3, 0.1), 0);
//!
//! // Eight samples: class k lights up inputs 5k..5k+5.
//! let y = [0, 1, 2, 3, 0, 1, 2, 3];
//! let mut x = vec![0.1f32; 8 * 20];
//! for (row, &k) in y.iter().enumerate() {
//!     x[row * 20 + 5 * k..row * 20 + 5 * k + 5].fill(1.0);
//! }
//! let first = trainer.step(&x, &y);
//! for _ in 0..50 {
//!     trainer.step(&x, &y);
//! }
//! let eval = trainer.evaluate(&x, &y);
//! assert!(eval.mean_loss() < first as f64);
//!
//! // Per hidden layer, the mean and variance of its normalized output (protocol §6).
//! let moments = trainer.moments(&x, 8);
//! assert_eq!(moments.len(), 2);
//! # Ok::<(), einet::UnknownCondition>(())
//! ```

pub mod checkpoint;
pub mod condition;
pub mod init;
pub mod layers;
pub mod measure;
pub mod network;
pub mod optim;
pub mod param;
pub mod svd;
pub mod trainer;

pub use autograd::{ErrorMode, Precision};
pub use checkpoint::CheckpointError;
pub use condition::{Condition, HiddenKind, LayerNormKind, UnknownCondition};
pub use layers::homeostasis::LocalTarget;
pub use measure::{Alignment, Moments};
pub use network::{Hidden, NetSpec, Network, SpecError};
pub use optim::{Hyper, UnknownRule, UpdateRule};
pub use param::{Group, Param, Trained};
pub use trainer::{BatchEval, Trainer, LABEL_SMOOTHING};
