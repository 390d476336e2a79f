//! The roofline report: for each training step, its counted matmul FLOP,
//! its time, the GFLOP/s it achieves, and the ratio to sgemm measured in
//! this same process at the same layer shapes.
//!
//! FLOP counting: the tape counts `2·m·k·n` for every matrix product it
//! runs, forward and backward (`autograd::Tape::matmul_flops`). Elementwise
//! work, reductions and the optimizer are not counted: they are the
//! overhead the ratio exposes.
//!
//! `cargo bench -p benches --bench roofline`

use std::time::Instant;

use benches::{model_gemm_shapes, random_batch, sgemm_gflops, BATCH};
use einet::{Condition, Hyper, NetSpec, Trainer};

const STEPS: usize = 300;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` asks benches for their names
    }
    let (x, y) = random_batch(BATCH, 1);
    println!(
        "{:<12} {:>5} {:>11} {:>10} {:>10} {:>10} {:>7}",
        "condition", "W", "MFLOP/step", "ms/step", "GFLOP/s", "sgemm", "ratio"
    );
    for width in [234, 500] {
        let ceiling = sgemm_gflops(&model_gemm_shapes(&[width]), 200, 5);
        for id in ["ei", "ei-ln", "e-ln", "inorm", "inorm-full"] {
            let condition: Condition = id.parse().expect("built-in condition id");
            let mut t = Trainer::new(
                &NetSpec::paper(condition, width),
                &Hyper::paper(0.005, 0.0005, 0.1),
                1,
            );
            for _ in 0..20 {
                t.step(&x, &y); // warm the tape's buffers
            }
            let flops_before = t.matmul_flops();
            let mut best = f64::INFINITY;
            for _ in 0..3 {
                let start = Instant::now();
                for _ in 0..STEPS {
                    t.step(&x, &y);
                }
                best = best.min(start.elapsed().as_secs_f64() / STEPS as f64);
            }
            let per_step = (t.matmul_flops() - flops_before) as f64 / (3 * STEPS) as f64;
            let gflops = per_step / best / 1e9;
            println!(
                "{id:<12} {width:>5} {:>11.1} {:>10.3} {gflops:>10.1} {ceiling:>10.1} {:>6.0}%",
                per_step / 1e6,
                best * 1e3,
                100.0 * gflops / ceiling
            );
        }
    }
}
