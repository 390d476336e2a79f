//! A seeded stand-in for the real files: small, instant, and learnable.
//!
//! Class `c` is a bar through the centre at angle `36°·(c mod 5)` plus a blob in
//! the top-left (`c < 5`) or bottom-right (`c ≥ 5`) corner. Each sample shifts
//! its class prototype by up to 2 pixels each way, scales its contrast by
//! `U(0.6, 1)` and adds background noise, so a model has to generalize a little
//! but a small MLP (or even a linear model) learns it within a few hundred steps.
//! The prototypes are the same for every seed: a training set and a test set
//! drawn with different seeds share their classes.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{IMAGE_SIDE, N_CLASSES};

const MAX_SHIFT: i32 = 4;
const NOISE: f32 = 100.0;

/// `n` images (row-major `n × 784`) and their labels.
pub(crate) fn generate(n: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let prototypes: Vec<Vec<f32>> = (0..N_CLASSES).map(prototype).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let side = IMAGE_SIDE as i32;
    let mut images = Vec::with_capacity(n * IMAGE_SIDE * IMAGE_SIDE);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let label = rng.gen_range(0..N_CLASSES);
        let (dx, dy) = (
            rng.gen_range(-MAX_SHIFT..=MAX_SHIFT),
            rng.gen_range(-MAX_SHIFT..=MAX_SHIFT),
        );
        let contrast: f32 = rng.gen_range(0.4..1.0);
        let proto = &prototypes[label];
        for r in 0..side {
            for c in 0..side {
                let (sr, sc) = (r - dy, c - dx);
                let inside = (0..side).contains(&sr) && (0..side).contains(&sc);
                let ink = if inside {
                    proto[(sr * side + sc) as usize]
                } else {
                    0.0
                };
                let v = contrast * ink + rng.gen_range(0.0..NOISE);
                images.push(v.clamp(0.0, 255.0) as u8);
            }
        }
        labels.push(label as u8);
    }
    (images, labels)
}

/// Class `class`'s noiseless image, intensities in `[0, 255]`.
fn prototype(class: usize) -> Vec<f32> {
    let centre = (IMAGE_SIDE as f32 - 1.0) / 2.0;
    let angle = (class % 5) as f32 * 36f32.to_radians();
    let (dir_x, dir_y) = (angle.cos(), angle.sin());
    let blob = if class < 5 { 5.0 } else { 22.0 };
    let mut img = Vec::with_capacity(IMAGE_SIDE * IMAGE_SIDE);
    for r in 0..IMAGE_SIDE {
        for c in 0..IMAGE_SIDE {
            let (x, y) = (c as f32 - centre, r as f32 - centre);
            // Distance to the bar: perpendicular inside its half-length 9,
            // to the nearer end beyond it.
            let along = (x * dir_x + y * dir_y).clamp(-9.0, 9.0);
            let bar = (x - along * dir_x).hypot(y - along * dir_y);
            let spot = (c as f32 - blob).hypot(r as f32 - blob);
            let ink = (-bar * bar / 4.0).exp() + (-spot * spot / 6.0).exp();
            img.push(255.0 * ink.min(1.0));
        }
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        assert_eq!(generate(20, 1), generate(20, 1));
        assert_ne!(generate(20, 1).0, generate(20, 2).0);
    }

    #[test]
    fn every_class_appears() {
        let (_, labels) = generate(500, 3);
        for c in 0..N_CLASSES as u8 {
            assert!(labels.contains(&c), "class {c} missing");
        }
    }

    #[test]
    fn prototypes_differ_between_every_pair_of_classes() {
        let protos: Vec<Vec<f32>> = (0..N_CLASSES).map(prototype).collect();
        for a in 0..N_CLASSES {
            for b in a + 1..N_CLASSES {
                let dist: f32 = protos[a].iter().zip(&protos[b]).map(|(x, y)| (x - y).abs()).sum();
                // A 28×28 image with a bar and a blob holds ~ 20 000 of ink.
                assert!(dist > 3_000.0, "classes {a} and {b} too alike: {dist}");
            }
        }
    }
}
