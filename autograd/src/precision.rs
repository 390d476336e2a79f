//! Precision emulation: IEEE half precision as PyTorch's CUDA autocast
//! applies it, on a CPU that computes in `f32`.
//!
//! Under [`Precision::F16Autocast`] and [`Precision::F16AutocastF32Bias`]
//! (they differ in one rule, the bias add) every node is either *half* or *f32*,
//! decided once, when it is pushed, by `output_is_half`. A half node's value
//! is rounded to the nearest half (ties to even, overflow to ±∞, subnormals
//! and NaN as IEEE binary16) and kept in an `f32`. Every op still computes
//! in `f32` from its (rounded) inputs, as a CUDA kernel on half tensors
//! computes in `float` and rounds on store. The rules follow the op lists
//! of `torch.autocast("cuda", torch.float16)`:
//!
//! | our op | precision of the output | why |
//! |---|---|---|
//! | `matmul`, `matmul_nt`, `matmul_tn` | half; inputs cast to half, products accumulated in `f32` | `matmul`/`mm`/`linear` are on the fp16 list |
//! | `add_row` (a layer's bias) | under `f16-autocast`, half if `a` is half (the bias is cast to half); under `f16-autocast-f32-bias`, f32 | `f16-autocast`: the bias add of `linear`/`addmm` (fp16 list); we round the product and the sum separately where `addmm` rounds once, at most one half ulp apart. `f16-autocast-f32-bias`: a half product plus an f32 bias parameter, added after the product as the paper's authors' layers do (`matmul(x, W.T) + b`), promotes to f32 |
//! | `square` | f32 | `pow` is on the fp32 list |
//! | `sum` | f32 | `sum` is on the fp32 list |
//! | `cross_entropy` | f32 | `cross_entropy`, `log_softmax` are on the fp32 list |
//! | `layer_norm` | f32 | `layer_norm` is on the fp32 list |
//! | `add`, `sub`, `mul`, `div`, `mul_col`, `div_col` | half if both inputs are half, else f32 | not listed: type promotion, f32 wins |
//! | `scale`, `add_scalar`, `relu`, `sqrt` | the input's | not listed; a Python scalar does not promote |
//! | `row_mean`, `row_var`, `mean` | the input's | `mean`, `var` are not listed (they accumulate in `f32` and round on store) |
//! | `detach`, custom nodes (normalize-error) | the input's | a view; a custom `autograd.Function` runs in its input's type (one that calls `layer_norm` inside, like `einet`'s detached layer norm, would return f32 on the GPU: not emulated) |
//! | data, parameters | f32 | parameters stay f32; a matmul casts its copy |
//!
//! **Gradients** have the precision of their tensor: a half node's gradient
//! is rounded to half before its backward rule reads it, and a matmul under
//! autocast rounds each gradient it produces (PyTorch's backward of a half
//! `mm` is a half `mm`) before adding it to its operand's, which stays `f32`
//! for a parameter. Gradients below half the smallest subnormal (2⁻²⁵ ≈
//! 3·10⁻⁸) become zero; there is no loss scaling, as in the runs emulated.
//! A hand-written backward computes in `f32` and rounds its result once.
//!
//! `docs/precision_vs_torch.py` runs this module's tests' cases under
//! `torch.autocast` and asserts the same results (it needs PyTorch).

use half::f16;
use half::slice::HalfFloatSliceExt;

use crate::op::Op;

named_enum! {
    /// The precision a tape records its ops in. See the module doc.
    #[derive(Default)]
    pub enum Precision, unknown: UnknownPrecision("precision") {
        /// Every value and gradient in `f32` (the default; nothing is rounded).
        #[default]
        F32 = "f32",
        /// Half precision where CUDA fp16 autocast would use it, without loss
        /// scaling; a layer's bias is added in half, as by `linear`/`addmm`.
        F16Autocast = "f16-autocast",
        /// As `F16Autocast`, but a layer's bias is added after the half
        /// product, in f32, so the layer's output is f32 (type promotion).
        F16AutocastF32Bias = "f16-autocast-f32-bias",
    }
}

impl Precision {
    pub fn is_f32(&self) -> bool {
        *self == Precision::F32
    }
}

