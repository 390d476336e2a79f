//! The local losses that teach inhibition to normalize (protocol §2.4).
//!
//! Both are means over the batch of per-sample penalties on the layer's
//! output `o` (one row per sample, statistics over features):
//! ```text
//! I-Norm          L = λ · mean_b[ mean_f(o)² + (var_f(o) − 1)² ]   drive each row to mean 0, variance 1
//! I-Norm (sub)    L = λ · mean_b[ mean_f(o)² ]                     drive each row to mean 0
//! ```
//! The layers build `o` so that the gradient reaches only the inhibitory
//! weights they train.
//!
//! Beyond the paper, the I-Norm's loss can instead pull `o` towards layer
//! norm of the excitation `h` ([`LocalTarget::LayerNorm`]), a version found
//! in the history of the authors' code:
//! ```text
//! I-Norm (ln-mse) L = λ · mean_{b,f}[ (o − LN(h))² ]
//! ```

use autograd::{Tape, Var, LN_EPS};

/// What the I-Norm's local loss asks of its output `o`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LocalTarget {
    /// Each row at mean 0 and variance 1 (the paper's, [`standardizing_loss`]).
    #[default]
    Moments,
    /// `o` equal to layer norm of the excitation, by mean squared error
    /// ([`ln_matching_loss`]).
    LayerNorm,
}

impl LocalTarget {
    pub const ALL: [LocalTarget; 2] = [LocalTarget::Moments, LocalTarget::LayerNorm];
}

/// The I-Norm local loss of `o` with `target`; `h` is the excitation `o`
/// normalizes (read only by [`LocalTarget::LayerNorm`]; pass it stopped).
pub fn local_loss(tape: &mut Tape, target: LocalTarget, o: Var, h: Var, lambda: f32) -> Var {
    match target {
        LocalTarget::Moments => standardizing_loss(tape, o, lambda),
        LocalTarget::LayerNorm => ln_matching_loss(tape, o, h, lambda),
    }
}

/// `λ · mean_b[ mean_f(o)² + (var_f(o) − 1)² ]` -> (1, 1).
pub fn standardizing_loss(tape: &mut Tape, o: Var, lambda: f32) -> Var {
    let mean = tape.row_mean(o); // (B, 1)  first moment of each sample
    let mean_sq = tape.square(mean);
    let var = tape.row_var(o); // (B, 1)  biased variance of each sample
    let var_gap = tape.add_scalar(var, -1.0);
    let var_gap_sq = tape.square(var_gap);
    let per_sample = tape.add(mean_sq, var_gap_sq);
    let loss = tape.mean(per_sample);
    tape.scale(loss, lambda)
}

/// `λ · mean_{b,f}[ (o − LN(h))² ]` -> (1, 1), `LN` without gain or bias.
pub fn ln_matching_loss(tape: &mut Tape, o: Var, h: Var, lambda: f32) -> Var {
    let ln = tape.layer_norm(h, LN_EPS);
    let gap = tape.sub(o, ln);
    let gap_sq = tape.square(gap);
    let loss = tape.mean(gap_sq);
    tape.scale(loss, lambda)
}

/// `λ · mean_b[ mean_f(o)² ]` -> (1, 1).
pub fn centring_loss(tape: &mut Tape, o: Var, lambda: f32) -> Var {
    let mean = tape.row_mean(o); // (B, 1)
    let mean_sq = tape.square(mean);
    let loss = tape.mean(mean_sq);
    tape.scale(loss, lambda)
}

#[cfg(test)]
mod tests {
    use super::*;
    use autograd::Tensor;

    #[test]
    fn standardizing_loss_is_zero_for_standardized_rows_and_matches_closed_form() {
        let mut tape = Tape::new();
        // Row 0: (−1, 1) has mean 0, var 1. Row 1: (1, 3) has mean 2, var 1.
        let o = tape.constant(&Tensor::from_vec(2, 2, vec![-1.0, 1.0, 1.0, 3.0]));
        let l = standardizing_loss(&mut tape, o, 0.5);
        // 0.5 · mean(0, 4) = 1
        assert!((tape.value(l).data()[0] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn ln_matching_loss_is_the_mean_squared_gap_to_layer_norm() {
        // h rows (0, 2) and (1, 1): LN gives (−a, a) with a = 1/sqrt(1 + 1e−5),
        // and (0, 0). o = (−1, 1; 3, 0): gaps (a − 1, 1 − a; 3, 0).
        let mut tape = Tape::new();
        let h = tape.constant(&Tensor::from_vec(2, 2, vec![0.0, 2.0, 1.0, 1.0]));
        let o = tape.constant(&Tensor::from_vec(2, 2, vec![-1.0, 1.0, 3.0, 0.0]));
        let l = ln_matching_loss(&mut tape, o, h, 0.5);
        let a = 1.0 / (1.0f64 + 1e-5).sqrt();
        let want = 0.5 * (2.0 * (1.0 - a).powi(2) + 9.0) / 4.0;
        assert!((f64::from(tape.value(l).data()[0]) - want).abs() < 1e-6);
        // With o = LN(h) the loss vanishes, whatever λ.
        let ln = tape.layer_norm(h, LN_EPS);
        let zero = ln_matching_loss(&mut tape, ln, h, 3.0);
        assert!(tape.value(zero).data()[0].abs() < 1e-12);
    }

    #[test]
    fn ln_matching_loss_passes_gradcheck_in_o() {
        let h = autograd::seeded(3, 5, 1);
        autograd::gradcheck(&[autograd::seeded(3, 5, 2)], |t, v| {
            let hv = t.constant(&h);
            ln_matching_loss(t, v[0], hv, 0.7)
        })
        .assert_close(1e-3);
    }

    #[test]
    fn centring_loss_ignores_the_variance() {
        let mut tape = Tape::new();
        let o = tape.constant(&Tensor::from_vec(2, 2, vec![-5.0, 5.0, 0.0, 2.0]));
        let l = centring_loss(&mut tape, o, 1.0);
        // mean(0², 1²) = 0.5
        assert!((tape.value(l).data()[0] - 0.5).abs() < 1e-6);
    }
}
