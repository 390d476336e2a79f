//! The backward rules of the entrywise ops. Their forwards are one
//! expression each, written where the `Tape` records them (`record.rs`).

use super::write_or_add;
use crate::tensor::Tensor;

/// `d += f(g, w)` entrywise, `w` the value the derivative reads.
fn put(d: &mut Tensor, fresh: bool, g: &Tensor, w: &Tensor, f: impl Fn(f32, f32) -> f32) {
    let terms = g.data().iter().zip(w.data()).map(|(&g, &w)| f(g, w));
    write_or_add(d.data_mut(), fresh, terms);
}

/// `c = a + b`: `∂a += g` and `∂b += g`; also the rule of `add_scalar`.
pub(crate) fn add_backward(g: &Tensor, d: &mut Tensor, fresh: bool) {
    put(d, fresh, g, g, |g, _| g);
}

/// `c = a − b`: `∂a += g`, `∂b −= g` (`of_b`: the rule for `b`).
pub(crate) fn sub_backward(of_b: bool, g: &Tensor, d: &mut Tensor, fresh: bool) {
    put(d, fresh, g, g, |g, _| if of_b { -g } else { g });
}

/// `c = a ⊙ b`: `∂a += g ⊙ b`, `∂b += g ⊙ a`; `other` is the other factor.
pub(crate) fn mul_backward(g: &Tensor, other: &Tensor, d: &mut Tensor, fresh: bool) {
    put(d, fresh, g, other, |g, o| g * o);
}

/// `c = a / b`: `∂a += g / b`, `∂b −= g ⊙ c / b` (since ∂c/∂b = −a/b² = −c/b).
pub(crate) fn div_backward(of_b: bool, g: &Tensor, b: &Tensor, c: &Tensor, d: &mut Tensor, fresh: bool) {
    if of_b {
        let terms = g.data().iter().zip(c.data()).zip(b.data());
        write_or_add(d.data_mut(), fresh, terms.map(|((&g, &c), &den)| -(g * c / den)));
    } else {
        put(d, fresh, g, b, |g, b| g / b);
    }
}

/// `c = k·a`: `∂a += k·g`.
pub(crate) fn scale_backward(k: f32, g: &Tensor, d: &mut Tensor, fresh: bool) {
    put(d, fresh, g, g, |g, _| k * g);
}

/// `c = max(a, 0)`: `∂a += g ⊙ [c > 0]`.
pub(crate) fn relu_backward(g: &Tensor, c: &Tensor, d: &mut Tensor, fresh: bool) {
    put(d, fresh, g, c, |g, c| if c > 0.0 { g } else { 0.0 });
}

/// `c = a²`: `∂a += 2a ⊙ g`.
pub(crate) fn square_backward(g: &Tensor, a: &Tensor, d: &mut Tensor, fresh: bool) {
    put(d, fresh, g, a, |g, a| 2.0 * a * g);
}

/// `c = √a`: `∂a += g / (2c)`.
pub(crate) fn sqrt_backward(g: &Tensor, c: &Tensor, d: &mut Tensor, fresh: bool) {
    put(d, fresh, g, c, |g, c| g / (2.0 * c));
}

#[cfg(test)]
mod tests {
    use crate::check::{gradcheck, seeded, seeded_positive};
    use crate::Tensor;

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
}
