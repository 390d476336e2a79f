//! One training step (batch 32) per condition and width, and evaluation
//! throughput (forward only).
//!
//! `cargo bench -p benches --bench train_step`

use benches::{random_batch, BATCH, N_IN};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use einet::{Condition, Hyper, NetSpec, Trainer};

const CONDITIONS: [&str; 5] = ["ei", "ei-ln", "e-ln", "inorm", "inorm-full"];

fn trainer(id: &str, width: usize) -> Trainer {
    let condition: Condition = id.parse().expect("built-in condition id");
    Trainer::new(
        &NetSpec::paper(condition, width),
        &Hyper::paper(0.005, 0.0005, 0.1),
        1,
    )
}

fn train_step(c: &mut Criterion) {
    let (x, y) = random_batch(BATCH, 1);
    let mut group = c.benchmark_group("train_step");
    for width in [234, 500] {
        for id in CONDITIONS {
            let mut t = trainer(id, width);
            group.bench_function(format!("{id}/W{width}"), |bench| bench.iter(|| t.step(&x, &y)));
        }
    }
    group.finish();
}

fn evaluate(c: &mut Criterion) {
    let rows = 1000;
    let (x, y) = random_batch(rows, 2);
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(rows as u64));
    for id in CONDITIONS {
        let mut t = trainer(id, 500);
        group.bench_function(format!("{id}/W500 images"), |bench| {
            bench.iter(|| t.evaluate(&x[..rows * N_IN], &y[..rows]))
        });
    }
    group.finish();
}

criterion_group!(benches, train_step, evaluate);
criterion_main!(benches);
