//! Matrix products, with either operand transposed by strides.

use crate::gemm::gemm;
use crate::precision::round_to_half;
use crate::tensor::Tensor;

/// `C = op(A)·op(B)`: (m, k) @ (k, n) -> (m, n).
pub(crate) fn matmul(a: &Tensor, trans_a: bool, b: &Tensor, trans_b: bool, c: &mut Tensor) {
    gemm(1.0, a, trans_a, b, trans_b, 0.0, c);
}

/// For `C = op(A)·op(B)` with incoming error `G = ∂L/∂C`:
/// - `∂L/∂op(A) = G·op(B)ᵀ`, so `∂L/∂A = G·op(B)ᵀ`, or its transpose `op(B)·Gᵀ` when `A` was transposed;
/// - `∂L/∂op(B) = op(A)ᵀ·G`, so `∂L/∂B = op(A)ᵀ·G`, or its transpose `Gᵀ·op(A)` when `B` was transposed.
///
/// `of_b` picks the rule and `other` is the other operand. The product is
/// written straight into `d` (gemm's `beta = 1` adds), transposes by
/// strides. With `round` (a half output under autocast) it is rounded to
/// half before it is added, as PyTorch's half `mm` backward does.
pub(crate) fn backward(
    of_b: bool,
    g: &Tensor,
    other: &Tensor,
    [trans_a, trans_b]: [bool; 2],
    round: bool,
    d: &mut Tensor,
    fresh: bool,
) {
    let product = |c: &mut Tensor, beta| match (of_b, trans_a, trans_b) {
        (false, true, _) => gemm(1.0, other, trans_b, g, true, beta, c), // (k, n) @ (n, m) -> (k, m)
        (false, false, _) => gemm(1.0, g, false, other, !trans_b, beta, c), // (m, n) @ (n, k) -> (m, k)
        (true, _, true) => gemm(1.0, g, true, other, trans_a, beta, c),  // (n, m) @ (m, k) -> (n, k)
        (true, _, false) => gemm(1.0, other, !trans_a, g, false, beta, c), // (k, m) @ (m, n) -> (k, n)
    };
    match (round, fresh) {
        (false, _) => product(d, if fresh { 0.0 } else { 1.0 }),
        (true, true) => {
            product(d, 0.0);
            round_to_half(d.data_mut());
        }
        (true, false) => {
            // Rounded before it is added, so it goes to a buffer of its own first.
            let mut p = Tensor::zeros(d.rows(), d.cols());
            product(&mut p, 0.0);
            round_to_half(p.data_mut());
            d.data_mut().iter_mut().zip(p.data()).for_each(|(d, &p)| *d += p);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::{gradcheck, seeded};

    #[test]
    fn matmul_passes_gradcheck() {
        let (a, b) = (seeded(3, 5, 1), seeded(5, 2, 2));
        gradcheck(&[a, b], |t, v| t.matmul(v[0], v[1])).assert_close(1e-3);
    }

    #[test]
    fn matmul_nt_passes_gradcheck() {
        let (a, b) = (seeded(3, 5, 3), seeded(4, 5, 4));
        gradcheck(&[a, b], |t, v| t.matmul_nt(v[0], v[1])).assert_close(1e-3);
    }

    #[test]
    fn matmul_tn_passes_gradcheck() {
        let (a, b) = (seeded(5, 3, 5), seeded(5, 4, 6));
        gradcheck(&[a, b], |t, v| t.matmul_tn(v[0], v[1])).assert_close(1e-3);
    }

    #[test]
    fn flops_count_two_per_multiply_add_forward_and_backward() {
        let mut tape = crate::Tape::new();
        let x = tape.constant(&seeded(3, 5, 1));
        let w = tape.param(&seeded(4, 5, 2));
        let y = tape.matmul_nt(x, w); // forward 2·3·5·4; backward only ∂w = gᵀx: 2·4·5·3
        assert_eq!(tape.matmul_flops(), 120);
        let loss = tape.sum(y);
        tape.backward(loss);
        assert_eq!(tape.matmul_flops(), 240);
    }

    #[test]
    fn repeated_operand_accumulates_both_contributions() {
        // L = Σ (A·Aᵀ): d/dA = (1·A) + (1ᵀ·A) summed over both operand slots.
        let a = seeded(3, 4, 7);
        gradcheck(&[a], |t, v| t.matmul_nt(v[0], v[0])).assert_close(1e-3);
    }
}
