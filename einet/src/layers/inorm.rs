//! The I-Norm layer: inhibition that learns to normalize (protocol §2.4).
//!
//! ```text
//! h   = x·W_exᵀ + b                          excitatory drive
//! inh = (x̄·W_ixᵀ)·W_eiᵀ                      subtractive inhibition  (x̄: x, gradient stopped)
//! d   = sqrt( ((x̄·B_ixᵀ)²)·B_eiᵀ + 1e-5 )    divisive inhibition, one per unit
//! z   = (h − stop(inh)) / stop(d)            what the next layer sees
//! out = normalize_error(z, mode)             identity forward; the mode's backward
//! ```
//! Two learning signals, kept apart by the stops:
//! - the **task** error reaches `W_ex` and `b` only, as `(1/d) ⊙ mode(g)`,
//!   and flows to the layer below only through `W_ex`;
//! - the **local** loss `λ·mean_b[mean_f(o)² + (var_f(o) − 1)²]` on
//!   `o = (stop(h) − inh) / d` reaches `W_ix` and `B_ix` only (or, beyond
//!   the paper, `λ·mean[(o − LN(stop(h)))²]`: see `homeostasis`).
//!
//! `W_ei` and `B_ei` are frozen at their init (constants on the tape).
//! Frozen at `1/ne`, `B_ei` makes every unit pool the same value, so `d`
//! is computed as one number per sample (see `Pool`), except under
//! autocast, where the half `(B, ne) @ (ne, ne)` product is what rounds. At init
//! `B_ix = diag(S)·Vᵀ` from the SVD of `W_ex − W_ei·W_ix` and `B_ei = 1/ne`,
//! which makes `z = LN(h)` exactly (see `init`).
//!
//! | paper  | field  | paper shape | stored as   | trained by |
//! |--------|--------|-------------|-------------|------------|
//! | `W_ex` | `w_ex` | `ne × n_in` | `n_in × ne` | task       |
//! | `b`    | `b`    | `1 × ne`    | `1 × ne`    | task       |
//! | `W_ix` | `w_ix` | `ni × n_in` | `n_in × ni` | local      |
//! | `W_ei` | `w_ei` | `ne × ni`   | `ni × ne`   | frozen     |
//! | `B_ix` | `b_ix` | `ne × n_in` | `n_in × ne` | local      |
//! | `B_ei` | `b_ei` | `ne × ne`   | `ne × ne`   | frozen     |
//!
//! Weights are stored transposed (see `param`).

use std::sync::Arc;

use autograd::{ErrorMode, NormalizeError, Tape, Tensor, Var, LN_EPS};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::init::{divisive_path, ei_weights, lateral_weights, n_inhibitory};
use crate::layers::homeostasis::{local_loss, LocalTarget};
use crate::layers::LayerOut;
use crate::param::{Bind, Group, Param, Trained};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct INorm {
    pub w_ex: Param,
    pub b: Param,
    pub w_ix: Param,
    pub w_ei: Param,
    pub b_ix: Param,
    pub b_ei: Param,
    #[serde(with = "crate::condition::error_mode_serde")]
    pub mode: ErrorMode,
    /// The fixed positive weights of the `lateral` mode (empty otherwise).
    pub lateral: Vec<f32>,
    /// What the local loss asks of `o` (a training setting, not stored:
    /// see [`Trainer::set_local_target`](crate::Trainer::set_local_target)).
    #[serde(skip)]
    pub target: LocalTarget,
    /// The error node, built on first use (not stored).
    #[serde(skip)]
    node: Option<Arc<NormalizeError>>,
    /// Whether `B_ei` is one value repeated (see `Pool`), decided on first
    /// use: `B_ei` is frozen, so scanning its `ne²` entries every step
    /// would only re-confirm it.
    #[serde(skip)]
    uniform_b_ei: Option<Option<f32>>,
}

