//! Elementwise binary ops on tensors of the same shape.

use crate::op::Op;
use crate::tape::{Tape, Var};

impl Tape {
    fn zip(&mut self, a: Var, b: Var, name: &str, f: impl Fn(f32, f32) -> f32) -> (crate::Tensor, bool) {
        self.value(a).assert_same_shape(self.value(b), name);
        let (rows, cols) = self.value(a).shape();
        let mut out = self.alloc(rows, cols);
        for ((o, &x), &y) in out
            .data_mut()
            .iter_mut()
            .zip(self.value(a).data())
            .zip(self.value(b).data())
        {
            *o = f(x, y);
        }
        (out, self.tracked(a) || self.tracked(b))
    }

    pub fn add(&mut self, a: Var, b: Var) -> Var {
        let (out, tracked) = self.zip(a, b, "add", |x, y| x + y);
        self.push(Op::Add(a, b), out, tracked)
    }

    pub fn sub(&mut self, a: Var, b: Var) -> Var {
        let (out, tracked) = self.zip(a, b, "sub", |x, y| x - y);
        self.push(Op::Sub(a, b), out, tracked)
    }

    pub fn mul(&mut self, a: Var, b: Var) -> Var {
        let (out, tracked) = self.zip(a, b, "mul", |x, y| x * y);
        self.push(Op::Mul(a, b), out, tracked)
    }

    pub fn div(&mut self, a: Var, b: Var) -> Var {
        let (out, tracked) = self.zip(a, b, "div", |x, y| x / y);
        self.push(Op::Div(a, b), out, tracked)
    }
}

/// `d ← v` entrywise when `fresh` (a gradient's first contribution), else `d += v`.
pub(crate) fn write_or_add(d: &mut [f32], fresh: bool, v: impl Iterator<Item = f32>) {
    if fresh {
        d.iter_mut().zip(v).for_each(|(d, v)| *d = v);
    } else {
        d.iter_mut().zip(v).for_each(|(d, v)| *d += v);
    }
}

/// `∂v += f(g)` entrywise, `g` the incoming error of `out`.
pub(crate) fn accumulate_map(tape: &mut Tape, v: Var, out: Var, f: impl Fn(f32) -> f32) {
    tape.accumulate(v, |t, grad, fresh| {
        let g = t.grad_out(out).data();
        write_or_add(grad.data_mut(), fresh, g.iter().map(|&g| f(g)));
    });
}

/// `∂v += f(g, w)` entrywise, `w` the value of `with`.
pub(crate) fn accumulate_with(tape: &mut Tape, v: Var, out: Var, with: Var, f: impl Fn(f32, f32) -> f32) {
    tape.accumulate(v, |t, grad, fresh| {
        let (g, w) = (t.grad_out(out).data(), t.value(with).data());
        write_or_add(grad.data_mut(), fresh, g.iter().zip(w).map(|(&g, &w)| f(g, w)));
    });
}

/// `c = a + b`: `∂a += g`, `∂b += g`.
pub(crate) fn add_backward(tape: &mut Tape, out: Var, a: Var, b: Var) {
    accumulate_map(tape, a, out, |g| g);
    accumulate_map(tape, b, out, |g| g);
}

/// `c = a − b`: `∂a += g`, `∂b −= g`.
pub(crate) fn sub_backward(tape: &mut Tape, out: Var, a: Var, b: Var) {
    accumulate_map(tape, a, out, |g| g);
    accumulate_map(tape, b, out, |g| -g);
}

/// `c = a ⊙ b`: `∂a += g ⊙ b`, `∂b += g ⊙ a`.
pub(crate) fn mul_backward(tape: &mut Tape, out: Var, a: Var, b: Var) {
    accumulate_with(tape, a, out, b, |g, b| g * b);
    accumulate_with(tape, b, out, a, |g, a| g * a);
}

/// `c = a / b`: `∂a += g / b`, `∂b −= g ⊙ c / b` (since ∂c/∂b = −a/b² = −c/b).
pub(crate) fn div_backward(tape: &mut Tape, out: Var, a: Var, b: Var) {
    accumulate_with(tape, a, out, b, |g, b| g / b);
    tape.accumulate(b, |t, grad, fresh| {
        let (g, c, den) = (t.grad_out(out).data(), t.value(out).data(), t.value(b).data());
        let terms = g.iter().zip(c).zip(den).map(|((&g, &c), &den)| -(g * c / den));
        write_or_add(grad.data_mut(), fresh, terms);
    });
}

#[cfg(test)]
mod tests {
    use crate::check::{gradcheck, seeded, seeded_positive};

    #[test]
    fn add_passes_gradcheck() {
        gradcheck(&[seeded(3, 4, 1), seeded(3, 4, 2)], |t, v| t.add(v[0], v[1])).assert_close(1e-3);
    }

    #[test]
    fn sub_passes_gradcheck() {
        gradcheck(&[seeded(3, 4, 3), seeded(3, 4, 4)], |t, v| t.sub(v[0], v[1])).assert_close(1e-3);
    }

    #[test]
    fn mul_passes_gradcheck() {
        gradcheck(&[seeded(3, 4, 5), seeded(3, 4, 6)], |t, v| t.mul(v[0], v[1])).assert_close(1e-3);
    }

    #[test]
    fn div_passes_gradcheck() {
        let (a, b) = (seeded(3, 4, 7), seeded_positive(3, 4, 8));
        gradcheck(&[a, b], |t, v| t.div(v[0], v[1])).assert_close(1e-3);
    }

    #[test]
    fn a_repeated_operand_gets_the_sum_of_its_contributions() {
        // x ⊙ x − x: the first contribution to ∂x is written, the others added.
        gradcheck(&[seeded(3, 4, 9)], |t, v| {
            let sq = t.mul(v[0], v[0]);
            t.sub(sq, v[0])
        })
        .assert_close(1e-3);
    }

    #[test]
    #[should_panic(expected = "add: shapes (3, 4) and (4, 3) differ")]
    fn shape_mismatch_names_the_op_and_both_shapes() {
        let mut tape = crate::Tape::new();
        let a = tape.constant(&seeded(3, 4, 1));
        let b = tape.constant(&seeded(4, 3, 1));
        tape.add(a, b);
    }
}
