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

use autograd::{Tape, Var};

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
    fn centring_loss_ignores_the_variance() {
        let mut tape = Tape::new();
        let o = tape.constant(&Tensor::from_vec(2, 2, vec![-5.0, 5.0, 0.0, 2.0]));
        let l = centring_loss(&mut tape, o, 1.0);
        // mean(0², 1²) = 0.5
        assert!((tape.value(l).data()[0] - 0.5).abs() < 1e-6);
    }
}
