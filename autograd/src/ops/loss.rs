//! Softmax cross-entropy with label smoothing, fused from the logits.

use super::write_or_add;
use crate::tensor::Tensor;

/// `(max, ln Σ_k exp(l_k − max))`: `log Σ exp l` split so that
/// `−log softmax_k = (max − l_k) + ln_z` never subtracts two large numbers.
fn log_sum_exp(logits: &[f32]) -> (f32, f32) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    (max, logits.iter().map(|&l| (l - max).exp()).sum::<f32>().ln())
}

/// The smoothed target `q_k = (1 − s)·[k = label] + s/K`.
fn target(k: usize, label: usize, smoothing: f32, classes: usize) -> f32 {
    let on = if k == label { 1.0 - smoothing } else { 0.0 };
    on + smoothing / classes as f32
}

/// `L = (1/B) Σ_b Σ_k −q_bk · log softmax(logits_b)_k`: -> (1, 1).
pub(crate) fn cross_entropy(logits: &Tensor, labels: &[usize], smoothing: f32, c: &mut Tensor) {
    let ((rows, classes), n) = (logits.shape(), labels.len());
    assert_eq!(n, rows, "cross_entropy: {n} labels for {rows} rows");
    let mut loss = 0.0f64;
    for (row, &label) in logits.data().chunks(classes).zip(labels) {
        assert!(
            label < classes,
            "cross_entropy: label {label} out of range for {classes} classes"
        );
        let (max, ln_z) = log_sum_exp(row);
        for (k, &l) in row.iter().enumerate() {
            loss += (target(k, label, smoothing, classes) * ((max - l) + ln_z)) as f64;
        }
    }
    c.data_mut()[0] = (loss / rows as f64) as f32;
}

/// `∂logits_bk += g · (p_bk − q_bk) / B`, with `p = softmax(logits) = exp(l − log Σ exp l)` recomputed.
pub(crate) fn cross_entropy_backward(
    g: &Tensor,
    logits: &Tensor,
    labels: &[usize],
    smoothing: f32,
    d: &mut Tensor,
    fresh: bool,
) {
    let (rows, classes) = d.shape();
    let k_scale = g.data()[0] / rows as f32;
    let rows_in = logits.data().chunks(classes).zip(labels);
    for (d, (row, &label)) in d.data_mut().chunks_mut(classes).zip(rows_in) {
        let (max, ln_z) = log_sum_exp(row);
        let terms = row.iter().enumerate().map(|(k, &l)| {
            let p = ((l - max) - ln_z).exp();
            k_scale * (p - target(k, label, smoothing, classes))
        });
        write_or_add(d, fresh, terms);
    }
}

#[cfg(test)]
mod tests {
    use crate::check::{gradcheck, seeded};
    use crate::{Tape, Tensor};

    #[test]
    fn cross_entropy_passes_gradcheck() {
        let labels = [2, 0, 3];
        gradcheck(&[seeded(3, 4, 1)], |t, v| t.cross_entropy(v[0], &labels, 0.1)).assert_close(1e-3);
    }

    #[test]
    fn cross_entropy_matches_the_closed_form() {
        // One sample, logits (0, ln 2, ln 5): softmax = (1, 2, 5)/8, label 1, s = 0.1, K = 3.
        // q = (0.1/3, 0.9 + 0.1/3, 0.1/3); L = −Σ q log p.
        let mut tape = Tape::new();
        let l = tape.constant(&Tensor::from_vec(1, 3, vec![0.0, 2f32.ln(), 5f32.ln()]));
        let loss = tape.cross_entropy(l, &[1], 0.1);
        let (p, q) = (
            [1.0 / 8.0, 2.0 / 8.0, 5.0 / 8.0],
            [0.1 / 3.0, 0.9 + 0.1 / 3.0, 0.1 / 3.0],
        );
        let want: f64 = -(0..3).map(|k| q[k] * f64::ln(p[k])).sum::<f64>();
        assert!((tape.value(loss).data()[0] as f64 - want).abs() < 1e-6);
    }

    #[test]
    fn cross_entropy_is_the_batch_mean_and_is_stable_for_huge_logits() {
        // Two identical samples give the same loss as one; logits near 1e4 must not overflow.
        let mut tape = Tape::new();
        let one = tape.constant(&Tensor::from_vec(1, 2, vec![1e4, 1e4 - 1.0]));
        let two = tape.constant(&Tensor::from_vec(2, 2, vec![1e4, 1e4 - 1.0, 1e4, 1e4 - 1.0]));
        let (l1, l2) = (
            tape.cross_entropy(one, &[1], 0.0),
            tape.cross_entropy(two, &[1, 1], 0.0),
        );
        // −log softmax_1 = log(1 + e) for logits (1, 0) shifted.
        let want = (1.0 + std::f32::consts::E).ln();
        assert!((tape.value(l1).data()[0] - want).abs() < 1e-5);
        assert_eq!(tape.value(l1), tape.value(l2));
    }
}
