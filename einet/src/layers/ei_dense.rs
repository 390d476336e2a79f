//! The E-I dense layer of Dale's ANNs (Cornford et al.; protocol §2.1).
//!
//! ```text
//! z = x·W_exᵀ − (x·W_ixᵀ)·W_eiᵀ + b  =  x·(W_ex − W_ei·W_ix)ᵀ + b
//! ```
//! `ne` excitatory units read the input through `W_ex`; `ni` inhibitory
//! units read it through `W_ix` and inhibit the excitatory ones through
//! `W_ei`. All three matrices stay non-negative (Dale's principle, enforced
//! by the optimizer's projection); `b` is free. Every parameter is trained
//! by the task loss through the exact gradient.
//!
//! The inhibitory path is evaluated in factored form: `(x·W_ixᵀ)·W_eiᵀ`
//! costs `B·ni·(n_in + ne)` multiply-adds instead of forming the `ne × n_in`
//! effective weight.
//!
//! | paper | field  | paper shape | stored as (transposed, see `param`) |
//! |-------|--------|-------------|-------------|
//! | `W_ex`| `w_ex` | `ne × n_in` | `n_in × ne` |
//! | `W_ix`| `w_ix` | `ni × n_in` | `n_in × ni` |
//! | `W_ei`| `w_ei` | `ne × ni`   | `ni × ne`   |
//! | `b`   | `b`    | `1 × ne`    | `1 × ne`    |

use autograd::{Tape, Tensor, Var};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::init::ei_weights;
use crate::param::{Bind, Group, Param, Trained};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EiDense {
    pub w_ex: Param,
    pub w_ix: Param,
    pub w_ei: Param,
    pub b: Param,
}

impl EiDense {
    /// A layer of `ne` excitatory and `ni` inhibitory units on `n_in` inputs,
    /// initialized as in protocol §2.1.
    pub fn new(n_in: usize, ne: usize, ni: usize, rng: &mut impl Rng) -> EiDense {
        let w = ei_weights(ne, ni, n_in, rng);
        EiDense {
            w_ex: Param::weight(w.w_ex, Group::Ex, Trained::Task),
            // Corrected SGD (Cornford et al.): ∇W_ix /= √ne, ∇W_ei /= n_in.
            w_ix: Param::weight(w.w_ix, Group::Ix, Trained::Task).with_correction(1.0 / (ne as f32).sqrt()),
            w_ei: Param::weight(w.w_ei, Group::Ei, Trained::Task).with_correction(1.0 / n_in as f32),
            b: Param::new(Tensor::zeros(1, ne), Group::Bias, Trained::Task),
        }
    }

    /// `z = x·W_exᵀ − (x·W_ixᵀ)·W_eiᵀ + b`: (B, n_in) -> (B, ne).
    pub fn forward(&mut self, tape: &mut Tape, x: Var, bind: Bind) -> Var {
        let w_ex = self.w_ex.bind(tape, bind);
        let w_ix = self.w_ix.bind(tape, bind);
        let w_ei = self.w_ei.bind(tape, bind);
        let b = self.b.bind(tape, bind);
        ei_forward(tape, x, w_ex, w_ix, w_ei, b)
    }

    pub fn for_each_param(&mut self, f: &mut dyn FnMut(&mut Param)) {
        for p in [&mut self.w_ex, &mut self.w_ix, &mut self.w_ei, &mut self.b] {
            f(p);
        }
    }
}

/// The layer's math on tape values (see the module doc), weights as stored.
pub(crate) fn ei_forward(tape: &mut Tape, x: Var, w_ex: Var, w_ix: Var, w_ei: Var, b: Var) -> Var {
    let h = tape.matmul(x, w_ex); // (B, n_in) @ (n_in, ne) -> (B, ne)  excitatory drive
    let xi = tape.matmul(x, w_ix); // (B, n_in) @ (n_in, ni) -> (B, ni)  inhibitory units
    let inh = tape.matmul(xi, w_ei); // (B, ni) @ (ni, ne) -> (B, ne)  inhibition received
    let z = tape.sub(h, inh);
    tape.add_row(z, b) // + b, (1, ne) repeated over the batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use autograd::gradcheck;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn forward_equals_the_effective_weight_product() {
        let mut rng = StdRng::seed_from_u64(0);
        let mut layer = EiDense::new(6, 5, 2, &mut rng);
        layer.b.value = Tensor::from_vec(1, 5, vec![0.1, -0.2, 0.3, 0.0, 0.5]);
        let x = autograd::seeded(3, 6, 1);
        let mut tape = Tape::new();
        let xv = tape.input(3, 6, x.data());
        let z = layer.forward(&mut tape, xv, Bind::Eval);
        layer.for_each_param(&mut |p| p.unbind(&mut tape));
        // Wᵀ = W_exᵀ − W_ixᵀ·W_eiᵀ (as stored), then x·Wᵀ + b, formed explicitly.
        let wei_wix = layer.w_ix.value.matmul(&layer.w_ei.value); // (6, 2) @ (2, 5) -> (6, 5)
        for r in 0..3 {
            for i in 0..5 {
                let want: f32 = (0..6)
                    .map(|j| x.get(r, j) * (layer.w_ex.value.get(j, i) - wei_wix.get(j, i)))
                    .sum::<f32>()
                    + layer.b.value.get(0, i);
                assert!((tape.value(z).get(r, i) - want).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn forward_is_centred_at_init() {
        // The inhibition equals the feature mean of x·W_exᵀ, so each row of z has mean 0.
        let mut layer = EiDense::new(40, 30, 3, &mut StdRng::seed_from_u64(1));
        let x = autograd::seeded_positive(4, 40, 2);
        let mut tape = Tape::new();
        let xv = tape.input(4, 40, x.data());
        let z = layer.forward(&mut tape, xv, Bind::Eval);
        layer.for_each_param(&mut |p| p.unbind(&mut tape));
        for r in 0..4 {
            let mean: f32 = tape.value(z).row(r).iter().sum::<f32>() / 30.0;
            assert!(mean.abs() < 1e-5, "row {r} mean {mean}");
        }
    }

    #[test]
    fn exact_gradients_reach_input_and_all_four_parameters() {
        let layer = EiDense::new(5, 4, 2, &mut StdRng::seed_from_u64(3));
        let inputs = [
            autograd::seeded(3, 5, 4),
            layer.w_ex.value.clone(),
            layer.w_ix.value.clone(),
            layer.w_ei.value.clone(),
            autograd::seeded(1, 4, 5),
        ];
        gradcheck(&inputs, |tape, v| ei_forward(tape, v[0], v[1], v[2], v[3], v[4])).assert_close(1e-2);
    }
}
