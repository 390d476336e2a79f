//! The one open door of the tape: an op whose backward is written by hand.

use crate::tensor::Tensor;

/// An op with a hand-written backward. `forward` fills `out` (already
/// shaped like `x`); `backward` overwrites `grad_x` with the error to send
/// down, given the incoming `grad_out`. Nothing forces `backward` to be the
/// derivative of `forward`: that freedom is the point. A printed tape
/// shows the node by its `name`.
pub trait CustomBackward: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &str;
    fn forward(&self, x: &Tensor, out: &mut Tensor);
    fn backward(&self, x: &Tensor, out: &Tensor, grad_out: &Tensor, grad_x: &mut Tensor);
}

/// Puts the custom op's error into `d`: straight in when `fresh`, else
/// through a buffer of its own (`backward` overwrites), then added.
pub(crate) fn backward(
    op: &dyn CustomBackward,
    x: &Tensor,
    y: &Tensor,
    g: &Tensor,
    d: &mut Tensor,
    fresh: bool,
) {
    if fresh {
        return op.backward(x, y, g, d);
    }
    let mut sent = Tensor::zeros(d.rows(), d.cols());
    op.backward(x, y, g, &mut sent);
    d.data_mut()
        .iter_mut()
        .zip(sent.data())
        .for_each(|(d, &s)| *d += s);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::{ErrorMode, NormalizeError, Tape, Tensor};

    #[test]
    fn a_custom_op_applied_twice_to_one_input_adds_both_errors() {
        // The first error is written into the gradient, the second added to it.
        let mut tape = Tape::new();
        let x = tape.param(&Tensor::from_vec(1, 3, vec![1.0, 2.0, 4.0]));
        let center = Arc::new(NormalizeError::new(ErrorMode::Center));
        let a = tape.normalize_error(x, &center);
        let b = tape.normalize_error(x, &center);
        let both = tape.add(a, b);
        let g = tape.constant(&Tensor::from_vec(1, 3, vec![1.0, 0.0, 2.0]));
        let weighted = tape.mul(both, g);
        let loss = tape.sum(weighted); // ∂loss/∂a = ∂loss/∂b = g
        tape.backward(loss);
        // Each node sends g − mean(g) = (0, −1, 1).
        assert_eq!(tape.grad(x).map(Tensor::data), Some(&[0.0, -2.0, 2.0][..]));
    }

    #[test]
    fn a_printed_tape_names_a_custom_node_by_its_name() {
        let mut tape = Tape::new();
        let x = tape.param(&Tensor::from_vec(1, 3, vec![1.0, 2.0, 4.0]));
        tape.normalize_error(x, &Arc::new(NormalizeError::new(ErrorMode::Scale)));
        assert_eq!(
            format!("{tape:?}").lines().nth(1),
            Some("%1 = normalize_error[scale](%0)  (1, 3)  tracked")
        );
    }
}
