//! Initialization of E-I weights (Cornford et al., protocol §2.1) and of the
//! I-Norm divisive path (protocol §2.4).
//!
//! ```text
//! σ*   = sqrt(2·ne / (n_in·(ne − 1)))
//! W_ex ~ LogNormal(μ = ln(σ*/√2), s = sqrt(ln 2))   mean σ*, std σ*
//! W_ei ~ same lognormal, each row divided by its sum (rows sum to 1)
//! W_ix : every row is the column-mean of W_ex
//! ```
//! With these, `W_ei·W_ix` has every row equal to the column-mean of
//! `W_ex`, so the inhibition `x·(W_ei·W_ix)ᵀ` is exactly the feature mean of
//! `x·W_exᵀ`: the layer starts centred.
//!
//! The divisive path of I-Norm is set from the SVD of the effective weight
//! `W = W_ex − W_ei·W_ix = U·S·Vᵀ`: `B_ix = diag(S)·Vᵀ` (= `Uᵀ·W`) and
//! `B_ei = 1/ne`. Since `U` is orthogonal, `‖B_ix·x‖ = ‖W·x‖`, so
//! `d² = ‖W·x‖²/ne = var_f(h − inh)`: the layer is layer norm at init.

use autograd::Tensor;
use rand::Rng;
use rand_distr::{Distribution, LogNormal};

use crate::svd::singular_rows;

/// `σ* = sqrt(2·ne / (n_in·(ne − 1)))`, the mean and std of the lognormal.
pub fn sigma_star(ne: usize, n_in: usize) -> f64 {
    assert!(ne >= 2, "sigma_star: needs ne >= 2, got {ne}");
    (2.0 * ne as f64 / (n_in as f64 * (ne as f64 - 1.0))).sqrt()
}

/// `ni = max(1, floor(0.1·ne))`, the inhibitory population of a hidden layer.
pub fn n_inhibitory(ne: usize) -> usize {
    (ne / 10).max(1)
}

/// The three non-negative matrices of an E-I layer.
pub struct EiWeights {
    /// `ne × n_in`.
    pub w_ex: Tensor,
    /// `ni × n_in`.
    pub w_ix: Tensor,
    /// `ne × ni`.
    pub w_ei: Tensor,
}

/// A `rows × cols` tensor of lognormal draws with mean and std `σ*`.
pub fn lognormal(rows: usize, cols: usize, sigma: f64, rng: &mut impl Rng) -> Tensor {
    // mean = exp(μ + s²/2), std = mean·sqrt(exp(s²) − 1): std = mean needs
    // s² = ln 2, and then mean = exp(μ)·√2.
    let mu = (sigma / std::f64::consts::SQRT_2).ln();
    let s = std::f64::consts::LN_2.sqrt();
    let dist = LogNormal::new(mu, s).expect("lognormal: finite parameters");
    let data = (0..rows * cols).map(|_| dist.sample(rng) as f32).collect();
    Tensor::from_vec(rows, cols, data)
}

/// Cornford et al.'s initialization for an E-I layer of `ne` excitatory and
/// `ni` inhibitory units reading `n_in` inputs.
pub fn ei_weights(ne: usize, ni: usize, n_in: usize, rng: &mut impl Rng) -> EiWeights {
    let sigma = sigma_star(ne, n_in);
    let w_ex = lognormal(ne, n_in, sigma, rng);

    // W_ei: lognormal, rows normalized to sum 1.
    let mut w_ei = lognormal(ne, ni, sigma, rng);
    for r in 0..ne {
        let row = w_ei.row_mut(r);
        let sum: f32 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= sum);
    }

    // W_ix: every row = column-mean of W_ex (mean over the ne units).
    let mut col_mean = vec![0.0f64; n_in];
    for r in 0..ne {
        for (m, &v) in col_mean.iter_mut().zip(w_ex.row(r)) {
            *m += v as f64;
        }
    }
    let col_mean: Vec<f32> = col_mean.iter().map(|m| (m / ne as f64) as f32).collect();
    let mut w_ix = Tensor::zeros(ni, n_in);
    for r in 0..ni {
        w_ix.row_mut(r).copy_from_slice(&col_mean);
    }
    EiWeights { w_ex, w_ix, w_ei }
}

/// The I-Norm divisive path `(B_ix, B_ei)` for the given E-I weights:
/// `B_ix = diag(S)·Vᵀ` of `W = W_ex − W_ei·W_ix` (`ne × n_in`), `B_ei = 1/ne`
/// (`ne × ne`). Requires `n_in ≥ ne`.
pub fn divisive_path(w: &EiWeights) -> (Tensor, Tensor) {
    let (ne, n_in) = w.w_ex.shape();
    assert!(
        n_in >= ne,
        "I-Norm init needs n_in >= ne, got n_in {n_in} < ne {ne}"
    );
    let ni = w.w_ix.rows();
    // W = W_ex − W_ei·W_ix, in f64: (ne, ni) @ (ni, n_in) -> (ne, n_in).
    let mut eff = vec![0.0f64; ne * n_in];
    for i in 0..ne {
        for j in 0..n_in {
            let inh: f64 = (0..ni)
                .map(|k| w.w_ei.get(i, k) as f64 * w.w_ix.get(k, j) as f64)
                .sum();
            eff[i * n_in + j] = w.w_ex.get(i, j) as f64 - inh;
        }
    }
    // B_ix = diag(S)·Vᵀ (= Uᵀ·W).
    let b_ix = singular_rows(&eff, ne, n_in).iter().map(|&v| v as f32).collect();
    let b_ix = Tensor::from_vec(ne, n_in, b_ix);
    let b_ei = Tensor::filled(ne, ne, 1.0 / ne as f32);
    (b_ix, b_ei)
}

