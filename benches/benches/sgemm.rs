//! sgemm at the model's shapes: the machine's own ceiling for a training step.
//!
//! `cargo bench -p benches --bench sgemm`

use autograd::{gemm, seeded, Tensor};
use benches::model_gemm_shapes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn sgemm(c: &mut Criterion) {
    let mut group = c.benchmark_group("sgemm");
    for shape in model_gemm_shapes(&[234, 500]) {
        let (a, b) = (
            seeded(shape.a_rows(), shape.a_cols(), 1),
            seeded(shape.b_rows(), shape.b_cols(), 2),
        );
        let mut out = Tensor::zeros(shape.m, shape.n);
        group.throughput(Throughput::Elements(shape.flops()));
        group.bench_function(shape.to_string(), |bench| {
            bench.iter(|| gemm(1.0, &a, shape.trans_a, &b, shape.trans_b, 0.0, &mut out))
        });
    }
    group.finish();
}

criterion_group!(benches, sgemm);
criterion_main!(benches);
