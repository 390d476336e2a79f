//! Layer normalization over features (per row), without affine parameters.

use super::reduce::rows_stats;
use super::{sum_and_dot, write_or_add};
use crate::tensor::Tensor;

/// The epsilon under every square root of a variance (layer norm, I-Norm, error scaling).
pub const LN_EPS: f32 = 1e-5;

/// `y = (x − mean(x)) / sqrt(var(x) + eps)` per row. `rstd`, if given
/// (rows, 1), receives each row's `1/sqrt(var + eps)` for the backward.
pub fn layer_norm_forward(x: &Tensor, eps: f32, out: &mut Tensor, mut rstd: Option<&mut Tensor>) {
    let cols = x.cols();
    let rows = x.data().chunks(cols).zip(rows_stats(x));
    for (i, (y, (x, (mean, var)))) in out.data_mut().chunks_mut(cols).zip(rows).enumerate() {
        let r = 1.0 / (var + eps).sqrt();
        if let Some(rstd) = rstd.as_deref_mut() {
            rstd.data_mut()[i] = r;
        }
        for (y, &x) in y.iter_mut().zip(x) {
            *y = (x - mean) * r; // standardized: mean 0, variance var/(var + eps)
        }
    }
}

/// With `y = (x − μ)·r`, `r = 1/sqrt(var + eps)` (the forward's `rstd`),
/// and `D` features: `∂x += r · (g − mean(g) − y · mean(g ⊙ y))`.
/// The `mean(g)` term is the path through `μ`, the `y·mean(g⊙y)` term the path through `var`.
pub(crate) fn backward(g: &Tensor, y: &Tensor, rstd: &Tensor, d: &mut Tensor, fresh: bool) {
    let d_inv = 1.0 / d.cols() as f32;
    for (r, &rstd) in rstd.data().iter().enumerate() {
        let (y, g) = (y.row(r), g.row(r));
        let (sum_g, sum_gy) = sum_and_dot(g, y);
        let (mean_g, mean_gy) = (sum_g * d_inv, sum_gy * d_inv);
        let terms = g.iter().zip(y).map(|(&g, &y)| rstd * (g - mean_g - y * mean_gy));
        write_or_add(d.row_mut(r), fresh, terms);
    }
}

#[cfg(test)]
mod tests {
    use crate::check::{gradcheck, seeded};
    use crate::ops::reduce::row_stats;
    use crate::Tape;

    #[test]
    fn layer_norm_passes_gradcheck() {
        gradcheck(&[seeded(3, 6, 1)], |t, v| t.layer_norm(v[0], super::LN_EPS)).assert_close(1e-3);
    }

    #[test]
    fn layer_norm_rows_have_zero_mean_and_unit_variance() {
        let mut tape = Tape::new();
        let x = tape.constant(&seeded(4, 50, 2));
        let y = tape.layer_norm(x, super::LN_EPS);
        for r in 0..4 {
            let (mean, var) = row_stats(tape.value(y).row(r));
            assert!(
                mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-3,
                "row {r}: mean {mean}, var {var}"
            );
        }
    }
}