/// Fixed random positive weights that sum to 1: one per unit, for the
/// `lateral` error mode.
pub fn lateral_weights(n: usize, rng: &mut impl Rng) -> Vec<f32> {
    let raw: Vec<f64> = (0..n).map(|_| rng.gen_range(f64::EPSILON..1.0)).collect();
    let sum: f64 = raw.iter().sum();
    raw.iter().map(|w| (w / sum) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn cornford_init_matches_its_definition_at_a_large_size() {
        let (ne, ni, n_in) = (400, 40, 784);
        let w = ei_weights(ne, ni, n_in, &mut StdRng::seed_from_u64(0));
        // W_ex: lognormal with mean and std σ* (sampling error ≈ 0.2% and 0.5% here).
        let sigma = sigma_star(ne, n_in);
        let n = w.w_ex.len() as f64;
        let mean = w.w_ex.data().iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = w
            .w_ex
            .data()
            .iter()
            .map(|&v| (v as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        assert!((mean / sigma - 1.0).abs() < 0.01, "mean {mean} vs σ* {sigma}");
        assert!(
            (var.sqrt() / sigma - 1.0).abs() < 0.03,
            "std {} vs σ* {sigma}",
            var.sqrt()
        );
        // Every E and I weight is non-negative.
        for t in [&w.w_ex, &w.w_ix, &w.w_ei] {
            assert!(t.data().iter().all(|&v| v >= 0.0));
        }
        // W_ei rows sum to 1.
        for r in 0..ne {
            assert!((w.w_ei.row(r).iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        // Every W_ix row is the column mean of W_ex.
        for j in 0..n_in {
            let col_mean = (0..ne).map(|i| w.w_ex.get(i, j) as f64).sum::<f64>() / ne as f64;
            for k in 0..ni {
                assert!((w.w_ix.get(k, j) as f64 - col_mean).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn inhibition_subtracts_the_feature_mean_at_init() {
        // Every row of W_ei·W_ix equals the column-mean of W_ex.
        let mut rng = StdRng::seed_from_u64(1);
        let w = ei_weights(30, 3, 20, &mut rng);
        for r in 0..30 {
            let s: f32 = w.w_ei.row(r).iter().sum();
            assert!((s - 1.0).abs() < 1e-6);
        }
        let inh = w.w_ei.matmul(&w.w_ix); // (ne, ni) @ (ni, n_in) -> (ne, n_in)
        for j in 0..20 {
            let mean: f32 = (0..30).map(|i| w.w_ex.get(i, j)).sum::<f32>() / 30.0;
            for i in 0..30 {
                assert!((inh.get(i, j) - mean).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn divisive_path_preserves_the_norm_of_the_effective_drive() {
        // ‖B_ix·x‖ = ‖W·x‖ for any x, because B_ix = Uᵀ·W.
        let mut rng = StdRng::seed_from_u64(2);
        let w = ei_weights(12, 1, 16, &mut rng);
        let (b_ix, b_ei) = divisive_path(&w);
        assert!(b_ei.data().iter().all(|&v| (v - 1.0 / 12.0).abs() < 1e-7));
        let x = lognormal(5, 16, 1.0, &mut rng);
        let wx = x.matmul_nt(&w.w_ex); // (5, 16) @ (16, 12) -> (5, 12)
        let ix = x.matmul_nt(&w.w_ix).matmul_nt(&w.w_ei); // (5, 1) -> (5, 12)
        let bx = x.matmul_nt(&b_ix); // (5, 16) @ (16, 12) -> (5, 12)
        for r in 0..5 {
            let n_w: f32 = wx
                .row(r)
                .iter()
                .zip(ix.row(r))
                .map(|(a, b)| (a - b).powi(2))
                .sum();
            let n_b: f32 = bx.row(r).iter().map(|v| v * v).sum();
            assert!((n_w / n_b - 1.0).abs() < 1e-4, "{n_w} vs {n_b}");
        }
    }

    #[test]
    fn divisive_path_rows_are_orthogonal() {
        let mut rng = StdRng::seed_from_u64(3);
        let w = ei_weights(10, 1, 25, &mut rng);
        let (b_ix, _) = divisive_path(&w);
        let gram = b_ix.matmul_nt(&b_ix); // (10, 25) @ (25, 10) -> (10, 10)
        let scale = (0..10).map(|i| gram.get(i, i)).fold(0.0f32, f32::max);
        for i in 0..10 {
            for j in 0..10 {
                if i != j {
                    assert!(gram.get(i, j).abs() < 1e-5 * scale);
                }
            }
        }
    }

    #[test]
    fn lateral_weights_are_positive_and_sum_to_one() {
        let w = lateral_weights(50, &mut StdRng::seed_from_u64(4));
        assert!(w.iter().all(|&v| v > 0.0));
        assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}
