//! Reductions: per-row mean and (biased) variance, and the whole-tensor
//! sum and mean.

use super::write_or_add;
use crate::tensor::Tensor;

/// Mean and biased variance of a row, accumulated in f64: the statistics
/// of every per-sample normalization (layer norm, the normalize-error modes).
pub fn row_stats(x: &[f32]) -> (f32, f32) {
    let n = x.len() as f64;
    let mean = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean as f32, var as f32)
}

/// `c_i = f(row i of a)`: (r, c) -> (r, 1).
fn per_row_stat(a: &Tensor, c: &mut Tensor, f: impl Fn(&[f32]) -> f32) {
    for (o, x) in c.data_mut().iter_mut().zip(a.data().chunks(a.cols().max(1))) {
        *o = f(x);
    }
}

/// `m_i = Σ_j a_ij / c`.
pub(crate) fn row_mean(a: &Tensor, c: &mut Tensor) {
    per_row_stat(a, c, |x| row_stats(x).0);
}

/// `∂a_ij += g_i / c`.
pub(crate) fn row_mean_backward(g: &Tensor, d: &mut Tensor, fresh: bool) {
    let cols = d.cols();
    let k = 1.0 / cols as f32;
    for (d, &g) in d.data_mut().chunks_mut(cols).zip(g.data()) {
        write_or_add(d, fresh, std::iter::repeat(g * k));
    }
}

/// `v_i = Σ_j (a_ij − m_i)² / c`, the biased variance.
pub(crate) fn row_var(a: &Tensor, c: &mut Tensor) {
    per_row_stat(a, c, |x| row_stats(x).1);
}

/// `∂a_ij += g_i · 2(a_ij − m_i) / c` (the path through `m_i` vanishes
/// because `Σ_j (a_ij − m_i) = 0`).
pub(crate) fn row_var_backward(g: &Tensor, a: &Tensor, d: &mut Tensor, fresh: bool) {
    let cols = d.cols();
    let k = 2.0 / cols as f32;
    let rows = a.data().chunks(cols).zip(g.data());
    for (d, (x, &g)) in d.data_mut().chunks_mut(cols).zip(rows) {
        let m = row_stats(x).0;
        write_or_add(d, fresh, x.iter().map(|&x| g * k * (x - m)));
    }
}

/// `s = Σ a`, or the mean `Σ a / n`, accumulated in f64: -> (1, 1).
pub(crate) fn sum(a: &Tensor, mean: bool, c: &mut Tensor) {
    let sum = a.data().iter().map(|&v| v as f64).sum::<f64>();
    let value = if mean { sum / a.len() as f64 } else { sum };
    c.data_mut()[0] = value as f32;
}

/// `∂a += g` for the sum, `∂a += g / n` for the mean.
pub(crate) fn sum_backward(mean: bool, g: &Tensor, d: &mut Tensor, fresh: bool) {
    let n = if mean { d.len() as f32 } else { 1.0 }; // g / 1 is g, exactly
    write_or_add(d.data_mut(), fresh, std::iter::repeat(g.data()[0] / n));
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
