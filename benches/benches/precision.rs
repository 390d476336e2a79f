//! The cost of emulated fp16 autocast: ms per training step in f32 and in
//! `f16-autocast` for the same network and batch, and their ratio.
//!
//! The two trainers take turns, `TRIALS` times `STEPS` steps each, and each
//! keeps its best turn, so a slow moment on a shared machine touches both
//! alike and the ratio compares like with like.
//!
//! `cargo bench -p benches --bench precision [-- CONDITION... WIDTH...]`;
//! default: inorm-scale, inorm-full, ei at W = 234, 500.

use std::time::Instant;

use autograd::Precision;
use benches::{random_batch, BATCH};
use einet::{Condition, Hyper, NetSpec, Trainer};

const STEPS: usize = 50;
const TRIALS: usize = 6;

fn trainer(condition: Condition, width: usize, precision: Precision, x: &[f32], y: &[usize]) -> Trainer {
    let mut t = Trainer::new(
        &NetSpec::paper(condition, width),
        &Hyper::paper(0.005, 0.0005, 0.1),
        1,
    );
    t.set_precision(precision);
    for _ in 0..10 {
        t.step(x, y); // warm the tape's buffers and the caches
    }
    t
}

/// Seconds per step of `t`'s best turn so far, updated by one more turn.
fn turn(t: &mut Trainer, best: &mut f64, x: &[f32], y: &[usize]) {
    let start = Instant::now();
    for _ in 0..STEPS {
        t.step(x, y);
    }
    *best = best.min(start.elapsed().as_secs_f64() / STEPS as f64);
}

fn main() {
    let Some((ids, widths)) = benches::bench_args(&["inorm-scale", "inorm-full", "ei"]) else {
        return; // `cargo bench -- --list` asks benches for their names
    };
    let (x, y) = random_batch(BATCH, 1);
    println!(
        "{:<12} {:>5} {:>11} {:>11} {:>7}",
        "condition", "W", "f32 ms", "f16 ms", "ratio"
    );
    for &width in &widths {
        for id in ids.iter().map(String::as_str) {
            let condition: Condition = id.parse().expect("built-in condition id");
            let mut f32_run = trainer(condition, width, Precision::F32, &x, &y);
            let mut f16_run = trainer(condition, width, Precision::F16Autocast, &x, &y);
            let (mut f32_best, mut f16_best) = (f64::INFINITY, f64::INFINITY);
            for _ in 0..TRIALS {
                turn(&mut f32_run, &mut f32_best, &x, &y);
                turn(&mut f16_run, &mut f16_best, &x, &y);
            }
            println!(
                "{id:<12} {width:>5} {:>11.3} {:>11.3} {:>6.2}x",
                f32_best * 1e3,
                f16_best * 1e3,
                f16_best / f32_best
            );
        }
    }
}
