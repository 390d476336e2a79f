//! Broadcasting ops: a bias row added to every sample, and one scalar per
//! sample (a column) multiplying or dividing its row.

use super::elementwise::write_or_add;
use crate::op::Op;
use crate::tape::{Tape, Var};

impl Tape {
    /// `a + bias`: (r, c) + (1, c) -> (r, c).
    pub fn add_row(&mut self, a: Var, bias: Var) -> Var {
        let (rows, cols) = self.value(a).shape();
        assert_eq!(
            self.value(bias).shape(),
            (1, cols),
            "add_row: a is ({rows}, {cols}) but bias is {:?}",
            self.value(bias).shape()
        );
        let mut out = self.alloc(rows, cols);
        let bias_row = self.value(bias).data();
        for (o, x) in out
            .data_mut()
            .chunks_mut(cols)
            .zip(self.value(a).data().chunks(cols))
        {
            for ((o, &x), &b) in o.iter_mut().zip(x).zip(bias_row) {
                *o = x + b;
            }
        }
        let tracked = self.tracked(a) || self.tracked(bias);
        self.push(Op::AddRow { a, bias }, out, tracked)
    }

    /// `a ⊙ s`: (r, c) ⊙ (r, 1) -> (r, c), row `i` scaled by `s[i]`.
    pub fn mul_col(&mut self, a: Var, s: Var) -> Var {
        let out = self.per_row(a, s, "mul_col", |x, s| x * s);
        let tracked = self.tracked(a) || self.tracked(s);
        self.push(Op::MulCol { a, s }, out, tracked)
    }

    /// `a / s`: (r, c) / (r, 1) -> (r, c), row `i` divided by `s[i]`.
    pub fn div_col(&mut self, a: Var, s: Var) -> Var {
        let out = self.per_row(a, s, "div_col", |x, s| x / s);
        let tracked = self.tracked(a) || self.tracked(s);
        self.push(Op::DivCol { a, s }, out, tracked)
    }

    fn per_row(&mut self, a: Var, s: Var, name: &str, f: impl Fn(f32, f32) -> f32) -> crate::Tensor {
        let (rows, cols) = self.value(a).shape();
        assert_eq!(
            self.value(s).shape(),
            (rows, 1),
            "{name}: a is ({rows}, {cols}) but s is {:?}",
            self.value(s).shape()
        );
        let mut out = self.alloc(rows, cols);
        let scalars = self.value(s).data();
        for ((o, x), &s) in out
            .data_mut()
            .chunks_mut(cols)
            .zip(self.value(a).data().chunks(cols))
            .zip(scalars)
        {
            for (o, &x) in o.iter_mut().zip(x) {
                *o = f(x, s);
            }
        }
        out
    }
}

/// `c = a + 1·bias`: `∂a += g`, `∂bias += Σ_rows g`.
pub(crate) fn add_row_backward(tape: &mut Tape, out: Var, a: Var, bias: Var) {
    super::elementwise::accumulate_map(tape, a, out, |g| g);
    tape.accumulate(bias, |t, grad, fresh| {
        let cols = grad.cols();
        for (r, g) in t.grad_out(out).data().chunks(cols).enumerate() {
            write_or_add(grad.data_mut(), fresh && r == 0, g.iter().copied());
        }
    });
}

/// `∂a += g ⊙ f(s)`, each row of the incoming error scaled by `f(s_i)`.
fn accumulate_row_scaled(tape: &mut Tape, a: Var, out: Var, s: Var, f: impl Fn(f32) -> f32) {
    tape.accumulate(a, |t, grad, fresh| {
        let cols = grad.cols();
        let g_rows = t.grad_out(out).data().chunks(cols);
        for ((d, g), &s) in grad
            .data_mut()
            .chunks_mut(cols)
            .zip(g_rows)
            .zip(t.value(s).data())
        {
            let k = f(s);
            write_or_add(d, fresh, g.iter().map(|&g| g * k));
        }
    });
}

/// `c = a ⊙ s`: `∂a += g ⊙ s`, `∂s_i += Σ_j g_ij a_ij`.
pub(crate) fn mul_col_backward(tape: &mut Tape, out: Var, a: Var, s: Var) {
    accumulate_row_scaled(tape, a, out, s, |s| s);
    tape.accumulate(s, |t, grad, fresh| {
        let cols = t.value(a).cols();
        let rows = t
            .grad_out(out)
            .data()
            .chunks(cols)
            .zip(t.value(a).data().chunks(cols));
        write_or_add(grad.data_mut(), fresh, rows.map(|(g, x)| dot(g, x)));
    });
}

/// `c = a / s`: `∂a += g / s`, `∂s_i −= Σ_j g_ij c_ij / s_i` (since ∂c/∂s = −a/s² = −c/s).
pub(crate) fn div_col_backward(tape: &mut Tape, out: Var, a: Var, s: Var) {
    accumulate_row_scaled(tape, a, out, s, |s| 1.0 / s);
    tape.accumulate(s, |t, grad, fresh| {
        let cols = t.value(a).cols();
        let rows = t
            .grad_out(out)
            .data()
            .chunks(cols)
            .zip(t.value(out).data().chunks(cols));
        let terms = rows.zip(t.value(s).data()).map(|((g, c), &s)| -(dot(g, c) / s));
        write_or_add(grad.data_mut(), fresh, terms);
    });
}

pub(crate) fn dot(x: &[f32], y: &[f32]) -> f32 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

#[cfg(test)]
mod tests {
    use crate::check::{gradcheck, seeded, seeded_positive};

    #[test]
    fn add_row_passes_gradcheck() {
        gradcheck(&[seeded(3, 4, 1), seeded(1, 4, 2)], |t, v| t.add_row(v[0], v[1])).assert_close(1e-3);
    }

    #[test]
    fn mul_col_passes_gradcheck() {
        gradcheck(&[seeded(3, 4, 3), seeded(3, 1, 4)], |t, v| t.mul_col(v[0], v[1])).assert_close(1e-3);
    }

    #[test]
    fn div_col_passes_gradcheck() {
        let (a, s) = (seeded(3, 4, 5), seeded_positive(3, 1, 6));
        gradcheck(&[a, s], |t, v| t.div_col(v[0], v[1])).assert_close(1e-3);
    }

    #[test]
    #[should_panic(expected = "add_row: a is (3, 4) but bias is (1, 3)")]
    fn add_row_rejects_a_bias_of_the_wrong_width() {
        let mut tape = crate::Tape::new();
        let a = tape.constant(&seeded(3, 4, 1));
        let b = tape.constant(&seeded(1, 3, 1));
        tape.add_row(a, b);
    }
}
