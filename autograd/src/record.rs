//! The tape's ops. Each method runs the op's forward (from `ops/`) into a
//! recycled buffer and records the node; [`Tape::backward`] hands each node
//! to `backward_node`, which sends its error to its inputs by the op's rule.

use std::sync::Arc;

use crate::custom::{self, CustomBackward};
use crate::gemm;
use crate::op::Op;
use crate::ops::{broadcast, elementwise as ew, layer_norm, loss, matmul, reduce};
use crate::precision::round_to_half;
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

impl Tape {
    /// Records `op` on `inputs`: a value of `shape`, filled by `forward`,
    /// tracked if any input is.
    fn record(
        &mut self,
        op: Op,
        inputs: &[Var],
        shape: (usize, usize),
        forward: impl FnOnce(&Tape, &mut Tensor),
    ) -> Var {
        let mut out = self.pool.take(shape.0, shape.1);
        forward(self, &mut out);
        let tracked = inputs.iter().any(|&v| self.tracked(v));
        self.push(op, inputs.to_vec(), out, tracked)
    }

    fn unary(&mut self, op: Op, a: Var, forward: impl FnOnce(&Tensor, &mut Tensor)) -> Var {
        self.record(op, &[a], self.value(a).shape(), |t, c| forward(t.value(a), c))
    }

    fn binary(&mut self, op: Op, a: Var, b: Var, forward: impl FnOnce(&Tensor, &Tensor, &mut Tensor)) -> Var {
        let shape = self.value(a).shape();
        self.record(op, &[a, b], shape, |t, c| forward(t.value(a), t.value(b), c))
    }

    /// An entrywise op on one tensor: `c = f(a)`.
    fn map(&mut self, op: Op, a: Var, f: impl Fn(f32) -> f32) -> Var {
        self.unary(op, a, |a, c| {
            for (o, &x) in c.data_mut().iter_mut().zip(a.data()) {
                *o = f(x);
            }
        })
    }

