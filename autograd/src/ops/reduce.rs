//! Reductions: per-row mean and (biased) variance, and the whole-tensor
//! sum and mean.

use super::elementwise::write_or_add;
use crate::op::Op;
use crate::tape::{Tape, Var};

/// Mean and biased variance of a row, accumulated in f64: the statistics
/// of every per-sample normalization (layer norm, the normalize-error modes).
pub fn row_stats(x: &[f32]) -> (f32, f32) {
    let n = x.len() as f64;
    let mean = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean as f32, var as f32)
}

impl Tape {
    fn per_row_stat(&mut self, a: Var, op: Op, f: impl Fn(&[f32]) -> f32) -> Var {
        let (rows, cols) = self.value(a).shape();
        let mut out = self.alloc(rows, 1);
        for (o, x) in out
            .data_mut()
            .iter_mut()
            .zip(self.value(a).data().chunks(cols.max(1)))
        {
            *o = f(x);
        }
        let tracked = self.tracked(a);
        self.push(op, out, tracked)
    }

    fn reduce_all(&mut self, a: Var, op: Op, divide_by_len: bool) -> Var {
        let x = self.value(a).data();
        let sum = x.iter().map(|&v| v as f64).sum::<f64>();
        let value = if divide_by_len { sum / x.len() as f64 } else { sum };
        let mut out = self.alloc(1, 1);
        out.data_mut()[0] = value as f32;
        let tracked = self.tracked(a);
        self.push(op, out, tracked)
    }

    /// Per-row mean: (r, c) -> (r, 1).
    pub fn row_mean(&mut self, a: Var) -> Var {
        self.per_row_stat(a, Op::RowMean(a), |x| row_stats(x).0)
    }

    /// Per-row biased variance `mean((x − mean x)²)`: (r, c) -> (r, 1).
    pub fn row_var(&mut self, a: Var) -> Var {
        self.per_row_stat(a, Op::RowVar(a), |x| row_stats(x).1)
    }

    /// Sum of all entries: -> (1, 1).
    pub fn sum(&mut self, a: Var) -> Var {
        self.reduce_all(a, Op::Sum(a), false)
    }

    /// Mean of all entries: -> (1, 1).
    pub fn mean(&mut self, a: Var) -> Var {
        self.reduce_all(a, Op::Mean(a), true)
    }
}

/// `m_i = Σ_j a_ij / c`: `∂a_ij += g_i / c`.
pub(crate) fn row_mean_backward(tape: &mut Tape, out: Var, a: Var) {
    tape.accumulate(a, |t, grad, fresh| {
        let cols = grad.cols();
        let k = 1.0 / cols as f32;
        for (d, &g) in grad.data_mut().chunks_mut(cols).zip(t.grad_out(out).data()) {
            write_or_add(d, fresh, std::iter::repeat(g * k));
        }
    });
}

/// `v_i = Σ_j (a_ij − m_i)² / c`: `∂a_ij += g_i · 2(a_ij − m_i) / c`
/// (the path through `m_i` vanishes because `Σ_j (a_ij − m_i) = 0`).
pub(crate) fn row_var_backward(tape: &mut Tape, out: Var, a: Var) {
    tape.accumulate(a, |t, grad, fresh| {
        let cols = grad.cols();
        let k = 2.0 / cols as f32;
        let rows = t.value(a).data().chunks(cols).zip(t.grad_out(out).data());
        for (d, (x, &g)) in grad.data_mut().chunks_mut(cols).zip(rows) {
            let m = row_stats(x).0;
            write_or_add(d, fresh, x.iter().map(|&x| g * k * (x - m)));
        }
    });
}

/// `s = Σ a`: `∂a += g`.
pub(crate) fn sum_backward(tape: &mut Tape, out: Var, a: Var) {
    let g = tape.grad_out(out).data()[0];
    tape.accumulate(a, |_, grad, fresh| {
        write_or_add(grad.data_mut(), fresh, std::iter::repeat(g))
    });
}

/// `s = Σ a / n`: `∂a += g / n`.
pub(crate) fn mean_backward(tape: &mut Tape, out: Var, a: Var) {
    let g = tape.grad_out(out).data()[0] / tape.value(a).len() as f32;
    tape.accumulate(a, |_, grad, fresh| {
        write_or_add(grad.data_mut(), fresh, std::iter::repeat(g))
    });
}

#[cfg(test)]
mod tests {
    use crate::check::{gradcheck, seeded};

    #[test]
    fn row_mean_passes_gradcheck() {
        gradcheck(&[seeded(3, 5, 1)], |t, v| t.row_mean(v[0])).assert_close(1e-3);
    }

    #[test]
    fn row_var_passes_gradcheck() {
        gradcheck(&[seeded(3, 5, 2)], |t, v| t.row_var(v[0])).assert_close(1e-3);
    }

    #[test]
    fn sum_passes_gradcheck() {
        gradcheck(&[seeded(3, 5, 3)], |t, v| t.sum(v[0])).assert_close(1e-3);
    }

    #[test]
    fn mean_passes_gradcheck() {
        gradcheck(&[seeded(3, 5, 4)], |t, v| t.mean(v[0])).assert_close(1e-3);
    }

    #[test]
    fn row_var_is_the_biased_variance() {
        // Row [1, 2, 3, 6]: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, biased variance 14/4.
        let (mean, var) = super::row_stats(&[1.0, 2.0, 3.0, 6.0]);
        assert_eq!((mean, var), (3.0, 3.5));
    }
}
