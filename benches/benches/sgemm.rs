//! Matrix products at the model's shapes: `sgemm` (matrixmultiply alone,
//! the machine's ceiling for a training step) beside `gemm` (what a step
//! runs: its products through a weight go to autograd's own kernel, bit
//! for bit the same as sgemm's), for a training batch and, last, for an
//! evaluation pass of 500 rows.
//!
//! `cargo bench -p benches --bench sgemm`

use autograd::{gemm, seeded, sgemm, Tensor};
use benches::{first_gemm_shapes, model_gemm_shapes, GemmShape};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use experiments::run::train::EVAL_BATCH;

type Product = fn(f32, &Tensor, bool, &Tensor, bool, f32, &mut Tensor);

fn products(c: &mut Criterion) {
    let mut shapes = Vec::new();
    // A transposed weight operand, as in the error a step sends back, `g·Wᵀ`, last.
    let transposed = first_gemm_shapes(&[234, 500]).into_iter().filter(|s| s.trans_b);
    let evaluation = [(784, 234), (234, 234), (784, 500), (500, 500)].map(|(k, n)| GemmShape {
        m: EVAL_BATCH,
        k,
        n,
        trans_a: false,
        trans_b: false,
    });
    for shape in model_gemm_shapes(&[234, 500])
        .into_iter()
        .chain(transposed)
        .chain(evaluation)
    {
        if !shapes.contains(&shape) {
            shapes.push(shape); // a square layer's x·W and g·Wᵀ have one shape
        }
    }
    for (name, product) in [("sgemm", sgemm as Product), ("gemm", gemm)] {
        let mut group = c.benchmark_group(name);
        for shape in &shapes {
            let (a, b) = (
                seeded(shape.a_rows(), shape.a_cols(), 1),
                seeded(shape.b_rows(), shape.b_cols(), 2),
            );
            let mut out = Tensor::zeros(shape.m, shape.n);
            group.throughput(Throughput::Elements(shape.flops()));
            group.bench_function(shape.to_string(), |bench| {
                bench.iter(|| product(1.0, &a, shape.trans_a, &b, shape.trans_b, 0.0, &mut out))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, products);
criterion_main!(benches);