impl INorm {
    /// An I-Norm layer of `ne` units on `n_in ≥ ne` inputs.
    pub fn new(n_in: usize, ne: usize, mode: ErrorMode, rng: &mut impl Rng) -> INorm {
        let w = ei_weights(ne, n_inhibitory(ne), n_in, rng);
        let (b_ix, b_ei) = divisive_path(&w);
        let lateral = if mode == ErrorMode::Lateral {
            lateral_weights(ne, rng)
        } else {
            Vec::new()
        };
        INorm {
            w_ex: Param::weight(w.w_ex, Group::Ex, Trained::Task),
            b: Param::new(Tensor::zeros(1, ne), Group::Bias, Trained::Task),
            w_ix: Param::weight(w.w_ix, Group::Ix, Trained::Local),
            w_ei: Param::weight(w.w_ei, Group::Ei, Trained::Frozen),
            b_ix: Param::weight(b_ix, Group::BIx, Trained::Local),
            b_ei: Param::weight(b_ei, Group::BEi, Trained::Frozen),
            mode,
            lateral,
            target: LocalTarget::Moments,
            node: None,
            uniform_b_ei: None,
        }
    }

    /// The layer on `x` (B, n_in): `z`, `out` (B, ne) and, when training,
    /// the local loss.
    pub fn forward(&mut self, tape: &mut Tape, x: Var, bind: Bind, lambda: f32) -> LayerOut {
        let node = self.node().clone();
        let w_ex = self.w_ex.bind(tape, bind);
        let b = self.b.bind(tape, bind);
        let w_ix = self.w_ix.bind(tape, bind);
        let w_ei = self.w_ei.bind(tape, bind);
        let b_ix = self.b_ix.bind(tape, bind);
        let b_ei_value = &self.b_ei.value;
        let uniform_b_ei = *self.uniform_b_ei.get_or_insert_with(|| uniform(b_ei_value));
        // Under autocast the pooling is the half matmul that the paper's code runs.
        let pool = match uniform_b_ei.filter(|_| tape.precision().is_f32()) {
            Some(c) => Pool::Uniform(c),
            None => Pool::Matrix(self.b_ei.bind(tape, bind)),
        };
        // Stops matter only when something upstream of them is tracked.
        let train = bind == Bind::Train;
        let stop = |tape: &mut Tape, v: Var| if train { tape.detach(v) } else { v };

        let x_bar = stop(tape, x);
        let h = tape.matmul(x, w_ex); // (B, n_in) @ (n_in, ne) -> (B, ne)
        let h = tape.add_row(h, b); // h = x·W_exᵀ + b
        let inh = inhibition(tape, x_bar, w_ix, w_ei);
        let d = divisor(tape, x_bar, b_ix, pool);

        // z = (h − stop(inh)) / stop(d): the task error sees neither path.
        let inh_stopped = stop(tape, inh);
        let d_stopped = d.map(|v| stop(tape, v));
        let centred = tape.sub(h, inh_stopped);
        let z = d_stopped.divide(tape, centred);
        // out = normalize_error(z): the identity going forward; going back it
        // sends mode(g) (protocol §3), which then reaches W_ex divided by d.
        let out = tape.normalize_error(z, &node);

        // o = (stop(h) − inh) / d: the local error sees only W_ix and B_ix.
        let local = train.then(|| {
            let h_stopped = tape.detach(h);
            let centred = tape.sub(h_stopped, inh);
            let o = d.divide(tape, centred);
            local_loss(tape, self.target, o, h_stopped, lambda)
        });
        LayerOut { z, out, local }
    }

    /// The normalize-error node of this layer's mode.
    pub fn node(&mut self) -> &Arc<NormalizeError> {
        let (mode, lateral) = (self.mode, &self.lateral);
        self.node.get_or_insert_with(|| {
            Arc::new(match mode {
                ErrorMode::Lateral => NormalizeError::lateral(lateral.clone()), // drawn in `new`
                _ => NormalizeError::new(mode),
            })
        })
    }

    pub fn for_each_param(&mut self, f: &mut dyn FnMut(&mut Param)) {
        for p in [
            &mut self.w_ex,
            &mut self.b,
            &mut self.w_ix,
            &mut self.w_ei,
            &mut self.b_ix,
            &mut self.b_ei,
        ] {
            f(p);
        }
    }
}

