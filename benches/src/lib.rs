//! Shared pieces of the benchmarks: the matrix shapes of the paper's
//! networks, and a same-process sgemm ceiling for the roofline report.
//!
//! Benchmarks live in `benches/`: `sgemm` (the ceiling), `ops` (each op's
//! forward + backward, the normalize-error node in every mode), `train_step`
//! (one training step per condition, evaluation throughput) and `roofline`
//! (counted matmul FLOP of a training step ÷ its time, against sgemm at the
//! same shapes).

use std::fmt;

use autograd::{seeded, sgemm, Tensor};

/// Batch size of the paper's protocol.
pub const BATCH: usize = 32;
/// Input width (28 × 28 pixels).
pub const N_IN: usize = 784;

/// One product `op(A)·op(B)` of shape (m, k) @ (k, n).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GemmShape {
    pub m: usize,
    pub k: usize,
    pub n: usize,
    pub trans_a: bool,
    pub trans_b: bool,
}

impl GemmShape {
    pub fn flops(&self) -> u64 {
        2 * (self.m * self.k * self.n) as u64
    }
    pub fn a_rows(&self) -> usize {
        if self.trans_a {
            self.k
        } else {
            self.m
        }
    }
    pub fn a_cols(&self) -> usize {
        if self.trans_a {
            self.m
        } else {
            self.k
        }
    }
    pub fn b_rows(&self) -> usize {
        if self.trans_b {
            self.n
        } else {
            self.k
        }
    }
    pub fn b_cols(&self) -> usize {
        if self.trans_b {
            self.k
        } else {
            self.n
        }
    }
}

impl fmt::Display for GemmShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = |b: bool| if b { "ᵀ" } else { "" };
        write!(
            f,
            "{}x{}{}@{}x{}{}",
            self.m,
            self.k,
            t(self.trans_a),
            self.k,
            self.n,
            t(self.trans_b)
        )
    }
}

/// The dense-layer products a training step of a `784 → W → W → 10`
/// network runs at batch 32, for each width: per layer the forward
/// `x·W` (B, in) @ (in, out), the weight gradient `xᵀ·g` (in, B) @ (B, out),
/// and, above the first layer (whose input is data), the error sent down
/// `g·Wᵀ` (B, out) @ (out, in). Each weight operand is laid out the way
/// sgemm packs fastest (`B` row-major), whatever layout the network keeps;
/// activations are row-major, as a batch comes. So the ceiling does not
/// move when the network changes how it stores its weights.
pub fn model_gemm_shapes(widths: &[usize]) -> Vec<GemmShape> {
    let mut shapes = Vec::new();
    for &w in widths {
        for (layer, (n_in, n_out)) in [(N_IN, w), (w, w), (w, 10)].into_iter().enumerate() {
            let forward = GemmShape {
                m: BATCH,
                k: n_in,
                n: n_out,
                trans_a: false,
                trans_b: false,
            }; // x·W
            let weight_grad = GemmShape {
                m: n_in,
                k: BATCH,
                n: n_out,
                trans_a: true,
                trans_b: false,
            }; // xᵀ·g
            let error = GemmShape {
                m: BATCH,
                k: n_out,
                n: n_in,
                trans_a: false,
                trans_b: false,
            }; // g·Wᵀ, with Wᵀ stored row-major
            shapes.extend([forward, weight_grad]);
            if layer > 0 {
                shapes.push(error);
            }
        }
    }
    shapes
}

/// The ceiling this report first used: every layer's `x·Wᵀ`, `g·W` and
/// `gᵀ·x` with `W` stored (out, in), the first layer's error included
/// (deduplicated). It holds matrixmultiply's slow packing path (`x·Wᵀ`
/// packs a transposed `B` element by element), which lowers it; kept so
/// the ratios stay comparable with earlier measurements.
pub fn first_gemm_shapes(widths: &[usize]) -> Vec<GemmShape> {
    let mut shapes = Vec::new();
    for &w in widths {
        for (n_in, n_out) in [(N_IN, w), (w, w), (w, 10)] {
            let layer = [
                (BATCH, n_in, n_out, false, true),  // x·Wᵀ
                (BATCH, n_out, n_in, false, false), // g·W
                (n_out, BATCH, n_in, true, false),  // gᵀ·x
            ];
            for (m, k, n, trans_a, trans_b) in layer {
                let s = GemmShape {
                    m,
                    k,
                    n,
                    trans_a,
                    trans_b,
                };
                if !shapes.contains(&s) {
                    shapes.push(s);
                }
            }
        }
    }
    shapes
}

