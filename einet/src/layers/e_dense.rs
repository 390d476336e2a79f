//! The excitatory-only dense layer (protocol §2.2): `z = x·W_exᵀ + b` with
//! `W_ex ≥ 0`, initialized like the E-I layer's `W_ex`, no inhibition.
//! Used under layer norm (the `e-ln` baselines), which supplies the
//! centring that inhibition would otherwise provide.
//!
//! | paper | field  | paper shape | stored as (transposed, see `param`) |
//! |-------|--------|-------------|-------------|
//! | `W_ex`| `w_ex` | `ne × n_in` | `n_in × ne` |
//! | `b`   | `b`    | `1 × ne`    | `1 × ne`    |

use autograd::{Tape, Tensor, Var};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::init::{lognormal, sigma_star};
use crate::param::{Bind, Group, Param, Trained};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EDense {
    pub w_ex: Param,
    pub b: Param,
}

impl EDense {
    pub fn new(n_in: usize, ne: usize, rng: &mut impl Rng) -> EDense {
        let w_ex = lognormal(ne, n_in, sigma_star(ne, n_in), rng);
        EDense {
            w_ex: Param::weight(w_ex, Group::Ex, Trained::Task),
            b: Param::new(Tensor::zeros(1, ne), Group::Bias, Trained::Task),
        }
    }

    /// `z = x·W_exᵀ + b`: (B, n_in) -> (B, ne).
    pub fn forward(&mut self, tape: &mut Tape, x: Var, bind: Bind) -> Var {
        let w_ex = self.w_ex.bind(tape, bind);
        let b = self.b.bind(tape, bind);
        let h = tape.matmul(x, w_ex); // (B, n_in) @ (n_in, ne) -> (B, ne)
        tape.add_row(h, b)
    }

    pub fn for_each_param(&mut self, f: &mut dyn FnMut(&mut Param)) {
        f(&mut self.w_ex);
        f(&mut self.b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn forward_is_the_affine_map_and_weights_are_positive() {
        let mut layer = EDense::new(4, 3, &mut StdRng::seed_from_u64(0));
        assert!(layer.w_ex.value.data().iter().all(|&w| w > 0.0));
        layer.b.value = Tensor::from_vec(1, 3, vec![1.0, 2.0, 3.0]);
        let x = autograd::seeded(2, 4, 1);
        let mut tape = Tape::new();
        let xv = tape.input(2, 4, x.data());
        let z = layer.forward(&mut tape, xv, Bind::Eval);
        layer.for_each_param(&mut |p| p.unbind(&mut tape));
        for r in 0..2 {
            for i in 0..3 {
                let want: f32 = (0..4)
                    .map(|j| x.get(r, j) * layer.w_ex.value.get(j, i)) // stored transposed
                    .sum::<f32>()
                    + (i + 1) as f32;
                assert!((tape.value(z).get(r, i) - want).abs() < 1e-5);
            }
        }
    }
}
