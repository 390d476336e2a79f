//! Elementwise unary ops.

use super::elementwise::{accumulate_map, accumulate_with};
use crate::op::Op;
use crate::tape::{Tape, Var};

impl Tape {
    fn map(&mut self, a: Var, op: Op, f: impl Fn(f32) -> f32) -> Var {
        let (rows, cols) = self.value(a).shape();
        let mut out = self.alloc(rows, cols);
        for (o, &x) in out.data_mut().iter_mut().zip(self.value(a).data()) {
            *o = f(x);
        }
        let tracked = self.tracked(a);
        self.push(op, out, tracked)
    }

    /// `c·a` for a constant `c`.
    pub fn scale(&mut self, a: Var, c: f32) -> Var {
        self.map(a, Op::Scale { a, c }, |x| c * x)
    }

    /// `a + c` for a constant `c`.
    pub fn add_scalar(&mut self, a: Var, c: f32) -> Var {
        self.map(a, Op::AddScalar(a), |x| x + c)
    }

    /// `max(a, 0)`; NaN stays NaN, as in `torch.relu` (`f32::max` would
    /// turn it into 0 and hide a non-finite forward pass).
    pub fn relu(&mut self, a: Var) -> Var {
        self.map(a, Op::Relu(a), |x| if x.is_nan() { x } else { x.max(0.0) })
    }

    pub fn square(&mut self, a: Var) -> Var {
        self.map(a, Op::Square(a), |x| x * x)
    }

    pub fn sqrt(&mut self, a: Var) -> Var {
        self.map(a, Op::Sqrt(a), f32::sqrt)
    }

    /// The same value with the gradient stopped: nothing flows back through
    /// it. No copy: the node reads its source's value (see [`Tape::value`]).
    pub fn detach(&mut self, a: Var) -> Var {
        let source = match self.nodes[a.index()].op {
            Op::Detach(source) => source, // stop(stop(a)) = stop(a)
            _ => a,
        };
        self.push(Op::Detach(source), crate::Tensor::default(), false)
    }
}

/// `c = k·a`: `∂a += k·g`.
pub(crate) fn scale_backward(tape: &mut Tape, out: Var, a: Var, k: f32) {
    accumulate_map(tape, a, out, |g| k * g);
}

/// `c = a + k`: `∂a += g`.
pub(crate) fn add_scalar_backward(tape: &mut Tape, out: Var, a: Var) {
    accumulate_map(tape, a, out, |g| g);
}

/// `c = max(a, 0)`: `∂a += g ⊙ [c > 0]`.
pub(crate) fn relu_backward(tape: &mut Tape, out: Var, a: Var) {
    accumulate_with(tape, a, out, out, |g, c| if c > 0.0 { g } else { 0.0 });
}

/// `c = a²`: `∂a += 2a ⊙ g`.
pub(crate) fn square_backward(tape: &mut Tape, out: Var, a: Var) {
    accumulate_with(tape, a, out, a, |g, a| 2.0 * a * g);
}

/// `c = √a`: `∂a += g / (2c)`.
pub(crate) fn sqrt_backward(tape: &mut Tape, out: Var, a: Var) {
    accumulate_with(tape, a, out, out, |g, c| g / (2.0 * c));
}

#[cfg(test)]
mod tests {
    use crate::check::{gradcheck, seeded, seeded_positive};
    use crate::Tensor;

    #[test]
    fn scale_passes_gradcheck() {
        gradcheck(&[seeded(3, 4, 1)], |t, v| t.scale(v[0], -1.7)).assert_close(1e-3);
    }

    #[test]
    fn add_scalar_passes_gradcheck() {
        gradcheck(&[seeded(3, 4, 2)], |t, v| t.add_scalar(v[0], 0.3)).assert_close(1e-3);
    }

    #[test]
    fn relu_passes_gradcheck_away_from_the_kink() {
        // Entries at least 0.1 from zero: central differences of width 1e-2 never straddle it.
        let data = seeded(3, 4, 3)
            .data()
            .iter()
            .map(|&x| if x.abs() < 0.1 { x + 0.3 } else { x })
            .collect();
        gradcheck(&[Tensor::from_vec(3, 4, data)], |t, v| t.relu(v[0])).assert_close(1e-3);
    }

    #[test]
    fn relu_passes_nan_through_and_sends_it_no_gradient() {
        let mut tape = crate::Tape::new();
        let x = tape.param(&Tensor::from_vec(1, 4, vec![f32::NAN, -1.0, 0.0, 2.0]));
        let y = tape.relu(x);
        let loss = tape.sum(y);
        let out = tape.value(y).data();
        assert!(out[0].is_nan());
        assert_eq!(&out[1..], &[0.0, 0.0, 2.0]);
        tape.backward(loss);
        // ∂ = [c > 0]: false for NaN, as PyTorch's threshold backward.
        assert_eq!(tape.grad(x).map(|g| &g.data()[..2]), Some(&[0.0, 0.0][..]));
    }

    #[test]
    fn square_passes_gradcheck() {
        gradcheck(&[seeded(3, 4, 4)], |t, v| t.square(v[0])).assert_close(1e-3);
    }

    #[test]
    fn sqrt_passes_gradcheck() {
        gradcheck(&[seeded_positive(3, 4, 5)], |t, v| t.sqrt(v[0])).assert_close(1e-3);
    }

    #[test]
    fn detach_passes_the_value_and_stops_the_gradient() {
        let mut tape = crate::Tape::new();
        let w = tape.param(&seeded(2, 3, 6));
        let d = tape.detach(w);
        let y = tape.mul(d, w);
        let loss = tape.sum(y);
        tape.backward(loss);
        assert_eq!(tape.value(d), tape.value(w));
        // Only the direct path counts: ∂Σ(stop(w)·w)/∂w = w, not 2w.
        assert_eq!(tape.grad(w), Some(tape.value(w)));
        assert!(tape.grad(d).is_none());
    }
}
