//! Loops compiled for the CPU's widest vectors, chosen at run time.
//!
//! The workspace is built for baseline x86-64, whose vectors hold 4 `f32`.
//! [`vectorized`] calls a closure from a function compiled for AVX-512 (16
//! lanes) or AVX2 (8) when the CPU has them, so the loops inlined into it
//! use them. The results are bit for bit those of a plain call: Rust never
//! reorders or fuses floating-point operations, whatever the width.

use crate::Kernel;

/// Calls `work` from a function compiled for the CPU's widest vectors.
/// Only code inlined into it is compiled wide, so mark the closure (and
/// any function it calls for its loop) `#[inline(always)]`.
#[inline(always)]
pub fn vectorized<R>(work: impl FnOnce() -> R) -> R {
    match Kernel::supported().next() {
        Some(kernel) => with(kernel, work),
        None => work(),
    }
}

/// Calls `work` from the function compiled for `kernel`'s extension.
#[inline(always)]
#[allow(unsafe_code)]
fn with<R>(kernel: Kernel, work: impl FnOnce() -> R) -> R {
    assert!(
        kernel.is_supported(),
        "the {kernel:?} extension on a CPU without it"
    );
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the CPU has the features the function is compiled for, checked just above.
    unsafe {
        match kernel {
            Kernel::Avx512 => avx512(work),
            Kernel::Avx2 => avx2(work),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    work()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn avx512<R>(work: impl FnOnce() -> R) -> R {
    work()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2<R>(work: impl FnOnce() -> R) -> R {
    work()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A projected gradient step with a divisive and a square-root term and a
    /// running sum: each kind of operation a vectorized loop might change.
    #[inline(always)]
    fn step(p: &mut [f32], g: &[f32]) -> f32 {
        let mut sum = 0.0;
        for (p, &g) in p.iter_mut().zip(g) {
            *p -= 0.37 * g / (1.0 + g * g).sqrt();
            *p = 0.1f32.mul_add(*p, *p).max(0.0);
            sum += *p;
        }
        sum
    }

    #[test]
    fn vectorized_loops_give_the_plain_loops_bits() {
        let special = [
            f32::NAN,
            f32::INFINITY,
            -f32::INFINITY,
            -0.0,
            1e-40,
            -1e-40,
            f32::MAX,
        ];
        let g: Vec<f32> = (0..1000)
            .map(|i| {
                special
                    .get(i / 100)
                    .copied()
                    .unwrap_or((i as f32 * 0.7).sin() * 1e3)
            })
            .collect();
        let start: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.3).cos()).collect();
        let mut plain = start.clone();
        let plain_sum = step(&mut plain, &g);
        for kernel in Kernel::supported() {
            let mut wide = start.clone();
            let wide_sum = with(
                kernel,
                #[inline(always)]
                || step(&mut wide, &g),
            );
            assert_eq!(plain_sum.to_bits(), wide_sum.to_bits(), "{kernel:?}");
            let same = plain.iter().zip(&wide).all(|(p, w)| p.to_bits() == w.to_bits());
            assert!(same, "{kernel:?}");
        }
    }
}
