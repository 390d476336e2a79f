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

/// How many rows [`rows_stats`] sums side by side.
const SIDE_BY_SIDE: usize = 4;

/// [`row_stats`] of every row of `x`, bit for bit, computed four rows at a
/// time. A row's sum is a chain of additions, each waiting for the one
/// before; four rows' chains are independent, so the CPU overlaps them. Each
/// chain is the same additions in the same order as in `row_stats`.
pub fn rows_stats(x: &Tensor) -> Vec<(f32, f32)> {
    let cols = x.cols();
    if cols == 0 {
        return vec![row_stats(&[]); x.rows()];
    }
    let n = cols as f64;
    let mut blocks = x.data().chunks_exact(SIDE_BY_SIDE * cols);
    let mut stats = Vec::with_capacity(x.rows());
    for block in &mut blocks {
        let row: [&[f32]; SIDE_BY_SIDE] = std::array::from_fn(|k| &block[k * cols..][..cols]);
        let mean = side_by_side(cols, |k, j| row[k][j] as f64).map(|s| s / n);
        let var = side_by_side(cols, |k, j| (row[k][j] as f64 - mean[k]).powi(2)).map(|s| s / n);
        stats.extend((0..SIDE_BY_SIDE).map(|k| (mean[k] as f32, var[k] as f32)));
    }
    stats.extend(blocks.remainder().chunks(cols).map(row_stats));
    stats
}

/// `Σ_j term(k, j)` for each of the rows `k`, each summed from −0.0 in
/// ascending `j`, as `Iterator::sum` does.
fn side_by_side(len: usize, term: impl Fn(usize, usize) -> f64) -> [f64; SIDE_BY_SIDE] {
    let mut sums = [-0.0; SIDE_BY_SIDE];
    for j in 0..len {
        for (k, s) in sums.iter_mut().enumerate() {
            *s += term(k, j);
        }
    }
    sums
}

/// `c_i = pick(mean, variance of row i of a)`: (r, c) -> (r, 1).
fn per_row_stat(a: &Tensor, c: &mut Tensor, pick: impl Fn((f32, f32)) -> f32) {
    for (o, stats) in c.data_mut().iter_mut().zip(rows_stats(a)) {
        *o = pick(stats);
    }
}

/// `m_i = Σ_j a_ij / c`.
pub(crate) fn row_mean(a: &Tensor, c: &mut Tensor) {
    per_row_stat(a, c, |(mean, _)| mean);
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
    per_row_stat(a, c, |(_, var)| var);
}

/// `∂a_ij += g_i · 2(a_ij − m_i) / c` (the path through `m_i` vanishes
/// because `Σ_j (a_ij − m_i) = 0`).
pub(crate) fn row_var_backward(g: &Tensor, a: &Tensor, d: &mut Tensor, fresh: bool) {
    let cols = d.cols();
    let k = 2.0 / cols as f32;
    let rows = a.data().chunks(cols).zip(g.data()).zip(rows_stats(a));
    for (d, ((x, &g), (m, _))) in d.data_mut().chunks_mut(cols).zip(rows) {
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
    fn rows_stats_equals_row_stats_bit_for_bit() {
        // Every count of rows around the block of four, and widths from 1 to
        // past a cache line; values spanning magnitudes, with ±0 among them.
        for (rows, cols) in [(1, 1), (3, 7), (4, 1), (5, 17), (8, 263), (9, 500), (32, 31)] {
            let mut x = seeded(rows, cols, (rows * cols) as u64);
            for (i, v) in x.data_mut().iter_mut().enumerate() {
                *v = match i % 7 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => *v * 1e6,
                    _ => *v,
                };
            }
            let got = super::rows_stats(&x);
            assert_eq!(got.len(), rows);
            for (r, &(mean, var)) in got.iter().enumerate() {
                let (m, v) = super::row_stats(x.row(r));
                assert_eq!(
                    (mean.to_bits(), var.to_bits()),
                    (m.to_bits(), v.to_bits()),
                    "{rows}x{cols}, row {r}"
                );
            }
        }
    }

    #[test]
    fn rows_stats_keeps_the_sign_of_an_all_zero_row() {
        // `Iterator::sum` starts from −0.0, so a row of −0.0 has mean −0.0.
        let x = crate::Tensor::from_vec(5, 2, vec![-0.0; 10]);
        assert!(super::rows_stats(&x).iter().all(|s| s.0.is_sign_negative()));
    }

    #[test]
    fn row_var_is_the_biased_variance() {
        // Row [1, 2, 3, 6]: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, biased variance 14/4.
        let (mean, var) = super::row_stats(&[1.0, 2.0, 3.0, 6.0]);
        assert_eq!((mean, var), (3.0, 3.5));
    }
}