    /// An entrywise op on two tensors of one shape: `c = f(a, b)`.
    fn zip(&mut self, op: Op, a: Var, b: Var, f: impl Fn(f32, f32) -> f32) -> Var {
        let (sa, sb) = (self.value(a).shape(), self.value(b).shape());
        assert_eq!(sa, sb, "{op:?}: shapes {sa:?} and {sb:?} differ");
        self.binary(op, a, b, |a, b, c| {
            for ((o, &x), &y) in c.data_mut().iter_mut().zip(a.data()).zip(b.data()) {
                *o = f(x, y);
            }
        })
    }

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
        let (m, k, n) = gemm::shape("matmul", self.value(a), trans_a, self.value(b), trans_b);
        self.matmul_flops += 2 * (m * k * n) as u64;
        // Under autocast the operands are read as half (the output is rounded in `push`).
        let autocast = !self.precision().is_f32();
        let cast = [a, b].map(|v| if autocast { self.half_copy(v) } else { None });
        let op = Op::MatMul { trans_a, trans_b };
        let out = self.record(op, &[a, b], (m, n), |t, c| {
            let read = |i: usize, v| cast[i].as_ref().unwrap_or(t.value(v));
            matmul::matmul(read(0, a), trans_a, read(1, b), trans_b, c);
        });
        self.nodes[out.index()].saved = cast;
        out
    }

    /// A copy of `v`'s value rounded to half, for a matmul under autocast to
    /// read in its place; `None` when `v` is already half.
    fn half_copy(&mut self, v: Var) -> Option<Tensor> {
        if self.is_half(v) {
            return None;
        }
        let (rows, cols) = self.value(v).shape();
        let mut copy = self.pool.take(rows, cols);
        copy.data_mut().copy_from_slice(self.value(v).data());
        round_to_half(copy.data_mut());
        Some(copy)
    }

    pub fn add(&mut self, a: Var, b: Var) -> Var {
        self.zip(Op::Add, a, b, |x, y| x + y)
    }

    pub fn sub(&mut self, a: Var, b: Var) -> Var {
        self.zip(Op::Sub, a, b, |x, y| x - y)
    }

    pub fn mul(&mut self, a: Var, b: Var) -> Var {
        self.zip(Op::Mul, a, b, |x, y| x * y)
    }

    pub fn div(&mut self, a: Var, b: Var) -> Var {
        self.zip(Op::Div, a, b, |x, y| x / y)
    }

    /// `a + bias`: (r, c) + (1, c) -> (r, c).
    pub fn add_row(&mut self, a: Var, bias: Var) -> Var {
        self.binary(Op::AddRow, a, bias, broadcast::add_row)
    }

    /// `a ⊙ s`: (r, c) ⊙ (r, 1) -> (r, c), row `i` scaled by `s[i]`.
    pub fn mul_col(&mut self, a: Var, s: Var) -> Var {
        self.binary(Op::MulCol, a, s, broadcast::mul_col)
    }

    /// `a / s`: (r, c) / (r, 1) -> (r, c), row `i` divided by `s[i]`.
    pub fn div_col(&mut self, a: Var, s: Var) -> Var {
        self.binary(Op::DivCol, a, s, broadcast::div_col)
    }

    /// `k·a` for a constant `k`.
    pub fn scale(&mut self, a: Var, k: f32) -> Var {
        self.map(Op::Scale(k), a, |x| k * x)
    }

    /// `a + k` for a constant `k`.
    pub fn add_scalar(&mut self, a: Var, k: f32) -> Var {
        self.map(Op::AddScalar, a, |x| x + k)
    }

    /// `max(a, 0)`. NaN stays NaN, as in `torch.relu` (`f32::max` would turn
    /// it into 0 and hide a non-finite forward pass).
    pub fn relu(&mut self, a: Var) -> Var {
        self.map(Op::Relu, a, |x| if x.is_nan() { x } else { x.max(0.0) })
    }

    pub fn square(&mut self, a: Var) -> Var {
        self.map(Op::Square, a, |x| x * x)
    }

    pub fn sqrt(&mut self, a: Var) -> Var {
        self.map(Op::Sqrt, a, f32::sqrt)
    }

    /// Per-row mean: (r, c) -> (r, 1).
    pub fn row_mean(&mut self, a: Var) -> Var {
        let shape = (self.value(a).rows(), 1);
        self.record(Op::RowMean, &[a], shape, |t, c| reduce::row_mean(t.value(a), c))
    }

    /// Per-row biased variance `mean((x − mean x)²)`: (r, c) -> (r, 1).
    pub fn row_var(&mut self, a: Var) -> Var {
        let shape = (self.value(a).rows(), 1);
        self.record(Op::RowVar, &[a], shape, |t, c| reduce::row_var(t.value(a), c))
    }

    /// Sum of all entries: -> (1, 1).
    pub fn sum(&mut self, a: Var) -> Var {
        self.record(Op::Sum, &[a], (1, 1), |t, c| reduce::sum(t.value(a), false, c))
    }

    /// Mean of all entries: -> (1, 1).
    pub fn mean(&mut self, a: Var) -> Var {
        self.record(Op::Mean, &[a], (1, 1), |t, c| reduce::sum(t.value(a), true, c))
    }

    /// Mean over the batch of the cross-entropy of `softmax(logits)` against
    /// the label-smoothed targets `q_bk = (1 − s)·[k = label_b] + s/K`: -> (1, 1).
    pub fn cross_entropy(&mut self, logits: Var, labels: &[usize], smoothing: f32) -> Var {
        let op = Op::CrossEntropy {
            labels: labels.to_vec(),
            smoothing,
        };
        self.record(op, &[logits], (1, 1), |t, c| {
            loss::cross_entropy(t.value(logits), labels, smoothing, c)
        })
    }

    /// `y = (x − mean(x)) / sqrt(var(x) + eps)` per row, with the exact gradient.
    pub fn layer_norm(&mut self, a: Var, eps: f32) -> Var {
        let mut rstd = self.pool.take(self.value(a).rows(), 1);
        let out = self.unary(Op::LayerNorm, a, |x, c| {
            layer_norm::layer_norm_forward(x, eps, c, Some(&mut rstd))
        });
        self.nodes[out.index()].saved[0] = Some(rstd); // the backward's, so it need not recompute
        out
    }

    /// Applies a custom op to `a`; the output has the shape of `a`.
    pub fn custom(&mut self, a: Var, op: Arc<dyn CustomBackward>) -> Var {
        self.unary(Op::Custom(op.clone()), a, |x, c| op.forward(x, c))
    }

    /// Sends node `i`'s incoming error to each of its inputs by the op's
    /// backward rule, through the one door, [`Tape::accumulate`]. One
    /// exhaustive `match`: every built-in op provably has a rule.
    pub(crate) fn backward_node(&mut self, i: usize) {
        let out = Var(i as u32);
        let inputs = self.nodes[i].inputs.clone();
        // What the forward saved, e.g. a matmul's operands as half under autocast.
        let saved = std::mem::take(&mut self.nodes[i].saved);
        for (k, &x) in inputs.iter().enumerate() {
            self.accumulate(x, |t, d, fresh| {
                let node = &t.nodes[i];
                let v = |j: usize| t.value(inputs[j]);
                let (y, g) = (t.value(out), t.grad_out(out));
                match &node.op {
                    Op::Leaf | Op::Detach => {
                        unreachable!("no rule reaches a leaf's inputs or a detached node")
                    }
                    Op::MatMul { trans_a, trans_b } => {
                        let other = saved[1 - k].as_ref().unwrap_or(v(1 - k));
                        matmul::backward(k == 1, g, other, [*trans_a, *trans_b], node.half, d, fresh)
                    }
                    Op::Add | Op::AddScalar => ew::add_backward(g, d, fresh),
                    Op::Sub => ew::sub_backward(k == 1, g, d, fresh),
                    Op::Mul => ew::mul_backward(g, v(1 - k), d, fresh),
                    Op::Div => ew::div_backward(k == 1, g, v(1), y, d, fresh),
                    Op::AddRow => broadcast::add_row_backward(k == 1, g, d, fresh),
                    Op::MulCol => broadcast::mul_col_backward(k == 1, g, v(0), v(1), d, fresh),
                    Op::DivCol => broadcast::div_col_backward(k == 1, g, v(1), y, d, fresh),
                    Op::Scale(c) => ew::scale_backward(*c, g, d, fresh),
                    Op::Relu => ew::relu_backward(g, y, d, fresh),
                    Op::Square => ew::square_backward(g, v(0), d, fresh),
                    Op::Sqrt => ew::sqrt_backward(g, y, d, fresh),
                    Op::RowMean => reduce::row_mean_backward(g, d, fresh),
                    Op::RowVar => reduce::row_var_backward(g, v(0), d, fresh),
                    Op::Sum => reduce::sum_backward(false, g, d, fresh),
                    Op::Mean => reduce::sum_backward(true, g, d, fresh),
                    Op::CrossEntropy { labels, smoothing } => {
                        loss::cross_entropy_backward(g, v(0), labels, *smoothing, d, fresh)
                    }
                    Op::LayerNorm => {
                        let rstd = saved[0].as_ref().expect("layer norm's forward saves 1/σ");
                        layer_norm::backward(g, y, rstd, d, fresh)
                    }
                    Op::Custom(op) => custom::backward(op.as_ref(), v(0), y, g, d, fresh),
                }
            });
        }
        if let Op::MatMul { .. } = self.nodes[i].op {
            let (g_rows, g_cols) = self.grad_out(out).shape();
            for (x, inner) in [(inputs[0], g_cols), (inputs[1], g_rows)] {
                if self.tracked(x) {
                    self.matmul_flops += 2 * (self.value(x).len() * inner) as u64;
                }
            }
        }
        self.nodes[i].saved = saved; // for another backward pass
    }
}
