//! Each op's forward + backward at the model's shapes (batch 32, width 500),
//! the normalize-error node in every mode, and the optimizer's update of
//! the largest weight (`W_ex` of the first layer, 500 × 784).
//!
//! `cargo bench -p benches --bench ops`

use std::sync::Arc;

use autograd::{seeded, seeded_positive, ErrorMode, NormalizeError, Tape, Var, LN_EPS};
use benches::{BATCH, N_IN};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use einet::{Group, Hyper, Param, Trained};

const W: usize = 500;

/// Times forward + backward of `f` on a reused tape; `Σ out` is the loss.
fn bench_op(
    c: &mut Criterion,
    name: &str,
    inputs: &[autograd::Tensor],
    f: impl Fn(&mut Tape, &[Var]) -> Var,
) {
    let mut tape = Tape::new();
    c.bench_function(name, |bench| {
        bench.iter(|| {
            tape.clear();
            let vars: Vec<Var> = inputs.iter().map(|t| tape.param(t)).collect();
            let out = f(&mut tape, &vars);
            let loss = tape.sum(out);
            tape.backward(loss);
        })
    });
}

fn ops(c: &mut Criterion) {
    let x = seeded(BATCH, N_IN, 1);
    let h = seeded(BATCH, W, 2);
    bench_op(
        c,
        "matmul_nt 32x784 @ 500x784ᵀ",
        &[x.clone(), seeded(W, N_IN, 3)],
        |t, v| t.matmul_nt(v[0], v[1]),
    );
    bench_op(
        c,
        "matmul 32x500 @ 500x500",
        &[h.clone(), seeded(W, W, 4)],
        |t, v| t.matmul(v[0], v[1]),
    );
    bench_op(c, "add_row 32x500", &[h.clone(), seeded(1, W, 5)], |t, v| {
        t.add_row(v[0], v[1])
    });
    bench_op(
        c,
        "div_col 32x500",
        &[h.clone(), seeded_positive(BATCH, 1, 6)],
        |t, v| t.div_col(v[0], v[1]),
    );
    bench_op(c, "sub 32x500", &[h.clone(), seeded(BATCH, W, 7)], |t, v| {
        t.sub(v[0], v[1])
    });
    bench_op(c, "relu 32x500", std::slice::from_ref(&h), |t, v| t.relu(v[0]));
    bench_op(c, "square 32x500", std::slice::from_ref(&h), |t, v| {
        t.square(v[0])
    });
    bench_op(c, "sqrt 32x500", &[seeded_positive(BATCH, W, 8)], |t, v| {
        t.sqrt(v[0])
    });
    bench_op(c, "row_var 32x500", std::slice::from_ref(&h), |t, v| {
        t.row_var(v[0])
    });
    bench_op(c, "layer_norm 32x500", std::slice::from_ref(&h), |t, v| {
        t.layer_norm(v[0], LN_EPS)
    });
    let labels: Vec<usize> = (0..BATCH).map(|i| i % 10).collect();
    bench_op(c, "cross_entropy 32x10", &[seeded(BATCH, 10, 9)], |t, v| {
        t.cross_entropy(v[0], &labels, 0.1)
    });
    for mode in ErrorMode::ALL {
        let node = Arc::new(match mode {
            ErrorMode::Lateral => NormalizeError::lateral(vec![1.0 / W as f32; W]),
            _ => NormalizeError::new(mode),
        });
        bench_op(
            c,
            &format!("normalize_error {mode} 32x500"),
            std::slice::from_ref(&h),
            |t, v| t.normalize_error(v[0], &node),
        );
    }
}

/// One projected SGD step, the paper's (`W_ex` is clamped at 0). Its
/// throughput counts the bytes it moves: the value read and written, the
/// gradient read.
fn update(c: &mut Criterion) {
    let hyper = Hyper::paper(0.005, 0.0005, 0.1);
    let mut w = Param::new(seeded_positive(W, N_IN, 10), Group::Ex, Trained::Task);
    let grad = seeded(W, N_IN, 11);
    let mut group = c.benchmark_group("update");
    group.throughput(Throughput::Bytes(12 * grad.len() as u64));
    group.bench_function("W_ex 500x784", |bench| bench.iter(|| hyper.update(&mut w, &grad)));
    group.finish();
}

criterion_group!(benches, ops, update);
criterion_main!(benches);
