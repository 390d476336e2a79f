//! The normalize-error node: identity going forward, a normalization of the
//! error going backward.
//!
//! Exact layer norm changes not only the activity but also the *error* sent
//! back: its backward centres, decorrelates and rescales it. Inhibition that
//! normalizes by stopped-gradient division does not. This node makes that
//! step explicit and switchable: placed after a normalizing layer, its
//! forward is the identity (the network computes the same function) while
//! its backward replaces the incoming error `g` (one row per sample, `D`
//! features) by one of these maps, with `x` the node's input and
//! `s = sqrt(var(x) + 1e-5)` of that row:
//!
//! | mode          | error sent down                          |
//! |---------------|------------------------------------------|
//! | `none`        | `g`                                      |
//! | `full`        | `(g − mean(g) − x·Σ(g⊙x)/D) / s`         |
//! | `center`      | `g − mean(g)`                            |
//! | `scale`       | `g / s`                                  |
//! | `decorrelate` | `g − x·Σ(g⊙x)/D`                         |
//! | `lateral`     | `g − Σ_j w_j·g_j`, `w` fixed, positive, summing to 1 |
//!
//! **The backward is deliberately not the derivative of the forward**
//! (which would be `g` itself, mode `none`). When `x` is already
//! standardized, `full` coincides with the exact layer-norm backward;
//! `center` is what a fixed, uniform lateral inhibition of the error would
//! do, and `lateral` is the same with non-uniform weights.

use std::sync::Arc;

use crate::custom::CustomBackward;
use crate::ops::layer_norm::LN_EPS;
use crate::ops::reduce::{row_stats, rows_stats};
use crate::ops::{dot, sum_and_dot};
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

named_enum! {
    /// How the normalize-error node maps the incoming error. See the module doc.
    pub enum ErrorMode, unknown: UnknownMode("error-normalization mode") {
        None = "none",
        Full = "full",
        Center = "center",
        Scale = "scale",
        Decorrelate = "decorrelate",
        Lateral = "lateral",
    }
}

/// A normalize-error node: a mode, and for `lateral` its fixed weights.
#[derive(Clone, Debug, PartialEq)]
pub struct NormalizeError {
    mode: ErrorMode,
    lateral_weights: Vec<f32>,
    /// `normalize_error[mode]`, as a printed tape shows the node.
    name: String,
}

impl NormalizeError {
    /// A node of `mode`. Panics for `lateral`, whose weights come from [`lateral`](Self::lateral).
    pub fn new(mode: ErrorMode) -> NormalizeError {
        let msg = "NormalizeError::new: the lateral mode needs its weights; use NormalizeError::lateral";
        assert!(mode != ErrorMode::Lateral, "{msg}");
        NormalizeError::with(mode, Vec::new())
    }

    /// A `lateral` node with fixed weights, one per feature (positive,
    /// summing to 1: the network draws them once, when it is built).
    pub fn lateral(weights: Vec<f32>) -> NormalizeError {
        NormalizeError::with(ErrorMode::Lateral, weights)
    }

    fn with(mode: ErrorMode, lateral_weights: Vec<f32>) -> NormalizeError {
        let name = format!("normalize_error[{mode}]");
        NormalizeError {
            mode,
            lateral_weights,
            name,
        }
    }

    /// Writes the error sent down for one row: `x` the node's input, `g` the incoming error.
    ///
    /// Every mode is the same map `g ↦ (g − m − c·x)·k` with its own
    /// per-row constants: a shift `m`, a decorrelation `c`, a scale `k`.
    pub fn map_row(&self, x: &[f32], g: &[f32], sent: &mut [f32]) {
        self.map_row_given(x, || row_stats(x).1, g, sent);
    }

    /// [`map_row`](Self::map_row), with `x`'s variance from `var` (called only by the modes that scale).
    fn map_row_given(&self, x: &[f32], var: impl FnOnce() -> f32, g: &[f32], sent: &mut [f32]) {
        let d_inv = 1.0 / x.len() as f32;
        let mean_g = || g.iter().sum::<f32>() * d_inv;
        let gx = || dot(g, x) * d_inv; // Σ(g⊙x)/D
        let inv_s = || 1.0 / (var() + LN_EPS).sqrt(); // 1/s
        let (m, c, k) = match self.mode {
            ErrorMode::None => (0.0, 0.0, 1.0),
            ErrorMode::Full => {
                let (sum_g, sum_gx) = sum_and_dot(g, x); // mean_g() and gx() in one sweep
                (sum_g * d_inv, sum_gx * d_inv, inv_s())
            }
            ErrorMode::Center => (mean_g(), 0.0, 1.0),
            ErrorMode::Scale => (0.0, 0.0, inv_s()),
            ErrorMode::Decorrelate => (0.0, gx(), 1.0),
            ErrorMode::Lateral => {
                let (w, n) = (&self.lateral_weights, g.len());
                let msg = "normalize_error: lateral weights are for width";
                assert_eq!(w.len(), n, "{msg} {} but the rows have {n}", w.len());
                (dot(w, g), 0.0, 1.0) // m = Σ_j w_j g_j
            }
        };
        for ((o, &g), &x) in sent.iter_mut().zip(g).zip(x) {
            *o = (g - m - c * x) * k;
        }
    }
}

