//! The built-in ops as plain functions on tensors, with no tape in sight:
//! each file holds a family's backward rules with their formulas, its
//! forwards (an entrywise op's is one expression in its `Tape` method, in
//! `record.rs`) and, at the bottom, its gradient checks.
//!
//! A backward rule reads the incoming error `g = ∂L/∂out` and puts its
//! contribution into the gradient `d` of one input. When `fresh`, it is the
//! first contribution to `d`, whose buffer is then stale: the rule writes
//! it instead of adding to it, which saves a pass to zero it.

pub(crate) mod broadcast;
pub(crate) mod elementwise;
pub(crate) mod layer_norm;
pub(crate) mod loss;
pub(crate) mod matmul;
pub(crate) mod reduce;

/// `d ← v` entrywise when `fresh`, else `d += v`.
pub(crate) fn write_or_add(d: &mut [f32], fresh: bool, v: impl Iterator<Item = f32>) {
    if fresh {
        d.iter_mut().zip(v).for_each(|(d, v)| *d = v);
    } else {
        d.iter_mut().zip(v).for_each(|(d, v)| *d += v);
    }
}

pub(crate) fn dot(x: &[f32], y: &[f32]) -> f32 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// `(Σ x, x·y)` in one sweep: two independent chains, which the CPU
/// overlaps, each the sum `Iterator::sum` makes (the bits of `dot`).
pub(crate) fn sum_and_dot(x: &[f32], y: &[f32]) -> (f32, f32) {
    x.iter()
        .zip(y)
        .fold((-0.0, -0.0), |(s, t), (&x, &y)| (s + x, t + x * y))
}
