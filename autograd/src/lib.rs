//! A minimal tape-based reverse-mode autodiff, small enough to read in an
//! evening, with one unusual node: **normalize-error**.
//!
//! # A tour, in reading order
//!
//! * [`Tensor`] (`tensor.rs`) — a 2-D row-major `f32` matrix; rows are
//!   samples. Products go through [`gemm`] (`gemm.rs`), which hands them
//!   to the `kernels` crate: `matrixmultiply::sgemm`, which reads
//!   transposed operands through strides instead of copying them, and a
//!   small kernel for a batch's products through a weight that skips
//!   sgemm's copy of the weight and sums exactly as sgemm does. This crate
//!   has no `unsafe` code.
//! * `ops/` — each op's backward rule on tensors, its formula in its doc,
//!   beside the op's forward (unless that is one entrywise expression) and
//!   the op's gradient checks at the bottom of the file. No tape in sight.
//! * [`Tape`] and [`Var`] (`tape.rs`) — every op appends a node (its op,
//!   its inputs, its value, whether it needs a gradient) to an arena and
//!   returns a `Copy` handle. Nodes are created in topological order, so
//!   [`Tape::backward`] is one reverse loop. Data ([`Tape::input`]) and
//!   everything computed only from data are untracked and cost no gradient
//!   work; a [`Tape::param`] is tracked. A node may also keep what its
//!   forward computed for its backward (layer norm's `1/σ` per row). Every
//!   gradient enters through one door, `Tape::accumulate`. [`Tape::clear`]
//!   keeps every buffer, and a training loop moves its parameters in and
//!   out without copying them
//!   ([`Tape::param_owned`], [`Tape::take`]) and can update each one the
//!   moment its gradient is complete ([`Tape::backward_with`]).
//! * `record.rs` — each op's `Tape` method (`tape.matmul_nt(x, w)`), which
//!   runs the forward and records the node, and the one exhaustive `match`
//!   that sends a node's error to its inputs by its op's rule: every
//!   built-in op provably has one.
//! * [`CustomBackward`] — the one open door: an op whose backward is
//!   written by hand. [`NormalizeError`] is one: an identity forward with a
//!   normalizing backward. `einet`'s `DetachedLayerNorm` is the other, the
//!   reverse: a normalizing forward (this crate's [`layer_norm_forward`]) whose
//!   backward passes the error through.
//! * [`Precision`] — one setting of the tape, not of any op or layer:
//!   under [`Precision::F16Autocast`] ([`Tape::set_precision`]) the tape
//!   records the ops that follow as CUDA fp16 autocast would run them.
//!   [`precision`] has the rules, op by op.
//! * `check.rs` (for tests; other crates turn on the `check` feature) —
//!   `gradcheck`, central finite differences of `Σ r ⊙ f(x)` for a fixed
//!   random `r`, which every built-in op passes, and `seeded` test data.
//!
//! # The normalize-error node
//!
//! Its forward is the identity; its backward replaces the incoming error by
//! a normalized version of it ([`ErrorMode`]), **deliberately not the
//! derivative of the forward**: it models a circuit in which the inhibition
//! that normalizes activity also normalizes the learning signal. See
//! [`normalize_error`] for every formula. Printing the tape shows each
//! node's op, inputs and shape:
//!
//! ```
//! use std::sync::Arc;
//! use autograd::{ErrorMode, NormalizeError, Tape, Tensor};
//!
//! let mut tape = Tape::new();
//! let x = tape.param(&Tensor::from_vec(1, 4, vec![1.0, 2.0, 3.0, 6.0]));
//! let center = Arc::new(NormalizeError::new(ErrorMode::Center));
//! let y = tape.normalize_error(x, &center); // forward: y == x
//! let g = tape.input(1, 4, &[1.0, -1.0, 2.0, 0.0]);
//! let weighted = tape.mul(y, g);
//! let loss = tape.sum(weighted); // ∂loss/∂y = g
//! assert_eq!(
//!     format!("{tape:?}"),
//!     "%0 = leaf()  (1, 4)  tracked\n\
//!      %1 = normalize_error[center](%0)  (1, 4)  tracked\n\
//!      %2 = leaf()  (1, 4)\n\
//!      %3 = mul(%1, %2)  (1, 4)  tracked\n\
//!      %4 = sum(%3)  (1, 1)  tracked\n"
//! );
//! tape.backward(loss);
//! // The derivative would be g itself; `center` sends g − mean(g) instead.
//! assert_eq!(tape.grad(x).unwrap().data(), &[0.5, -1.5, 1.5, -0.5]);
//! ```
//!
//! Shape mismatches are programming errors: they panic with the op's name
//! and both shapes. Nothing else panics.

#![forbid(unsafe_code)]

#[macro_use]
mod named;
#[cfg(any(test, feature = "check"))]
mod check;
mod custom;
mod gemm;
pub mod normalize_error;
mod op;
mod ops;
mod pool;
pub mod precision;
mod record;
mod tape;
mod tensor;

#[cfg(any(test, feature = "check"))]
pub use check::{gradcheck, seeded, seeded_positive, GradcheckReport};
pub use custom::CustomBackward;
pub use gemm::{gemm, sgemm};
pub use normalize_error::{ErrorMode, NormalizeError, UnknownMode};
pub use ops::layer_norm::{layer_norm_forward, LN_EPS};
pub use ops::reduce::row_stats;
pub use precision::{Precision, UnknownPrecision};
pub use tape::{Tape, Var};
pub use tensor::Tensor;
