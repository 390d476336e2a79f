//! The per-layer measurements of protocol §6, all forward-only except the
//! gradient probe.
//!
//! **Moments.** On each hidden layer's normalized pre-ReLU output `out`
//! (LN(z), z, or the I-Norm output): the batch mean of the per-sample
//! feature mean ("first moment") and of the per-sample biased feature
//! variance. A layer that normalizes perfectly gives 0 and 1.
//!
//! **Alignment with layer norm.** For hidden layer `l`, with the layers
//! below it evaluated as they are, let `z` be its pre-normalization output
//! (for I-Norm, `(h − inh)/d`) and `norm` its own normalization step:
//! ```text
//! output_cos = cos( relu(LN(z)),  relu(norm(z)) )                 over the flattened batch
//! grad_cos   = cos( ∂Σ relu(LN(z))/∂W_ex,  ∂Σ relu(norm(z))/∂W_ex )
//! ```
//! `LN` is exact layer norm with its exact backward. The gradient is taken
//! with respect to this layer's `W_ex` only, through the layer's own path
//! from `W_ex` to `z` (for I-Norm: through the stopped division, so the
//! error reaching `W_ex` is `(1/d) ⊙ mode(g)`). What `norm` is, per
//! condition:
//! - I-Norm: `normalize_error(z, mode)`; for mode `none` the gradient is
//!   then the plain one, `g/d`. For `lateral` the gradient reference is
//!   the `center` node instead of `LN` (protocol §6); the output reference
//!   stays `LN`.
//! - `ei`, `inorm-sub`: the identity (these layers do not normalize), so
//!   both numbers say how far the raw layer is from layer norm.
//! - `*-ln`: exact layer norm, so both cosines are 1 by construction.
//! - `*-ln-detached`: layer norm with identity backward: `output_cos` is 1
//!   and `grad_cos` measures what detaching loses.
//!
//! The cosine of a zero vector (every unit silent) is defined as 0.

use std::sync::Arc;

use autograd::{ErrorMode, NormalizeError, Tape, Tensor, LN_EPS};
use serde::{Deserialize, Serialize};

use crate::layers::LayerOut;
use crate::network::{Hidden, Network};
use crate::param::Bind;

/// First and second moment of one hidden layer's normalized output.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Batch mean of the per-sample feature mean.
    pub mean: f32,
    /// Batch mean of the per-sample biased feature variance.
    pub var: f32,
}

/// How close one hidden layer is to layer norm, going forward and back.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alignment {
    pub output_cos: f32,
    pub grad_cos: f32,
}

/// The moments of every hidden layer on the batch `x` (`rows × n_in`).
pub fn moments(net: &mut Network, tape: &mut Tape, x: &[f32], rows: usize) -> Vec<Moments> {
    tape.clear();
    let xv = tape.input(rows, net.spec().n_in, x);
    let mut out = Vec::with_capacity(net.spec().depth);
    net.forward(tape, xv, Bind::Eval, 0.0, &mut |tape, _, v| {
        out.push(row_moments(tape.value(v)))
    });
    net.unbind(tape);
    out
}

fn row_moments(t: &Tensor) -> Moments {
    let (rows, cols) = t.shape();
    let (mut mean_sum, mut var_sum) = (0.0f64, 0.0f64);
    for r in 0..rows {
        let row = t.row(r);
        let mean = row.iter().map(|&v| v as f64).sum::<f64>() / cols as f64;
        let var = row.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / cols as f64;
        mean_sum += mean;
        var_sum += var;
    }
    Moments {
        mean: (mean_sum / rows as f64) as f32,
        var: (var_sum / rows as f64) as f32,
    }
}

/// The alignment of every hidden layer on the probe batch `x` (`rows × n_in`).
pub fn alignment(net: &mut Network, tape: &mut Tape, x: &[f32], rows: usize) -> Vec<Alignment> {
    (0..net.spec().depth)
        .map(|l| layer_alignment(net, tape, x, rows, l))
        .collect()
}