/// `inh = (x̄·W_ixᵀ)·W_eiᵀ`, in factored form, weights as stored.
pub(crate) fn inhibition(tape: &mut Tape, x_bar: Var, w_ix: Var, w_ei: Var) -> Var {
    let xi = tape.matmul(x_bar, w_ix); // (B, n_in) @ (n_in, ni) -> (B, ni)  inhibitory units
    tape.matmul(xi, w_ei) // (B, ni) @ (ni, ne) -> (B, ne)  inhibition received
}

/// How each unit pools the squared activity of the divisive units: the row
/// of `B_ei` it reads.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pool {
    /// Every entry of `B_ei` is this value. `B_ei` is frozen at `1/ne`, so
    /// this is the case that trains: every unit pools the same
    /// `c·Σ_k q_k²`, one number per sample, and the `(B, ne) @ (ne, ne)`
    /// product is skipped.
    Uniform(f32),
    /// A general `B_ei` on the tape.
    Matrix(Var),
}

/// The divisor: one per unit, or one per sample when every unit pools alike.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Divisor {
    /// (B, ne).
    PerUnit(Var),
    /// (B, 1), shared by the sample's units.
    PerSample(Var),
}

impl Divisor {
    fn map(self, f: impl FnOnce(Var) -> Var) -> Divisor {
        match self {
            Divisor::PerUnit(d) => Divisor::PerUnit(f(d)),
            Divisor::PerSample(d) => Divisor::PerSample(f(d)),
        }
    }

    /// `a / d`, elementwise or per row.
    pub(crate) fn divide(self, tape: &mut Tape, a: Var) -> Var {
        match self {
            Divisor::PerUnit(d) => tape.div(a, d),
            Divisor::PerSample(d) => tape.div_col(a, d),
        }
    }
}

/// The common value of every entry of `t`, if there is one.
fn uniform(t: &Tensor) -> Option<f32> {
    let first = *t.data().first()?;
    t.data().iter().all(|&v| v == first).then_some(first)
}

