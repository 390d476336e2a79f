//! Matrix products, with either operand transposed by strides.

use crate::op::Op;
use crate::precision::round_to_half;
use crate::tape::{Tape, Var};
use crate::tensor::{gemm, Tensor};

impl Tape {
    /// `A·B`: (m, k) @ (k, n) -> (m, n).
    pub fn matmul(&mut self, a: Var, b: Var) -> Var {
        self.product(a, b, false, false)
    }

    /// `A·Bᵀ`: (m, k) @ (n, k)ᵀ -> (m, n). A dense layer `x·Wᵀ` with `W` (out, in).
    pub fn matmul_nt(&mut self, a: Var, b: Var) -> Var {
        self.product(a, b, false, true)
    }

    /// `Aᵀ·B`: (k, m)ᵀ @ (k, n) -> (m, n).
    pub fn matmul_tn(&mut self, a: Var, b: Var) -> Var {
        self.product(a, b, true, false)
    }

    fn product(&mut self, a: Var, b: Var, trans_a: bool, trans_b: bool) -> Var {
        let (ar, ac) = self.value(a).shape();
        let (br, bc) = self.value(b).shape();
        let (m, k) = if trans_a { (ac, ar) } else { (ar, ac) };
        let (kb, n) = if trans_b { (bc, br) } else { (br, bc) };
        assert_eq!(
            k, kb,
            "matmul: op(a) is ({m}, {k}) but op(b) is ({kb}, {n}) (a {:?}, b {:?}, trans {trans_a}/{trans_b})",
            (ar, ac),
            (br, bc)
        );
        // Under autocast the operands are cast to half (the output is rounded in `push`).
        let (cast_a, cast_b) = if self.precision().is_f32() {
            (None, None)
        } else {
            (self.half_copy(a), self.half_copy(b))
        };
        let mut out = self.alloc(m, n);
        let va = cast_a.as_ref().unwrap_or(self.value(a));
        let vb = cast_b.as_ref().unwrap_or(self.value(b));
        gemm(1.0, va, trans_a, vb, trans_b, 0.0, &mut out);
        for copy in [cast_a, cast_b].into_iter().flatten() {
            self.recycle(copy);
        }
        self.matmul_flops += 2 * (m * k * n) as u64;
        let tracked = self.tracked(a) || self.tracked(b);
        self.push(
            Op::MatMul {
                a,
                b,
                trans_a,
                trans_b,
            },
            out,
            tracked,
        )
    }
}

/// For `C = op(A)·op(B)` with incoming error `G = ∂L/∂C`:
/// - `∂L/∂op(A) = G·op(B)ᵀ`, so `∂L/∂A = G·op(B)ᵀ`, or its transpose `op(B)·Gᵀ` when `A` was transposed;
/// - `∂L/∂op(B) = op(A)ᵀ·G`, so `∂L/∂B = op(A)ᵀ·G`, or its transpose `Gᵀ·op(A)` when `B` was transposed.
///
/// Each product is written straight into the gradient buffer (`beta = 1`
/// accumulates), with transposes by strides. Under autocast (a half
/// output) the operands are read as half and each product is rounded to
/// half before it is added, as PyTorch's half `mm` backward does.
pub(crate) fn backward(tape: &mut Tape, out: Var, a: Var, b: Var, trans_a: bool, trans_b: bool) {
    let autocast = tape.is_half(out);
    // Under autocast each product reads the other operand as half: cast only those needed.
    let cast_a = (autocast && tape.tracked(b)).then(|| tape.half_copy(a)).flatten();
    let cast_b = (autocast && tape.tracked(a)).then(|| tape.half_copy(b)).flatten();
    tape.accumulate(a, |t, grad_a, fresh| {
        let (g, vb) = (t.grad_out(out), cast_b.as_ref().unwrap_or(t.value(b)));
        add_product(grad_a, fresh, autocast, |c, beta| {
            if trans_a {
                gemm(1.0, vb, trans_b, g, true, beta, c); // (k, n) @ (n, m) -> (k, m)
            } else {
                gemm(1.0, g, false, vb, !trans_b, beta, c); // (m, n) @ (n, k) -> (m, k)
            }
        });
    });
    tape.accumulate(b, |t, grad_b, fresh| {
        let (g, va) = (t.grad_out(out), cast_a.as_ref().unwrap_or(t.value(a)));
        add_product(grad_b, fresh, autocast, |c, beta| {
            if trans_b {
                gemm(1.0, g, true, va, trans_a, beta, c); // (n, m) @ (m, k) -> (n, k)
            } else {
                gemm(1.0, va, !trans_a, g, false, beta, c); // (k, m) @ (m, n) -> (k, n)
            }
        });
    });
    let (g_rows, g_cols) = tape.grad_out(out).shape();
    for (v, inner) in [(a, g_cols), (b, g_rows)] {
        if tape.tracked(v) {
            tape.matmul_flops += 2 * (tape.value(v).len() * inner) as u64;
        }
    }
    for copy in [cast_a, cast_b].into_iter().flatten() {
        tape.recycle(copy);
    }
}

/// Puts `product(c, beta)` (a gemm writing `c ← P + beta·c`) into `grad`:
/// written when `fresh`, added otherwise. Under autocast the product is
/// rounded to half before it is added, so a later one goes to a buffer
/// of its own first.
fn add_product(grad: &mut Tensor, fresh: bool, round: bool, product: impl FnOnce(&mut Tensor, f32)) {
    match (round, fresh) {
        (false, _) => product(grad, if fresh { 0.0 } else { 1.0 }),
        (true, true) => {
            product(grad, 0.0);
            round_to_half(grad.data_mut());
        }
        (true, false) => {
            let mut p = Tensor::zeros(grad.rows(), grad.cols());
            product(&mut p, 0.0);
            round_to_half(p.data_mut());
            grad.data_mut()
                .iter_mut()
                .zip(p.data())
                .for_each(|(d, &p)| *d += p);
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