fn layer_alignment(net: &mut Network, tape: &mut Tape, x: &[f32], rows: usize, l: usize) -> Alignment {
    tape.clear();
    // The layers below, as constants.
    let mut input = tape.input(rows, net.spec().n_in, x);
    for k in 0..l {
        let out = net.layer(k, tape, input, Bind::Eval, 0.0).out;
        input = tape.relu(out);
    }
    // This layer, with only W_ex tracked.
    let LayerOut { z, out, .. } = net.layer(l, tape, input, Bind::ExOnly, 0.0);
    let w_ex = net.hidden()[l].w_ex().var.expect("ExOnly binding tracks W_ex");

    let ln = tape.layer_norm(z, LN_EPS);
    let reference = tape.relu(ln); // relu(LN(z))
    let own = tape.relu(out); // relu(norm(z))
    let output_cos = cosine(tape.value(reference).data(), tape.value(own).data());

    let lateral = matches!(&net.hidden()[l], Hidden::INorm(layer) if layer.mode == ErrorMode::Lateral);
    let reference = if lateral {
        let center = Arc::new(NormalizeError::new(ErrorMode::Center));
        let centred = tape.normalize_error(z, &center);
        tape.relu(centred) // relu(center(z)): same forward as `own`, the center backward
    } else {
        reference
    };
    let sum = tape.sum(reference);
    tape.backward(sum);
    let grad_reference = tape.grad(w_ex).cloned();
    let sum = tape.sum(own);
    tape.backward(sum);
    let grad_cos = match (grad_reference, tape.grad(w_ex)) {
        (Some(a), Some(b)) => cosine(a.data(), b.data()),
        _ => 0.0,
    };
    net.unbind(tape);
    Alignment { output_cos, grad_cos }
}

/// `a·b / (‖a‖·‖b‖)` in f64; 0 when either vector is zero.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (x as f64, y as f64);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        (ab / (aa.sqrt() * bb.sqrt())) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::Condition;
    use crate::network::NetSpec;
    use rand::{rngs::StdRng, SeedableRng};

    fn setup(condition: Condition) -> (Network, Tape, Vec<f32>) {
        let spec = NetSpec {
            n_in: 40,
            width: 24,
            depth: 2,
            n_out: 4,
            condition,
        };
        let net = Network::new(&spec, &mut StdRng::seed_from_u64(0));
        (
            net,
            Tape::new(),
            autograd::seeded_positive(16, 40, 1).data().to_vec(),
        )
    }

    #[test]
    fn cosine_of_parallel_and_orthogonal_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-7);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 3.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 3.0]), 0.0);
    }

    #[test]
    fn layer_norm_and_fresh_inorm_layers_have_moments_zero_and_one() {
        for condition in [Condition::ELn, Condition::EiLn, Condition::INorm(ErrorMode::Full)] {
            let (mut net, mut tape, x) = setup(condition);
            for m in moments(&mut net, &mut tape, &x, 16) {
                assert!(m.mean.abs() < 1e-4, "{condition}: {m:?}");
                assert!((m.var - 1.0).abs() < 1e-3, "{condition}: {m:?}");
            }
        }
    }

    #[test]
    fn exact_layer_norm_is_perfectly_aligned_with_itself() {
        let (mut net, mut tape, x) = setup(Condition::EiLn);
        for a in alignment(&mut net, &mut tape, &x, 16) {
            assert!(
                (a.output_cos - 1.0).abs() < 1e-5 && (a.grad_cos - 1.0).abs() < 1e-4,
                "{a:?}"
            );
        }
    }

    #[test]
    fn full_error_normalization_aligns_a_fresh_inorm_layer_with_layer_norm() {
        // At init z = LN(h) exactly, so `full` is the exact LN backward.
        let (mut net, mut tape, x) = setup(Condition::INorm(ErrorMode::Full));
        for a in alignment(&mut net, &mut tape, &x, 16) {
            assert!(a.output_cos > 0.9999 && a.grad_cos > 0.999, "{a:?}");
        }
    }

    #[test]
    fn no_error_normalization_is_less_aligned_than_full() {
        let (mut none, mut tape, x) = setup(Condition::INorm(ErrorMode::None));
        let (mut full, _, _) = setup(Condition::INorm(ErrorMode::Full));
        let none = alignment(&mut none, &mut tape, &x, 16);
        let full = alignment(&mut full, &mut tape, &x, 16);
        for (n, f) in none.iter().zip(&full) {
            assert!(n.grad_cos < f.grad_cos, "none {n:?} vs full {f:?}");
            // The forward pass is the same.
            assert!((n.output_cos - f.output_cos).abs() < 1e-6);
        }
    }

    #[test]
    fn detached_layer_norm_matches_going_forward_only() {
        let (mut net, mut tape, x) = setup(Condition::ELnDetached);
        for a in alignment(&mut net, &mut tape, &x, 16) {
            assert!((a.output_cos - 1.0).abs() < 1e-6);
            assert!(a.grad_cos < 0.999, "{a:?}");
        }
    }

    #[test]
    fn every_condition_yields_finite_measurements_per_hidden_layer() {
        for condition in Condition::ALL {
            let (mut net, mut tape, x) = setup(condition);
            let m = moments(&mut net, &mut tape, &x, 16);
            let a = alignment(&mut net, &mut tape, &x, 16);
            assert_eq!((m.len(), a.len()), (2, 2));
            for (m, a) in m.iter().zip(&a) {
                let all = [m.mean, m.var, a.output_cos, a.grad_cos];
                assert!(all.iter().all(|v| v.is_finite()), "{condition}: {m:?} {a:?}");
            }
        }
    }
}