/// `d = sqrt( ((x̄·B_ixᵀ)²)·B_eiᵀ + 1e-5 )`, weights as stored.
pub(crate) fn divisor(tape: &mut Tape, x_bar: Var, b_ix: Var, pool: Pool) -> Divisor {
    let q = tape.matmul(x_bar, b_ix); // (B, n_in) @ (n_in, ne) -> (B, ne)  divisive units
    let q_sq = tape.square(q); // their squared activity
    match pool {
        Pool::Matrix(b_ei) => {
            let pooled = tape.matmul(q_sq, b_ei); // (B, ne) @ (ne, ne) -> (B, ne)  pooled per unit
            let pooled = tape.add_scalar(pooled, LN_EPS);
            Divisor::PerUnit(tape.sqrt(pooled))
        }
        Pool::Uniform(c) => {
            // Σ_k c·q_k² = (c·ne)·mean_k(q_k²), the same for every unit.
            let ne = tape.value(q_sq).cols() as f32;
            let mean_sq = tape.row_mean(q_sq); // (B, 1)
            let pooled = tape.scale(mean_sq, c * ne);
            let pooled = tape.add_scalar(pooled, LN_EPS);
            Divisor::PerSample(tape.sqrt(pooled))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use autograd::gradcheck;
    use rand::{rngs::StdRng, SeedableRng};

    fn layer(n_in: usize, ne: usize, mode: ErrorMode, seed: u64) -> INorm {
        INorm::new(n_in, ne, mode, &mut StdRng::seed_from_u64(seed))
    }

    #[test]
    fn layer_equals_layer_norm_of_the_excitatory_drive_at_init() {
        // Both hidden-layer shapes of the paper's network: n_in > ne and n_in = ne.
        for (n_in, ne) in [(784, 100), (100, 100)] {
            let mut l = layer(n_in, ne, ErrorMode::None, 0);
            let x = autograd::seeded(6, n_in, 1)
                .data()
                .iter()
                .map(|v| 0.5 * (v + 1.0))
                .collect::<Vec<_>>();
            let mut tape = Tape::new();
            let xv = tape.input(6, n_in, &x); // uniform in [0, 1)
            let z = l.forward(&mut tape, xv, Bind::Eval, 0.01).out;
            l.for_each_param(&mut |p| p.unbind(&mut tape));
            let w_ex = tape.constant(&l.w_ex.value);
            let h = tape.matmul(xv, w_ex);
            let ln = tape.layer_norm(h, LN_EPS);
            let diffs = tape
                .value(z)
                .data()
                .iter()
                .zip(tape.value(ln).data())
                .map(|(a, b)| (a - b).abs());
            let worst = diffs.fold(0.0f32, f32::max);
            // Exact up to f32 rounding: h − inh cancels a common mean much larger
            // than the spread of h (positive weights, positive inputs).
            assert!(worst < 1e-4, "({n_in}, {ne}): max |out − LN(h)| = {worst}");
        }
    }

    #[test]
    fn local_loss_is_tiny_at_init() {
        // z = LN(h) at init, so every row already has mean 0 and variance ≈ 1.
        let mut l = layer(30, 20, ErrorMode::None, 2);
        let x = autograd::seeded_positive(4, 30, 3);
        let mut tape = Tape::new();
        let xv = tape.input(4, 30, x.data());
        let local = l
            .forward(&mut tape, xv, Bind::Train, 1.0)
            .local
            .expect("training builds the local loss");
        assert!(tape.value(local).data()[0] < 1e-6);
    }

    /// Which losses a test back-propagates.
    #[derive(Clone, Copy, PartialEq)]
    enum Loss {
        Task,
        Local,
        Both,
    }

    /// Builds the layer on a tracked input and back-propagates `Σ r ⊙ out`
    /// (the task error `r`), the local loss, or both; returns the tape, the
    /// input handle and the output handle.
    fn backprop(l: &mut INorm, x: &Tensor, r: &Tensor, loss: Loss) -> (Tape, Var, Var) {
        let mut tape = Tape::new();
        let xv = tape.param(x);
        let layer = l.forward(&mut tape, xv, Bind::Train, 0.01);
        let rv = tape.constant(r);
        let weighted = tape.mul(layer.out, rv);
        let task = tape.sum(weighted);
        let local = layer.local.expect("training builds the local loss");
        let total = match loss {
            Loss::Task => task,
            Loss::Local => local,
            Loss::Both => tape.add(task, local),
        };
        tape.backward(total);
        l.for_each_param(&mut |p| p.unbind(&mut tape));
        (tape, xv, layer.out)
    }

    fn grad_of(tape: &Tape, p: &Param) -> Option<Tensor> {
        p.var.and_then(|v| tape.grad(v).cloned())
    }

    #[test]
    fn task_error_reaches_only_w_ex_b_and_the_input() {
        let mut l = layer(12, 8, ErrorMode::Full, 4);
        let (x, r) = (autograd::seeded(3, 12, 5), autograd::seeded(3, 8, 6));
        let (tape, xv, _) = backprop(&mut l, &x, &r, Loss::Task);
        assert!(grad_of(&tape, &l.w_ex).is_some());
        assert!(grad_of(&tape, &l.b).is_some());
        assert!(tape.grad(xv).is_some());
        assert!(grad_of(&tape, &l.w_ix).is_none());
        assert!(grad_of(&tape, &l.b_ix).is_none());
        // Frozen parameters are constants: never tracked.
        assert!(l.w_ei.var.is_none() && l.b_ei.var.is_none());
    }

    #[test]
    fn the_local_target_changes_the_local_gradients_and_not_the_task_ones() {
        let (x, r) = (autograd::seeded(3, 12, 20), autograd::seeded(3, 8, 21));
        let grads = |target: LocalTarget| {
            let mut l = layer(12, 8, ErrorMode::Full, 19);
            l.target = target;
            let (tape, _, _) = backprop(&mut l, &x, &r, Loss::Both);
            [&l.w_ex, &l.b_ix].map(|p| grad_of(&tape, p).expect("tracked"))
        };
        let ([ex_moments, bix_moments], [ex_ln, bix_ln]) =
            (grads(LocalTarget::Moments), grads(LocalTarget::LayerNorm));
        assert_eq!(ex_moments, ex_ln, "the task error does not see the local loss");
        assert_ne!(bix_moments, bix_ln);
    }

    #[test]
    fn local_error_reaches_only_w_ix_and_b_ix() {
        let mut l = layer(12, 8, ErrorMode::Full, 7);
        let x = autograd::seeded(3, 12, 8);
        let (tape, xv, _) = backprop(&mut l, &x, &autograd::seeded(3, 8, 9), Loss::Local);
        assert!(grad_of(&tape, &l.w_ix).is_some());
        assert!(grad_of(&tape, &l.b_ix).is_some());
        assert!(grad_of(&tape, &l.w_ex).is_none());
        assert!(grad_of(&tape, &l.b).is_none());
        assert!(tape.grad(xv).is_none());
    }

    #[test]
    fn error_reaching_the_drive_is_the_mode_divided_by_d() {
        // ∂b = Σ_batch (1/d) ⊙ mode(g), with g = r and the mode applied to z.
        for mode in ErrorMode::ALL {
            let mut l = layer(12, 8, mode, 9);
            let x = autograd::seeded(3, 12, 10);
            let r = autograd::seeded(3, 8, 11);
            let (tape, _, _) = backprop(&mut l, &x, &r, Loss::Task);
            let grad_b = grad_of(&tape, &l.b).expect("b is tracked");

            let mut eval = Tape::new();
            let xv = eval.input(3, 12, x.data());
            let z = l.forward(&mut eval, xv, Bind::Eval, 0.01).z;
            l.for_each_param(&mut |p| p.unbind(&mut eval));
            let b_ix = eval.constant(&l.b_ix.value);
            let d = match divisor(&mut eval, xv, b_ix, Pool::Uniform(1.0 / 8.0)) {
                Divisor::PerSample(d) => d,
                Divisor::PerUnit(_) => unreachable!("uniform pooling gives one divisor per sample"),
            };
            let mut want = [0.0f32; 8];
            let mut sent = [0.0f32; 8];
            for row in 0..3 {
                l.node().map_row(eval.value(z).row(row), r.row(row), &mut sent);
                for i in 0..8 {
                    want[i] += sent[i] / eval.value(d).get(row, 0);
                }
            }
            for i in 0..8 {
                assert!((grad_b.data()[i] - want[i]).abs() < 1e-4, "{mode}: unit {i}");
            }
        }
    }

    #[test]
    fn local_gradients_match_finite_differences_for_both_poolings() {
        let l = layer(10, 6, ErrorMode::None, 12);
        let x = autograd::seeded_positive(4, 10, 13);
        let h = autograd::seeded(4, 6, 14);
        let b_ei = autograd::seeded_positive(6, 6, 15); // a general, non-uniform pooling
        let inputs = [l.w_ix.value.clone(), l.b_ix.value.clone()];
        for (uniform_pool, target) in [true, false]
            .into_iter()
            .flat_map(|u| LocalTarget::ALL.map(|t| (u, t)))
        {
            gradcheck(&inputs, |tape, v| {
                let (xv, hv) = (tape.constant(&x), tape.constant(&h));
                let w_ei = tape.constant(&l.w_ei.value);
                let pool = if uniform_pool {
                    Pool::Uniform(1.0 / 6.0)
                } else {
                    Pool::Matrix(tape.constant(&b_ei))
                };
                let inh = inhibition(tape, xv, v[0], w_ei);
                let d = divisor(tape, xv, v[1], pool);
                let centred = tape.sub(hv, inh);
                let o = d.divide(tape, centred);
                local_loss(tape, target, o, hv, 1.0)
            })
            .assert_close(1e-2);
        }
    }

    #[test]
    fn uniform_pooling_shortcut_equals_the_pooling_matrix() {
        // Same d, and the same gradient for B_ix, with B_ei = 1/ne as a matrix or as a number.
        let l = layer(10, 6, ErrorMode::None, 16);
        let x = autograd::seeded_positive(4, 10, 17);
        let r = autograd::seeded(4, 6, 18);
        let run = |uniform_pool: bool| {
            let mut tape = Tape::new();
            let xv = tape.constant(&x);
            let b_ix = tape.param(&l.b_ix.value);
            let pool = if uniform_pool {
                Pool::Uniform(1.0 / 6.0)
            } else {
                Pool::Matrix(tape.constant(&l.b_ei.value))
            };
            let d = divisor(&mut tape, xv, b_ix, pool);
            let rv = tape.constant(&r);
            let o = d.divide(&mut tape, rv); // r / d, (4, 6) either way
            let loss = tape.sum(o);
            tape.backward(loss);
            (
                tape.value(o).clone(),
                tape.grad(b_ix).cloned().expect("b_ix is tracked"),
            )
        };
        let (o_uniform, g_uniform) = run(true);
        let (o_matrix, g_matrix) = run(false);
        let close = |a: &Tensor, b: &Tensor| {
            a.data()
                .iter()
                .zip(b.data())
                .all(|(p, q)| (p - q).abs() <= 1e-5 * (1.0 + q.abs()))
        };
        assert!(close(&o_uniform, &o_matrix));
        assert!(close(&g_uniform, &g_matrix));
    }

    #[test]
    fn each_loss_adds_exactly_zero_to_the_other_losses_parameters() {
        // Task + local back-propagated together gives, bit for bit, the task
        // gradient on W_ex and b and the local gradient on W_ix and B_ix.
        let mut l = layer(12, 8, ErrorMode::Full, 20);
        l.w_ex
            .value
            .data_mut()
            .iter_mut()
            .step_by(3)
            .for_each(|w| *w *= 2.0); // local loss ≠ 0
        let (x, r) = (autograd::seeded_positive(4, 12, 21), autograd::seeded(4, 8, 22));
        let grads = |l: &mut INorm, loss: Loss| {
            let (tape, _, _) = backprop(l, &x, &r, loss);
            let params = [&l.w_ex, &l.b, &l.w_ix, &l.b_ix];
            params.map(|p| grad_of(&tape, p))
        };
        let (task, local, both) = (
            grads(&mut l, Loss::Task),
            grads(&mut l, Loss::Local),
            grads(&mut l, Loss::Both),
        );
        assert!(task[0].is_some() && local[2].is_some());
        assert_eq!(&both[..2], &task[..2]);
        assert_eq!(&both[2..], &local[2..]);
    }

    #[test]
    fn error_modes_change_the_w_ex_gradient_but_not_the_forward_pass() {
        // Same seed, so the same weights; only the error node differs.
        let (x, r) = (autograd::seeded_positive(4, 12, 23), autograd::seeded(4, 8, 24));
        let mut none = layer(12, 8, ErrorMode::None, 25);
        let mut full = layer(12, 8, ErrorMode::Full, 25);
        let (tape_none, _, out_none) = backprop(&mut none, &x, &r, Loss::Task);
        let (tape_full, _, out_full) = backprop(&mut full, &x, &r, Loss::Task);
        assert_eq!(tape_none.value(out_none), tape_full.value(out_full));
        let (g_none, g_full) = (grad_of(&tape_none, &none.w_ex), grad_of(&tape_full, &full.w_ex));
        let diff = g_none.zip(g_full).map(|(a, b)| {
            a.data()
                .iter()
                .zip(b.data())
                .map(|(p, q)| (p - q).abs())
                .fold(0.0f32, f32::max)
        });
        assert!(diff.is_some_and(|d| d > 1e-3), "largest difference {diff:?}");
    }

    /// The largest per-sample |mean| and |var − 1| of the layer's output on `x`.
    fn worst_moments(l: &mut INorm, x: &[f32], rows: usize) -> (f32, f32) {
        let mut tape = Tape::new();
        let xv = tape.input(rows, l.w_ex.value.rows(), x);
        let out = l.forward(&mut tape, xv, Bind::Eval, 0.0).out;
        l.for_each_param(&mut |p| p.unbind(&mut tape));
        let (mut mean, mut var) = (0.0f32, 0.0f32);
        for r in 0..rows {
            let row = tape.value(out).row(r);
            let m = row.iter().sum::<f32>() / row.len() as f32;
            let v = row.iter().map(|z| (z - m).powi(2)).sum::<f32>() / row.len() as f32;
            mean = mean.max(m.abs());
            var = var.max((v - 1.0).abs());
        }
        (mean, var)
    }

    #[test]
    fn local_loss_alone_restores_normalization_after_task_like_drift() {
        use crate::optim::Hyper;
        use datasets::{Dataset, JitterStream, Luminosity};
        use rand::Rng;

        let (n_in, ne, batch) = (784, 100, 32);
        let lum = Luminosity::Additive { eps: 0.5 };
        let write = |data: &Dataset, stream: u64, epoch: u64, first: usize| {
            let indices: Vec<usize> = (first..first + batch).collect();
            let (mut x, mut y) = (vec![0.0; batch * n_in], vec![0; batch]);
            data.write_batch(&indices, &lum, &JitterStream::new(stream), epoch, &mut x, &mut y);
            x
        };
        let (train, held_out) = (Dataset::synthetic(640, 30), Dataset::synthetic(batch, 31));
        let probe = write(&held_out, 32, 0, 0);

        // Drift W_ex the way task learning does: scale and shift each unit's
        // weights (a row of W_ex, a column as stored) at random.
        let mut l = layer(n_in, ne, ErrorMode::None, 33);
        let mut rng = StdRng::seed_from_u64(34);
        let typical = l.w_ex.value.data().iter().sum::<f32>() / (ne * n_in) as f32;
        let drift: Vec<(f32, f32)> = (0..ne)
            .map(|_| (rng.gen_range(0.9..1.1), rng.gen_range(0.0..0.02 * typical)))
            .collect();
        for j in 0..n_in {
            for (w, &(scale, shift)) in l.w_ex.value.row_mut(j).iter_mut().zip(&drift) {
                *w = scale * *w + shift;
            }
        }
        let before = worst_moments(&mut l, &probe, batch);
        // Per-sample variance about 3 instead of 1 (the common mean is large
        // next to the spread, so small row changes matter).
        assert!(before.1 > 1.0, "drift too small to test: {before:?}");

        // Only the local loss, only W_ix and B_ix. λ = 1 with rate 1e-3 is the
        // paper's λ = 0.01 with lr_wix = 0.1; momentum speeds up the slow tail.
        let hyper = Hyper {
            momentum_inh: 0.9,
            ..Hyper::paper(0.0, 0.0, 1e-3)
        };
        let mut tape = Tape::new();
        for step in 0..400 {
            let (epoch, first) = (step / 20, (step % 20) * batch);
            let x = write(&train, 35, epoch as u64, first);
            tape.clear();
            let xv = tape.input(batch, n_in, &x);
            let local = l
                .forward(&mut tape, xv, Bind::Train, 1.0)
                .local
                .expect("training builds the local loss");
            tape.backward(local);
            l.for_each_param(&mut |p| p.unbind(&mut tape));
            for p in [&mut l.w_ix, &mut l.b_ix] {
                let grad = p
                    .var
                    .and_then(|v| tape.grad(v))
                    .expect("local loss trains W_ix and B_ix");
                hyper.update(p, grad);
            }
        }
        let after = worst_moments(&mut l, &probe, batch);
        assert!(
            after.0 < 0.05 && after.1 < 0.1,
            "before {before:?}, after {after:?}"
        );
    }

    #[test]
    fn lateral_mode_carries_positive_weights_that_sum_to_one() {
        let l = layer(10, 6, ErrorMode::Lateral, 15);
        assert_eq!(l.lateral.len(), 6);
        assert!((l.lateral.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(layer(10, 6, ErrorMode::Center, 15).lateral.is_empty());
    }
}
