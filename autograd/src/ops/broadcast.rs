//! Broadcasting ops: a bias row added to every sample, and one scalar per
//! sample (a column) multiplying or dividing its row.

use super::{dot, write_or_add};
use crate::tensor::Tensor;

/// `c = a + bias`: (r, c) + (1, c) -> (r, c).
pub(crate) fn add_row(a: &Tensor, bias: &Tensor, c: &mut Tensor) {
    let ((rows, cols), shape) = (a.shape(), bias.shape());
    assert_eq!(
        shape,
        (1, cols),
        "add_row: a is ({rows}, {cols}) but bias is {shape:?}"
    );
    for (o, x) in c.data_mut().chunks_mut(cols).zip(a.data().chunks(cols)) {
        for ((o, &x), &b) in o.iter_mut().zip(x).zip(bias.data()) {
            *o = x + b;
        }
    }
}

/// `∂a += g`, `∂bias += Σ_rows g`.
pub(crate) fn add_row_backward(of_bias: bool, g: &Tensor, d: &mut Tensor, fresh: bool) {
    if of_bias {
        for (r, g) in g.data().chunks(d.cols()).enumerate() {
            write_or_add(d.data_mut(), fresh && r == 0, g.iter().copied());
        }
    } else {
        write_or_add(d.data_mut(), fresh, g.data().iter().copied());
    }
}

/// `c_ij = f(a_ij, s_i)`: (r, c) and (r, 1) -> (r, c).
fn per_row(a: &Tensor, s: &Tensor, c: &mut Tensor, op: &str, f: impl Fn(f32, f32) -> f32) {
    let ((rows, cols), shape) = (a.shape(), s.shape());
    assert_eq!(shape, (rows, 1), "{op}: a is ({rows}, {cols}) but s is {shape:?}");
    for (r, &s) in s.data().iter().enumerate() {
        for (o, &x) in c.row_mut(r).iter_mut().zip(a.row(r)) {
            *o = f(x, s);
        }
    }
}

/// `∂a_ij += g_ij · k(s_i)`.
fn row_scaled(g: &Tensor, s: &Tensor, d: &mut Tensor, fresh: bool, k: impl Fn(f32) -> f32) {
    for (r, &s) in s.data().iter().enumerate() {
        let k = k(s);
        write_or_add(d.row_mut(r), fresh, g.row(r).iter().map(|&g| g * k));
    }
}

/// `c = a ⊙ s`, row `i` scaled by `s_i`.
pub(crate) fn mul_col(a: &Tensor, s: &Tensor, c: &mut Tensor) {
    per_row(a, s, c, "mul_col", |x, s| x * s);
}

/// `∂a += g ⊙ s`, `∂s_i += Σ_j g_ij a_ij`.
pub(crate) fn mul_col_backward(of_s: bool, g: &Tensor, a: &Tensor, s: &Tensor, d: &mut Tensor, fresh: bool) {
    if of_s {
        let cols = a.cols();
        let rows = g.data().chunks(cols).zip(a.data().chunks(cols));
        write_or_add(d.data_mut(), fresh, rows.map(|(g, x)| dot(g, x)));
    } else {
        row_scaled(g, s, d, fresh, |s| s);
    }
}

/// `c = a / s`, row `i` divided by `s_i`.
pub(crate) fn div_col(a: &Tensor, s: &Tensor, c: &mut Tensor) {
    per_row(a, s, c, "div_col", |x, s| x / s);
}

/// `∂a += g / s`, `∂s_i −= Σ_j g_ij c_ij / s_i` (since ∂c/∂s = −a/s² = −c/s).
pub(crate) fn div_col_backward(of_s: bool, g: &Tensor, s: &Tensor, c: &Tensor, d: &mut Tensor, fresh: bool) {
    if of_s {
        let cols = c.cols();
        let rows = g.data().chunks(cols).zip(c.data().chunks(cols));
        let terms = rows.zip(s.data()).map(|((g, c), &s)| -(dot(g, c) / s));
        write_or_add(d.data_mut(), fresh, terms);
    } else {
        row_scaled(g, s, d, fresh, |s| 1.0 / s);
    }
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
