//! Test support (this crate's tests, and the `check` feature): gradient
//! checking by central finite differences, and seeded test data.

use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

/// `rows × cols` seeded uniform draws in `[0, 1)`, mapped by `f`. The
/// generator is SplitMix64: enough for test data.
fn uniform(rows: usize, cols: usize, seed: u64, f: impl Fn(f32) -> f32) -> Tensor {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
    };
    Tensor::from_vec(rows, cols, (0..rows * cols).map(|_| f(next())).collect())
}

/// Seeded uniform values in `[−1, 1)`.
pub fn seeded(rows: usize, cols: usize, seed: u64) -> Tensor {
    uniform(rows, cols, seed, |u| 2.0 * u - 1.0)
}

/// Seeded uniform values in `[0.5, 1.5)`, safe to divide by or take roots of.
pub fn seeded_positive(rows: usize, cols: usize, seed: u64) -> Tensor {
    uniform(rows, cols, seed, |u| 0.5 + u)
}

/// How far analytic gradients are from finite differences.
#[derive(Clone, Debug, Default)]
pub struct GradcheckReport {
    /// Largest `|analytic − numeric|`.
    pub max_abs_err: f64,
    /// Largest `|analytic − numeric| / max(1, |analytic|, |numeric|)`:
    /// relative for large gradients, absolute for small ones.
    pub max_rel_err: f64,
    /// Where the largest relative error occurred.
    pub worst: String,
}

impl GradcheckReport {
    /// Adds one comparison; `location` names the entry if it is the worst so far.
    pub fn record(&mut self, location: impl FnOnce() -> String, analytic: f64, numeric: f64) {
        let abs = (analytic - numeric).abs();
        let rel = abs / analytic.abs().max(numeric.abs()).max(1.0);
        self.max_abs_err = self.max_abs_err.max(abs);
        if rel > self.max_rel_err {
            self.max_rel_err = rel;
            self.worst = format!("{}: analytic {analytic:.6}, numeric {numeric:.6}", location());
        }
    }

    /// Panics with the details unless `max_rel_err ≤ tol`.
    pub fn assert_close(&self, tol: f64) {
        assert!(
            self.max_rel_err <= tol,
            "gradcheck failed (tolerance {tol}): {self:?}"
        );
    }
}

/// Step of the central differences. Large for `f32`: the rounding error of
/// the objective (≈ 1e-7·|Σ|/h) must stay well below the tolerance.
const STEP: f32 = 1e-2;

/// Checks the gradients of `f` at `inputs` (all tracked parameters) against
/// central finite differences of the scalar `Σ r ⊙ f(inputs)`, where `r` is
/// a fixed random tensor, so that every output entry matters with its own
/// weight. The objective is accumulated in `f64`.
pub fn gradcheck(inputs: &[Tensor], f: impl Fn(&mut Tape, &[Var]) -> Var) -> GradcheckReport {
    let mut tape = Tape::new();
    let vars: Vec<Var> = inputs.iter().map(|t| tape.param(t)).collect();
    let y = f(&mut tape, &vars);
    let (rows, cols) = tape.value(y).shape();
    let r = seeded(rows, cols, 0x5EED);
    let rv = tape.constant(&r);
    let weighted = tape.mul(y, rv);
    let loss = tape.sum(weighted);
    tape.backward(loss);
    let objective = |xs: &[Tensor]| -> f64 {
        let mut tape = Tape::new();
        let vs: Vec<Var> = xs.iter().map(|x| tape.constant(x)).collect();
        let y = f(&mut tape, &vs);
        let terms = tape.value(y).data().iter().zip(r.data());
        terms.map(|(&a, &b)| a as f64 * b as f64).sum()
    };
    let mut report = GradcheckReport::default();
    let mut xs = inputs.to_vec();
    for (which, &v) in vars.iter().enumerate() {
        for i in 0..xs[which].len() {
            let x0 = xs[which].data()[i];
            let mut at = |x| {
                xs[which].data_mut()[i] = x;
                objective(&xs)
            };
            let numeric = (at(x0 + STEP) - at(x0 - STEP)) / (2.0 * STEP as f64);
            xs[which].data_mut()[i] = x0;
            let analytic = tape.grad(v).map_or(0.0, |g| g.data()[i] as f64);
            report.record(|| format!("input {which}, entry {i}"), analytic, numeric);
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradcheck_catches_a_wrong_backward() {
        // A custom op whose backward is deliberately off by a factor 2.
        #[derive(Debug)]
        struct Doubled;
        impl crate::CustomBackward for Doubled {
            fn name(&self) -> &str {
                "doubled"
            }
            fn forward(&self, x: &Tensor, out: &mut Tensor) {
                out.data_mut().copy_from_slice(x.data());
            }
            fn backward(&self, _: &Tensor, _: &Tensor, g: &Tensor, grad_x: &mut Tensor) {
                grad_x
                    .data_mut()
                    .iter_mut()
                    .zip(g.data())
                    .for_each(|(d, g)| *d = 2.0 * g);
            }
        }
        let report = gradcheck(&[seeded(2, 3, 1)], |t, v| {
            t.custom(v[0], std::sync::Arc::new(Doubled))
        });
        assert!(report.max_rel_err > 0.1, "{report:?}");
    }

    #[test]
    fn seeded_tensors_are_reproducible_and_in_range() {
        assert_eq!(seeded(3, 3, 9), seeded(3, 3, 9));
        assert_ne!(seeded(3, 3, 9), seeded(3, 3, 10));
        assert!(seeded(10, 10, 1).data().iter().all(|v| (-1.0..1.0).contains(v)));
        assert!(seeded_positive(10, 10, 1)
            .data()
            .iter()
            .all(|v| (0.5..1.5).contains(v)));
    }
}
