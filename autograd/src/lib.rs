//! A minimal tape-based reverse-mode autodiff, small enough to read in an
//! evening, with one unusual node: **normalize-error**.
//!
//! # A tour
//!
//! * [`Tensor`] — a 2-D row-major `f32` matrix; rows are samples. Products
//!   go through `matrixmultiply::sgemm` ([`gemm`]), which reads transposed
//!   operands through strides instead of copying them.
//! * [`Tape`] and [`Var`] — every operation appends a node (its op, its
//!   value, whether it needs a gradient) to an arena and returns a `Copy`
//!   handle. Nodes are created in topological order, so
//!   [`Tape::backward`] is one reverse loop. Data ([`Tape::input`],
//!   [`Tape::constant`]) and everything computed only from data are
//!   untracked and cost no gradient work; [`Tape::param`] is tracked.
//!   A training loop moves its parameters in and out instead of copying
//!   them ([`Tape::param_owned`], [`Tape::take`]); [`Tape::detach`] shares
//!   its source's value. [`Tape::clear`] keeps every buffer for the next step.
//! * Ops (`src/ops/`) — plain functions on tensors, each family in one
//!   file: the forwards, their backward rules with the formulas, and the
//!   gradient checks at the bottom. They know nothing of the tape.
//!   `src/record.rs` gives each op its `Tape` method, which runs the forward
//!   and records the node, and dispatches the backward rules with one
//!   exhaustive `match` over the closed `Op` enum (`src/op.rs`), so every
//!   built-in op provably has one. Gradients enter through one door,
//!   `Tape::accumulate`.
//! * [`CustomBackward`] — the one open door: an op whose backward is
//!   written by hand. [`NormalizeError`] is one: an identity forward with a
//!   normalizing backward. `einet`'s `DetachedLayerNorm` is the reverse: a
//!   normalizing forward whose backward passes the error through.
//! * `{tape:?}` prints every node: its op (a custom node by its name), its
//!   shape and its inputs (see [`Tape`]).
//! * [`Precision`] — the one switch of arithmetic: [`Tape::set_precision`]
//!   with [`Precision::F16Autocast`] records the ops that follow as CUDA
//!   fp16 autocast would run them. When a node is pushed, the tape decides
//!   from autocast's op lists whether it is half and, if so, rounds its
//!   value; the reverse loop rounds a half node's gradient before its rule
//!   reads it; matmuls read their operands as half. No op or layer takes a
//!   precision argument. [`precision`] has the rules, op by op, and why.
//! * [`gradcheck`] — central finite differences of `Σ r ⊙ f(x)` for a fixed
//!   random `r`; every built-in op passes it, and other crates use it too.
//!
//! # The normalize-error node
//!
//! Its forward is the identity; its backward replaces the incoming error
//! by a normalized version of it — centred, scaled, decorrelated, or all
//! three ([`ErrorMode`]). The backward is **deliberately not the
//! derivative of the forward**: it models a circuit in which the same
//! inhibition that normalizes activity also normalizes the learning signal.
//! Placed after a layer that normalizes its activity by stopped-gradient
//! division, mode `full` makes the error look like the one exact layer
//! norm would have sent. See [`normalize_error`] for every formula.
//!
//! ```
//! use std::sync::Arc;
//! use autograd::{ErrorMode, NormalizeError, Tape, Tensor};
//!
//! let mut tape = Tape::new();
//! let x = tape.param(&Tensor::from_vec(1, 4, vec![1.0, 2.0, 3.0, 6.0]));
//! let center = Arc::new(NormalizeError::new(ErrorMode::Center));
//! let y = tape.normalize_error(x, &center); // forward: y == x
//! assert_eq!(tape.value(y), tape.value(x));
//!
//! let g = tape.constant(&Tensor::from_vec(1, 4, vec![1.0, -1.0, 2.0, 0.0]));
//! let weighted = tape.mul(y, g);
//! let loss = tape.sum(weighted); // ∂loss/∂y = g
//! tape.backward(loss);
//! // The derivative would be g itself; `center` sends g − mean(g) instead.
//! assert_eq!(tape.grad(x).unwrap().data(), &[0.5, -1.5, 1.5, -0.5]);
//! ```
//!
//! Shape mismatches are programming errors: they panic with the op's name
//! and both shapes. Nothing else panics.

mod check;
mod custom;
pub mod normalize_error;
mod op;
mod ops;
mod pool;
pub mod precision;
mod record;
mod tape;
mod tensor;

pub use check::{gradcheck, seeded, seeded_positive, GradcheckReport};
pub use custom::CustomBackward;
pub use normalize_error::{ErrorMode, NormalizeError, UnknownMode};
pub use ops::layer_norm::LN_EPS;
pub use ops::reduce::row_stats;
pub use precision::{Precision, UnknownPrecision};
pub use tape::{Tape, Var};
pub use tensor::{gemm, Tensor};
