//! The subtractive-only I-Norm layer, "I-Norm (sub)" (protocol §2.4): learned
//! inhibition that centres but does not divide.
//!
//! ```text
//! h   = x·W_exᵀ + b
//! inh = (x̄·W_ixᵀ)·W_eiᵀ          x̄: x with the gradient stopped
//! z   = h − stop(inh)            no error normalization
//! L   = λ · mean_b[ mean_f(stop(h) − inh)² ]   trains W_ix and W_ei
//! ```
//!
//! | paper  | field  | paper shape | stored as   | trained by |
//! |--------|--------|-------------|-------------|------------|
//! | `W_ex` | `w_ex` | `ne × n_in` | `n_in × ne` | task       |
//! | `b`    | `b`    | `1 × ne`    | `1 × ne`    | task       |
//! | `W_ix` | `w_ix` | `ni × n_in` | `n_in × ni` | local      |
//! | `W_ei` | `w_ei` | `ne × ni`   | `ni × ne`   | local      |
//!
//! Weights are stored transposed (see `param`).

use autograd::{Tape, Tensor, Var};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::init::{ei_weights, n_inhibitory};
use crate::layers::homeostasis::centring_loss;
use crate::layers::inorm::inhibition;
use crate::layers::LayerOut;
use crate::param::{Bind, Group, Param, Trained};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct INormSub {
    pub w_ex: Param,
    pub b: Param,
    pub w_ix: Param,
    pub w_ei: Param,
}

impl INormSub {
    pub fn new(n_in: usize, ne: usize, rng: &mut impl Rng) -> INormSub {
        let w = ei_weights(ne, n_inhibitory(ne), n_in, rng);
        INormSub {
            w_ex: Param::weight(w.w_ex, Group::Ex, Trained::Task),
            b: Param::new(Tensor::zeros(1, ne), Group::Bias, Trained::Task),
            w_ix: Param::weight(w.w_ix, Group::Ix, Trained::Local),
            w_ei: Param::weight(w.w_ei, Group::Ei, Trained::Local),
        }
    }

    /// The layer on `x` (B, n_in): `z` (B, ne), which is also its output
    /// (no error normalization), and, when training, the local loss.
    pub fn forward(&mut self, tape: &mut Tape, x: Var, bind: Bind, lambda: f32) -> LayerOut {
        let w_ex = self.w_ex.bind(tape, bind);
        let b = self.b.bind(tape, bind);
        let w_ix = self.w_ix.bind(tape, bind);
        let w_ei = self.w_ei.bind(tape, bind);
        let train = bind == Bind::Train;
        let stop = |tape: &mut Tape, v: Var| if train { tape.detach(v) } else { v };

        let x_bar = stop(tape, x);
        let h = tape.matmul(x, w_ex); // (B, n_in) @ (n_in, ne) -> (B, ne)
        let h = tape.add_row(h, b); // h = x·W_exᵀ + b
        let inh = inhibition(tape, x_bar, w_ix, w_ei);
        let inh_stopped = stop(tape, inh);
        let z = tape.sub(h, inh_stopped); // z = h − stop(inh)

        let local = train.then(|| {
            let h_stopped = tape.detach(h);
            let o = tape.sub(h_stopped, inh); // stop(h) − inh
            centring_loss(tape, o, lambda)
        });
        LayerOut { z, out: z, local }
    }

    pub fn for_each_param(&mut self, f: &mut dyn FnMut(&mut Param)) {
        for p in [&mut self.w_ex, &mut self.b, &mut self.w_ix, &mut self.w_ei] {
            f(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn output_is_centred_at_init() {
        let mut l = INormSub::new(20, 15, &mut StdRng::seed_from_u64(0));
        let x = autograd::seeded_positive(3, 20, 1);
        let mut tape = Tape::new();
        let xv = tape.input(3, 20, x.data());
        let z = l.forward(&mut tape, xv, Bind::Eval, 0.01).z;
        for r in 0..3 {
            assert!((tape.value(z).row(r).iter().sum::<f32>() / 15.0).abs() < 1e-5);
        }
    }

    #[test]
    fn local_error_trains_both_inhibitory_matrices_and_nothing_else() {
        let mut l = INormSub::new(8, 6, &mut StdRng::seed_from_u64(2));
        // Push W_ix off its init so the layer is no longer centred.
        l.w_ix.value.data_mut().iter_mut().for_each(|v| *v *= 1.5);
        let mut tape = Tape::new();
        let xv = tape.param(&autograd::seeded_positive(4, 8, 3));
        let local = l
            .forward(&mut tape, xv, Bind::Train, 1.0)
            .local
            .expect("local loss");
        tape.backward(local);
        let grad = |p: &Param| p.var.and_then(|v| tape.grad(v));
        assert!(grad(&l.w_ix).is_some() && grad(&l.w_ei).is_some());
        assert!(grad(&l.w_ex).is_none() && grad(&l.b).is_none());
        assert!(tape.grad(xv).is_none());
    }
}