impl CustomBackward for NormalizeError {
    fn name(&self) -> &str {
        &self.name
    }

    /// Identity.
    fn forward(&self, x: &Tensor, out: &mut Tensor) {
        out.data_mut().copy_from_slice(x.data());
    }

    /// Row by row, the map of the mode (module doc), not the derivative of `forward`.
    /// The scaling modes take every row's variance from `rows_stats`, which
    /// sums rows side by side (the same bits, sooner).
    fn backward(&self, x: &Tensor, _out: &Tensor, grad_out: &Tensor, grad_x: &mut Tensor) {
        let cols = x.cols();
        let scales = matches!(self.mode, ErrorMode::Full | ErrorMode::Scale);
        let stats = if scales { rows_stats(x) } else { Vec::new() };
        let rows = x.data().chunks(cols).zip(grad_out.data().chunks(cols));
        for (r, (sent, (x, g))) in grad_x.data_mut().chunks_mut(cols).zip(rows).enumerate() {
            self.map_row_given(x, || stats[r].1, g, sent);
        }
    }
}

impl Tape {
    /// Identity forward; the backward normalizes the error by `node`'s mode.
    pub fn normalize_error(&mut self, a: Var, node: &Arc<NormalizeError>) -> Var {
        self.custom(a, node.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{gradcheck, seeded};

    /// The error `normalize_error` sends down to `x` when `g` arrives from above.
    fn sent(mode: &NormalizeError, x: &Tensor, g: &Tensor) -> Tensor {
        let mut tape = Tape::new();
        let xv = tape.param(x);
        let y = tape.normalize_error(xv, &Arc::new(mode.clone()));
        let gv = tape.constant(g);
        let weighted = tape.mul(y, gv);
        let loss = tape.sum(weighted); // ∂loss/∂y = g
        tape.backward(loss);
        tape.grad(xv).cloned().expect("x is tracked")
    }

    fn node(mode: ErrorMode) -> NormalizeError {
        match mode {
            ErrorMode::Lateral => NormalizeError::lateral(vec![0.4, 0.3, 0.2, 0.1]),
            _ => NormalizeError::new(mode),
        }
    }

    fn assert_rows(got: &Tensor, want: &[f32]) {
        for (a, b) in got.data().iter().zip(want) {
            assert!((a - b).abs() < 1e-5, "got {:?}, want {want:?}", got.data());
        }
    }

    // Hand-sized example: x = (1, 2, 3, 6): mean 3, var 14/4 = 3.5, s = sqrt(3.5 + 1e-5).
    // g = (1, −1, 2, 0): mean(g) = 0.5, Σ g⊙x = 1 − 2 + 6 + 0 = 5, Σ(g⊙x)/D = 1.25.
    fn example() -> (Tensor, Tensor, f32) {
        let x = Tensor::from_vec(1, 4, vec![1.0, 2.0, 3.0, 6.0]);
        let g = Tensor::from_vec(1, 4, vec![1.0, -1.0, 2.0, 0.0]);
        (x, g, (3.5f32 + LN_EPS).sqrt())
    }

    #[test]
    fn forward_is_bitwise_identity_in_every_mode() {
        let x = seeded(3, 4, 1);
        for mode in ErrorMode::ALL {
            let mut tape = Tape::new();
            let v = tape.constant(&x);
            let y = tape.normalize_error(v, &Arc::new(node(mode)));
            let same = tape
                .value(y)
                .data()
                .iter()
                .zip(x.data())
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{mode}");
        }
    }

    #[test]
    fn none_passes_gradcheck() {
        let n = Arc::new(node(ErrorMode::None));
        gradcheck(&[seeded(3, 4, 2)], |t, v| t.normalize_error(v[0], &n)).assert_close(1e-3);
    }

    #[test]
    fn none_sends_the_error_unchanged() {
        let (x, g, _) = example();
        assert_rows(&sent(&node(ErrorMode::None), &x, &g), &[1.0, -1.0, 2.0, 0.0]);
    }

    #[test]
    fn center_matches_closed_form() {
        // g − 0.5
        let (x, g, _) = example();
        assert_rows(&sent(&node(ErrorMode::Center), &x, &g), &[0.5, -1.5, 1.5, -0.5]);
    }

    #[test]
    fn scale_matches_closed_form() {
        let (x, g, s) = example();
        assert_rows(
            &sent(&node(ErrorMode::Scale), &x, &g),
            &[1.0 / s, -1.0 / s, 2.0 / s, 0.0],
        );
    }

    #[test]
    fn decorrelate_matches_closed_form() {
        // g − 1.25·x = (1 − 1.25, −1 − 2.5, 2 − 3.75, 0 − 7.5)
        let (x, g, _) = example();
        assert_rows(
            &sent(&node(ErrorMode::Decorrelate), &x, &g),
            &[-0.25, -3.5, -1.75, -7.5],
        );
    }

    #[test]
    fn full_matches_closed_form() {
        // (g − 0.5 − 1.25·x) / s = (−0.75, −4, −2.25, −8) / s
        let (x, g, s) = example();
        assert_rows(
            &sent(&node(ErrorMode::Full), &x, &g),
            &[-0.75 / s, -4.0 / s, -2.25 / s, -8.0 / s],
        );
    }

    #[test]
    fn lateral_matches_closed_form() {
        // w = (0.7, 0.1, 0.1, 0.1): Σ w g = 0.7 − 0.1 + 0.2 + 0 = 0.8, so g − 0.8.
        let (x, g, _) = example();
        let lateral = NormalizeError::lateral(vec![0.7, 0.1, 0.1, 0.1]);
        assert_rows(&sent(&lateral, &x, &g), &[0.2, -1.8, 1.2, -0.8]);
    }

    #[test]
    fn center_mode_rows_sum_to_zero() {
        let got = sent(&node(ErrorMode::Center), &seeded(5, 4, 3), &seeded(5, 4, 4));
        for r in 0..5 {
            assert!(got.row(r).iter().sum::<f32>().abs() < 1e-5);
        }
    }

    #[test]
    fn lateral_with_uniform_weights_equals_center() {
        let (x, g) = (seeded(5, 4, 5), seeded(5, 4, 6));
        let uniform = NormalizeError::lateral(vec![0.25; 4]);
        let (a, b) = (sent(&uniform, &x, &g), sent(&node(ErrorMode::Center), &x, &g));
        assert_rows(&a, b.data());
    }

    #[test]
    #[should_panic(expected = "use NormalizeError::lateral")]
    fn new_refuses_the_lateral_mode_which_needs_weights() {
        NormalizeError::new(ErrorMode::Lateral);
    }

    /// Rows of `seeded` input, standardized exactly (mean 0, biased variance 1).
    fn standardized(rows: usize, cols: usize, seed: u64) -> Tensor {
        let mut x = seeded(rows, cols, seed);
        for r in 0..rows {
            let (m, v) = row_stats(x.row(r));
            x.row_mut(r).iter_mut().for_each(|e| *e = (*e - m) / v.sqrt());
        }
        x
    }

    #[test]
    fn full_equals_the_layer_norm_backward_on_standardized_input() {
        let (x, g) = (standardized(4, 6, 7), seeded(4, 6, 8));
        // The exact layer-norm backward (itself gradchecked in ops::layer_norm).
        let mut tape = Tape::new();
        let xv = tape.param(&x);
        let y = tape.layer_norm(xv, LN_EPS);
        let gv = tape.constant(&g);
        let weighted = tape.mul(y, gv);
        let loss = tape.sum(weighted);
        tape.backward(loss);
        let exact = tape.grad(xv).cloned().expect("tracked");
        assert_rows(&sent(&node(ErrorMode::Full), &x, &g), exact.data());
    }

    #[test]
    fn decorrelate_output_is_orthogonal_to_a_standardized_input_row() {
        let (x, g) = (standardized(4, 6, 9), seeded(4, 6, 10));
        let got = sent(&node(ErrorMode::Decorrelate), &x, &g);
        for r in 0..4 {
            assert!(dot(got.row(r), x.row(r)).abs() < 1e-4);
        }
    }

    #[test]
    fn a_node_is_named_after_its_mode() {
        for mode in ErrorMode::ALL {
            assert_eq!(node(mode).name(), format!("normalize_error[{mode}]"));
        }
    }

    #[test]
    fn modes_parse_from_and_print_to_their_names() {
        for mode in ErrorMode::ALL {
            assert_eq!(mode.to_string().parse::<ErrorMode>(), Ok(mode));
        }
        let err = "fool".parse::<ErrorMode>().unwrap_err().to_string();
        assert!(err.contains("'fool'") && err.contains("decorrelate"), "{err}");
    }
}