/// sgemm throughput (GFLOP/s) over `shapes`, each weighted by its FLOP
/// (`autograd::sgemm`: matrixmultiply alone, without the batch kernel of `kernels`):
/// total FLOP ÷ total time of running every shape `reps` times, best of
/// `trials` trials, timed with [`thread_seconds`].
pub fn sgemm_gflops(shapes: &[GemmShape], reps: usize, trials: usize) -> f64 {
    let operands: Vec<(Tensor, Tensor, Tensor)> = shapes
        .iter()
        .map(|s| {
            let a = seeded(s.a_rows(), s.a_cols(), 1);
            let b = seeded(s.b_rows(), s.b_cols(), 2);
            (a, b, Tensor::zeros(s.m, s.n))
        })
        .collect();
    let flops: u64 = shapes.iter().map(GemmShape::flops).sum::<u64>() * reps as u64;
    let mut best = f64::INFINITY;
    for _ in 0..trials {
        let mut ops = operands.clone();
        let start = thread_seconds();
        for _ in 0..reps {
            for (s, (a, b, c)) in shapes.iter().zip(ops.iter_mut()) {
                sgemm(1.0, a, s.trans_a, b, s.trans_b, 0.0, c);
            }
        }
        best = best.min(thread_seconds() - start);
    }
    flops as f64 / best / 1e9
}

/// Seconds the calling thread has spent running on a CPU, to the
/// nanosecond (Linux's `CLOCK_THREAD_CPUTIME_ID`); elsewhere, wall seconds
/// since the first call. On a shared machine, the time a thread waits for
/// a core is not the time its work takes, so the hand-run benches time
/// with this clock; on an idle machine the two agree. (`/proc`'s
/// `schedstat`, read before, advances only at the scheduler's tick, 4 ms
/// here: a 60 ms trial read up to 7 % off.)
pub fn thread_seconds() -> f64 {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
    }
    #[cfg(not(target_os = "linux"))]
    {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64()
    }
}

/// A seeded batch of `rows` images (uniform pixels in [0, 1)) and labels.
pub fn random_batch(rows: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let x = seeded(rows, N_IN, seed)
        .data()
        .iter()
        .map(|v| 0.5 * (v + 1.0))
        .collect();
    let y = (0..rows).map(|i| (i * 7 + seed as usize) % 10).collect();
    (x, y)
}

/// The command line of the hand-run benches: condition ids and widths in any
/// order (`inorm-full 234 500`), each list falling back to its default;
/// `None` when cargo only asks for the benches' names (`-- --list`).
pub fn bench_args(default_ids: &[&str]) -> Option<(Vec<String>, Vec<usize>)> {
    if std::env::args().any(|a| a == "--list") {
        return None;
    }
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let mut ids: Vec<String> = args
        .iter()
        .filter(|a| a.parse::<usize>().is_err())
        .cloned()
        .collect();
    let mut widths: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if ids.is_empty() {
        ids = default_ids.iter().map(|s| s.to_string()).collect();
    }
    if widths.is_empty() {
        widths = vec![234, 500];
    }
    Some((ids, widths))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_have_consistent_operands() {
        for s in model_gemm_shapes(&[234]) {
            let (a, b) = (
                seeded(s.a_rows(), s.a_cols(), 1),
                seeded(s.b_rows(), s.b_cols(), 2),
            );
            let mut c = Tensor::zeros(s.m, s.n);
            autograd::gemm(1.0, &a, s.trans_a, &b, s.trans_b, 0.0, &mut c); // panics on inconsistent shapes
            assert_eq!(c.shape(), (s.m, s.n));
        }
    }

    #[test]
    fn a_layer_contributes_forward_weight_and_error_products_but_the_first_sends_no_error() {
        let shapes = model_gemm_shapes(&[100]);
        assert_eq!(shapes.len(), 8); // no error product below the first layer
        assert_eq!(shapes[0].flops(), 2 * 32 * 784 * 100);
    }

    #[test]
    fn the_thread_clock_resolves_well_below_a_millisecond() {
        // Busy until the clock moves twice; a tick-driven clock jumps by ms.
        let first = thread_seconds();
        let mut steps = Vec::new();
        let mut last = first;
        while steps.len() < 2 {
            let now = thread_seconds();
            assert!(now >= last, "the thread clock went back");
            if now > last {
                steps.push(now - last);
                last = now;
            }
            assert!(
                now - first < 1.0,
                "the thread clock did not move in a second of work"
            );
        }
        assert!(steps.iter().all(|&s| s < 1e-4), "steps of {steps:?} s");
    }
}
