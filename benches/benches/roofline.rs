//! The roofline report: for each training step, its counted matmul FLOP,
//! its time, the GFLOP/s it achieves, and the ratio to sgemm measured in
//! this same process at the same layer shapes.
//!
//! FLOP counting: the tape counts `2·m·k·n` for every matrix product it
//! runs, forward and backward (`autograd::Tape::matmul_flops`); products
//! that are skipped (no gradient for data or frozen parameters) are not
//! counted. Elementwise work, reductions, the loss and the optimizer are
//! not counted: they are the overhead the ratio exposes. The sgemm
//! ceiling runs the dense-layer products of the same width (`x·Wᵀ`, `g·W`,
//! `gᵀ·x`, see `benches::model_gemm_shapes`), weighted by their FLOP.
//!
//! Timing: one thread (matrixmultiply is built without its `threading`
//! feature), 20 warm-up steps, then the best of `TRIALS` runs of `STEPS`
//! steps on the same batch (short runs, so that on a shared machine some
//! of them run undisturbed). The ceiling is the better of two measurements
//! taken before and after each width's steps, so a slow moment on a busy
//! machine does not flatter the ratio. `epoch s` is ms/step × 1875 (one
//! epoch of 60 000 images at batch 32, training steps only).
//!
//! `cargo bench -p benches --bench roofline [-- CONDITION... WIDTH...]`,
//! e.g. `-- inorm-full ei-ln 234 500`; default: five conditions at W = 234, 500.

use std::time::Instant;

use benches::{model_gemm_shapes, random_batch, sgemm_gflops, BATCH};
use einet::{Condition, Hyper, NetSpec, Trainer};

const STEPS: usize = 100;
const TRIALS: usize = 10;
const STEPS_PER_EPOCH: f64 = 60_000.0 / BATCH as f64;

/// Counted matmul FLOP per step and the best time per step (seconds).
fn time_steps(id: &str, width: usize, x: &[f32], y: &[usize]) -> (f64, f64) {
    let condition: Condition = id.parse().expect("built-in condition id");
    let mut t = Trainer::new(
        &NetSpec::paper(condition, width),
        &Hyper::paper(0.005, 0.0005, 0.1),
        1,
    );
    for _ in 0..20 {
        t.step(x, y); // warm the tape's buffers and the caches
    }
    let flops_before = t.matmul_flops();
    let mut best = f64::INFINITY;
    for _ in 0..TRIALS {
        let start = Instant::now();
        for _ in 0..STEPS {
            t.step(x, y);
        }
        best = best.min(start.elapsed().as_secs_f64() / STEPS as f64);
    }
    let per_step = (t.matmul_flops() - flops_before) as f64 / (TRIALS * STEPS) as f64;
    (per_step, best)
}

fn main() {
    let Some((ids, widths)) = benches::bench_args(&["ei", "ei-ln", "e-ln", "inorm", "inorm-full"]) else {
        return; // `cargo bench -- --list` asks benches for their names
    };
    let (x, y) = random_batch(BATCH, 1);
    println!(
        "{:<12} {:>5} {:>11} {:>9} {:>8} {:>8} {:>7} {:>8}",
        "condition", "W", "MFLOP/step", "ms/step", "GFLOP/s", "sgemm", "ratio", "epoch s"
    );
    for &width in &widths {
        let shapes = model_gemm_shapes(&[width]);
        let before = sgemm_gflops(&shapes, 50, 20);
        let rows: Vec<(&str, f64, f64)> = ids
            .iter()
            .map(String::as_str)
            .map(|id| {
                let (flops, secs) = time_steps(id, width, &x, &y);
                (id, flops, secs)
            })
            .collect();
        let ceiling = before.max(sgemm_gflops(&shapes, 50, 20));
        for (id, flops, secs) in rows {
            let gflops = flops / secs / 1e9;
            println!(
                "{id:<12} {width:>5} {:>11.1} {:>9.3} {gflops:>8.1} {ceiling:>8.1} {:>6.0}% {:>8.2}",
                flops / 1e6,
                secs * 1e3,
                100.0 * gflops / ceiling,
                secs * STEPS_PER_EPOCH
            );
        }
    }
}