/// Whether `op`, recorded under autocast (`precision` is not `F32`),
/// produces a half tensor, given which of its inputs (by position) are
/// half. The table above, as code.
pub(crate) fn output_is_half(precision: Precision, op: &Op, half: impl Fn(usize) -> bool) -> bool {
    match op {
        Op::MatMul { .. } => true,
        Op::Leaf | Op::Square | Op::Sum | Op::CrossEntropy { .. } | Op::LayerNorm => false,
        Op::Add | Op::Sub | Op::Mul | Op::Div | Op::MulCol | Op::DivCol => half(0) && half(1),
        Op::AddRow => precision == Precision::F16Autocast && half(0),
        Op::Scale(_) | Op::AddScalar | Op::Relu | Op::Sqrt => half(0),
        Op::RowMean | Op::RowVar | Op::Mean | Op::Detach | Op::Custom(_) => half(0),
    }
}

/// Rounds every entry to the nearest IEEE half, in place (through the
/// CPU's F16C conversions where it has them).
pub fn round_to_half(data: &mut [f32]) {
    let mut halves = [f16::ZERO; 256];
    for chunk in data.chunks_mut(halves.len()) {
        let halves = &mut halves[..chunk.len()];
        halves.convert_from_f32_slice(chunk);
        halves.convert_to_f32_slice(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Tape, Tensor};

    fn half(x: f32) -> f32 {
        f16::from_f32(x).to_f32()
    }

    #[test]
    fn representative_values_round_to_their_ieee_halves() {
        // (input, the nearest binary16, worked out by hand)
        let p2 = |e: i32| 2f32.powi(e);
        let cases = [
            (1.0, 1.0),
            (0.1, 1638.0 * p2(-14)),       // 0.1·2¹⁴ = 1638.4 rounds down
            (1.0 / 3.0, 1365.0 * p2(-12)), // 1365.33 rounds down
            (2049.0, 2048.0),              // halfway between 2048 and 2050: to even
            (2051.0, 2052.0),              // halfway between 2050 and 2052: to even
            (65_504.0, 65_504.0),          // the largest finite half
            (65_519.0, 65_504.0),          // below the midpoint to 2¹⁶: still finite
            (65_520.0, f32::INFINITY),     // the midpoint rounds to even: overflow
            (-1.0e5, f32::NEG_INFINITY),   // overflow keeps the sign
            (p2(-14), p2(-14)),            // the smallest normal
            (1.0e-5, 168.0 * p2(-24)),     // subnormal: 1e-5·2²⁴ = 167.77 rounds up
            (p2(-24), p2(-24)),            // the smallest subnormal
            (p2(-25), 0.0),                // halfway to zero: to even, zero
            (1.0e-8, 0.0),                 // underflow
        ];
        let mut values: Vec<f32> = cases.iter().map(|c| c.0).collect();
        round_to_half(&mut values);
        for ((input, want), got) in cases.iter().zip(&values) {
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{input:e} rounded to {got:e}, not {want:e}"
            );
            // The crate's scalar conversion (a separate code path) agrees.
            assert_eq!(got.to_bits(), f16::from_f32(*input).to_f32().to_bits());
        }
    }

    #[test]
    fn nan_stays_nan_and_long_slices_round_entry_by_entry() {
        let mut v: Vec<f32> = (0..1000).map(|i| i as f32 * 0.013 - 3.0).collect();
        v[517] = f32::NAN;
        let want: Vec<f32> = v.iter().map(|&x| f16::from_f32(x).to_f32()).collect();
        round_to_half(&mut v);
        assert!(v[517].is_nan());
        for (i, (g, w)) in v.iter().zip(&want).enumerate().filter(|(i, _)| *i != 517) {
            assert_eq!(g.to_bits(), w.to_bits(), "entry {i}");
        }
    }

    #[test]
    fn names_round_trip_and_an_unknown_one_lists_the_valid_ones() {
        for p in Precision::ALL {
            assert_eq!(p.name().parse::<Precision>(), Ok(p));
        }
        let err = "f16".parse::<Precision>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown precision 'f16' (valid: f32, f16-autocast, f16-autocast-f32-bias)"
        );
    }

    #[test]
    fn a_large_matmul_output_overflows_to_infinity_and_zero_times_it_is_nan() {
        // 4 · 200 · 100 = 80 000 > 65 504, the largest half.
        for precision in Precision::ALL {
            let mut tape = Tape::new();
            tape.set_precision(precision);
            let x = tape.input(1, 4, &[200.0; 4]);
            let w = tape.param(&Tensor::filled(1, 4, 100.0));
            let y = tape.matmul_nt(x, w);
            let zero = tape.constant(&Tensor::zeros(1, 1));
            let product = tape.mul(y, zero);
            let (y, product) = (tape.value(y).data()[0], tape.value(product).data()[0]);
            match precision {
                Precision::F32 => assert_eq!((y, product), (80_000.0, 0.0)),
                _ => assert!(y == f32::INFINITY && product.is_nan()),
            }
        }
    }

    #[test]
    fn each_op_gets_the_precision_of_the_autocast_lists() {
        let mut tape = Tape::new();
        tape.set_precision(Precision::F16Autocast);
        let x = tape.input(2, 3, &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
        let w = tape.param(&Tensor::filled(3, 3, 0.1));
        let h = tape.matmul_nt(x, w); // fp16 list
        let relu = tape.relu(h); // keeps half
        let mixed = tape.add(relu, x); // half + f32 promotes
        let both = tape.sub(relu, h); // half − half
        let sq = tape.square(h); // pow: fp32 list
        let mean = tape.row_mean(h); // not listed: keeps half
        let ln = tape.layer_norm(h, crate::LN_EPS); // fp32 list
        let total = tape.sum(h); // fp32 list
        let loss = tape.cross_entropy(h, &[0, 2], 0.1); // fp32 list
        let is_half = |v| tape.is_half(v);
        assert!(!is_half(x) && !is_half(w), "data and parameters stay f32");
        assert!(is_half(h) && is_half(relu) && is_half(both) && is_half(mean));
        assert!(!is_half(mixed) && !is_half(sq) && !is_half(ln) && !is_half(total) && !is_half(loss));
        // Half values are exact halves; the matmul read 0.1 as its half, 1638·2⁻¹⁴.
        let row0 = half(half(0.1) * half(0.1) + half(0.2) * half(0.1) + half(0.3) * half(0.1));
        assert_eq!(tape.value(h).data()[0], row0);
        assert!(tape.value(h).data().iter().all(|&v| v == half(v)));
    }

    #[test]
    fn a_bias_added_after_the_product_is_half_under_addmm_rules_and_f32_when_promoted() {
        // y = x·Wᵀ + b, then relu and a half inhibition subtracted, as in a layer.
        let (x, b) = ([0.1f32, 0.2, 0.3], [1.0e-4f32, -0.3]);
        for precision in [Precision::F16Autocast, Precision::F16AutocastF32Bias] {
            let mut tape = Tape::new();
            tape.set_precision(precision);
            let xv = tape.input(1, 3, &x);
            let w = tape.param(&Tensor::filled(2, 3, 0.1));
            let bv = tape.param(&Tensor::from_vec(1, 2, b.to_vec()));
            let h = tape.matmul_nt(xv, w);
            let y = tape.add_row(h, bv);
            let inh = tape.matmul_nt(xv, w);
            let z = tape.sub(y, inh);
            let a = tape.relu(z);
            let loss = tape.sum(a);
            tape.backward(loss);
            let product = half(half(0.1) * half(0.1) + half(0.2) * half(0.1) + half(0.3) * half(0.1));
            assert_eq!(tape.value(h).data()[0], product, "the product is half either way");
            let promoted = precision == Precision::F16AutocastF32Bias;
            assert_eq!(tape.is_half(y), !promoted, "{precision}");
            assert_eq!(tape.is_half(z) || tape.is_half(a), !promoted, "{precision}");
            let sum = product + b[0];
            let want = if promoted { sum } else { half(sum) };
            assert_eq!(tape.value(y).data()[0], want, "{precision}");
            // z = (h + b) − inh: b to f32 precision when promoted, a step of
            // the half grid near h (7.6·10⁻⁶ apart) otherwise.
            let z0 = tape.value(z).data()[0];
            if promoted {
                assert_eq!(z0, sum - product);
                assert!((z0 - b[0]).abs() < 1e-8);
            } else {
                assert_eq!(z0, half(half(sum) - product));
                assert!((z0 - b[0]).abs() > 1e-6, "half loses b's digits");
            }
            // Either way the bias's gradient is relu's step, 1 where z > 0, and the
            // half product's gradient is rounded to half.
            let grad_b = tape.grad(bv).expect("b is a parameter").data();
            assert_eq!(grad_b, &[1.0, 0.0]);
            assert!(tape.grad(h).expect("h").data().iter().all(|&g| g == half(g)));
        }
    }

    #[test]
    fn the_gradient_of_a_half_tensor_is_rounded_and_a_matmul_rounds_what_it_sends() {
        // L = Σ (x·Wᵀ) ⊙ r with one sample: ∂L/∂y = r, rounded to half because y
        // is half; ∂L/∂W_jk = half(half(r_j) · half(x_k)), rounded by the matmul.
        let x = [0.1f32, -0.7, 3.3];
        let r = [0.3f32, 1.0e-3, -2.2, 7.1];
        let mut tape = Tape::new();
        tape.set_precision(Precision::F16Autocast);
        let xv = tape.input(1, 3, &x);
        let w = tape.param(&Tensor::filled(4, 3, 0.25));
        let y = tape.matmul_nt(xv, w);
        let rv = tape.constant(&Tensor::from_vec(1, 4, r.to_vec()));
        let weighted = tape.mul(y, rv);
        let loss = tape.sum(weighted);
        tape.backward(loss);
        let grad_y: Vec<f32> = r.iter().map(|&v| half(v)).collect();
        assert_eq!(tape.grad(y).map(Tensor::data), Some(&grad_y[..]));
        let grad_w = tape.grad(w).expect("w is a parameter");
        for j in 0..4 {
            for k in 0..3 {
                assert_eq!(grad_w.get(j, k), half(half(r[j]) * half(x[k])), "({j}, {k})");
            }
        }
        assert_ne!(
            grad_w.get(1, 0),
            r[1] * x[0],
            "f32 would keep the unrounded product"
        );
    }

    #[test]
    fn gradients_below_half_the_smallest_subnormal_vanish() {
        // L = Σ 1e−8·relu(x·Wᵀ): ∂L/∂relu = 1e−8 rounds to zero in half, so W
        // learns nothing; in f32 it gets 1e−8·x.
        for precision in Precision::ALL {
            let mut tape = Tape::new();
            tape.set_precision(precision);
            let x = tape.input(1, 2, &[1.0, 2.0]);
            let w = tape.param(&Tensor::filled(3, 2, 0.5));
            let y = tape.matmul_nt(x, w);
            let a = tape.relu(y);
            let small = tape.scale(a, 1.0e-8);
            let loss = tape.sum(small);
            tape.backward(loss);
            let grad_w = tape.grad(w).expect("w is a parameter").data();
            match precision {
                Precision::F32 => assert_eq!(grad_w[1], 2.0e-8),
                _ => assert!(grad_w.iter().all(|&g| g == 0.0)),
            }
        }
    }

    #[test]
    fn half_gradients_agree_with_f32_to_half_precision() {
        // A divisively normalized layer and a loss, in both precisions.
        let x = crate::seeded_positive(4, 6, 1);
        let w = crate::seeded(5, 6, 2);
        let grads: Vec<Tensor> = Precision::ALL
            .iter()
            .map(|&precision| {
                let mut tape = Tape::new();
                tape.set_precision(precision);
                let xv = tape.constant(&x);
                let wv = tape.param(&w);
                let h = tape.matmul_nt(xv, wv);
                let sq = tape.square(h);
                let ms = tape.row_mean(sq);
                let d = tape.sqrt(ms);
                let z = tape.div_col(h, d);
                let a = tape.relu(z);
                let loss = tape.cross_entropy(a, &[0, 1, 2, 4], 0.1);
                tape.backward(loss);
                tape.grad(wv).expect("w is a parameter").clone()
            })
            .collect();
        let scale = grads[0].data().iter().fold(0.0f32, |m, g| m.max(g.abs()));
        for (g32, g16) in grads[0].data().iter().zip(grads[1].data()) {
            assert!((g32 - g16).abs() <= 1e-2 * scale, "{g32} vs {g16}");
        }
        assert_ne!(grads[0], grads[1], "the half run rounds");
    }

    #[test]
    fn f32_records_nothing_as_half() {
        let mut tape = Tape::new();
        let x = tape.input(1, 2, &[0.1, 0.2]);
        let w = tape.param(&Tensor::filled(1, 2, 0.3));
        let yv = tape.matmul_nt(x, w);
        let y = tape.value(yv).data()[0];
        assert!(!tape.is_half(yv) && (y - 0.09).abs() < 1e-7 && y != half(y));
    }
}
