//! Matrix products, with either operand transposed by strides.

use crate::op::Op;
use crate::precision::round_to_half;
use crate::tape::{Tape, Var};
use crate::tensor::gemm;

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
    let (cast_a, cast_b) = if autocast {
        (tape.half_copy(a), tape.half_copy(b))
    } else {
        (None, None)
    };
    if let Some((mut grad_a, beta)) = tape.take_grad_for_gemm(a) {
        let mut sum = Sum::begin(tape, &grad_a, beta, autocast);
        let (g, vb) = (tape.grad_out(out), cast_b.as_ref().unwrap_or(tape.value(b)));
        let target = sum.target(&mut grad_a);
        if trans_a {
            gemm(1.0, vb, trans_b, g, true, target.1, target.0); // (k, n) @ (n, m) -> (k, m)
        } else {
            gemm(1.0, g, false, vb, !trans_b, target.1, target.0); // (m, n) @ (n, k) -> (m, k)
        }
        sum.finish(tape, &mut grad_a);
        tape.matmul_flops += 2 * (grad_a.len() * tape.grad_out(out).cols()) as u64; // inner dimension n
        tape.put_grad(a, grad_a);
    }
    if let Some((mut grad_b, beta)) = tape.take_grad_for_gemm(b) {
        let mut sum = Sum::begin(tape, &grad_b, beta, autocast);
        let (g, va) = (tape.grad_out(out), cast_a.as_ref().unwrap_or(tape.value(a)));
        let target = sum.target(&mut grad_b);
        if trans_b {
            gemm(1.0, g, true, va, trans_a, target.1, target.0); // (n, m) @ (m, k) -> (n, k)
        } else {
            gemm(1.0, va, !trans_a, g, false, target.1, target.0); // (k, m) @ (m, n) -> (k, n)
        }
        sum.finish(tape, &mut grad_b);
        tape.matmul_flops += 2 * (grad_b.len() * tape.grad_out(out).rows()) as u64; // inner dimension m
        tape.put_grad(b, grad_b);
    }
    for copy in [cast_a, cast_b].into_iter().flatten() {
        tape.recycle(copy);
    }
}

/// Where a product lands in a gradient. In f32 it is written (`beta = 0`)
/// or added (`beta = 1`) by the gemm itself. Under autocast it must be
/// rounded to half first: the first product is written and rounded in
/// place; a later one goes to a scratch buffer, is rounded, then added.
struct Sum {
    beta: f32,
    round: bool,
    scratch: Option<crate::Tensor>,
}

impl Sum {
    fn begin(tape: &mut Tape, grad: &crate::Tensor, beta: f32, round: bool) -> Sum {
        let scratch = (round && beta != 0.0).then(|| tape.alloc(grad.rows(), grad.cols()));
        Sum { beta, round, scratch }
    }

    /// The buffer the gemm writes and its `beta`.
    fn target<'a>(&'a mut self, grad: &'a mut crate::Tensor) -> (&'a mut crate::Tensor, f32) {
        match self.scratch.as_mut() {
            Some(s) => (s, 0.0),
            None => (grad, self.beta),
        }
    }

    fn finish(self, tape: &mut Tape, grad: &mut crate::Tensor) {
        if !self.round {
            return;
        }
        match self.scratch {
            None => round_to_half(grad.data_mut()),
            Some(mut s) => {
                round_to_half(s.data_mut());
                grad.data_mut()
                    .iter_mut()
                    .zip(s.data())
                    .for_each(|(d, &s)| *d += s);
                tape.recycle(s);
            }
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
