//! The one open door of the tape: an op whose backward is written by hand.

use std::sync::Arc;

use crate::op::Op;
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

/// An op with a hand-written backward. `forward` fills `out` (already
/// shaped like `x`); `backward` overwrites `grad_x` with the error to send
/// down, given the incoming `grad_out`. Nothing forces `backward` to be the
/// derivative of `forward`: that freedom is the point.
pub trait CustomBackward: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &str;
    fn forward(&self, x: &Tensor, out: &mut Tensor);
    fn backward(&self, x: &Tensor, out: &Tensor, grad_out: &Tensor, grad_x: &mut Tensor);
}

impl Tape {
    /// Applies a custom op to `a`; the output has the shape of `a`.
    pub fn custom(&mut self, a: Var, op: Arc<dyn CustomBackward>) -> Var {
        let (rows, cols) = self.value(a).shape();
        let mut out = self.alloc(rows, cols);
        op.forward(self.value(a), &mut out);
        let tracked = self.tracked(a);
        self.push(Op::Custom { a, op }, out, tracked)
    }
}

/// Adds the custom op's error for `a` into its gradient.
pub(crate) fn backward(tape: &mut Tape, out: Var, a: Var, op: &dyn CustomBackward) {
    if !tape.tracked(a) {
        return;
    }
    let (rows, cols) = tape.value(a).shape();
    let mut sent = tape.alloc(rows, cols);
    op.backward(tape.value(a), tape.value(out), tape.grad_out(out), &mut sent);
    tape.accumulate(a, |_, grad| {
        for (d, &s) in grad.data_mut().iter_mut().zip(sent.data()) {
            *d += s;
        }
    });
    tape.recycle(sent);
}
