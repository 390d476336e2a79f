//! What a grid costs before it runs: about 2.2 s per epoch of 60 000 images
//! per core for an E-I network of width 250, twice that for I-Norm (about 1 s
//! more to initialize it: the SVD), scaled by the work per image
//! (`784·W + W² + 10·W` multiply-adds for `784 → W → W → 10`). Fitted to the
//! 50-epoch `central` runs of configuration 2 (W = 282) trained two at a
//! time on the 2-core development machine with nothing else running:
//! `e-ln` 137–145 s, `inorm` and `inorm-full` 232–276 s per run.
//! An emulated fp16 training step costs about twice an f32 one for I-Norm
//! and 1.6 times for the other conditions (`cargo bench -p benches --bench
//! precision -- e-ln inorm-full ei 234 500`: 1.8–2.2× for `inorm-full`,
//! 1.4–1.9× for `e-ln` and `ei`); `ln-precision`'s fp16 LN+ runs took
//! 0.69–1.02× of this estimate.

use einet::Condition;

use crate::plan::{
    DataSpec, DatasetChoice, GridSpec, PrecisionChoice, RunSpec, SYNTHETIC_TEST, SYNTHETIC_TRAIN,
};

/// Seconds for one epoch of 60 000 images, one core, E-I, W = 250.
pub const SECONDS_PER_EPOCH: f64 = 2.2;
const FULL_TRAIN: f64 = 60_000.0;

/// A forward pass costs about a third of a training step.
const FORWARD_SHARE: f64 = 1.0 / 3.0;

/// Relative cost of a condition's hidden layers.
pub fn condition_factor(c: Condition) -> f64 {
    match c {
        Condition::INorm(_) => 2.0,
        _ => 1.0,
    }
}

/// Relative cost of a training step of `c` in `p` (evaluation runs in f32).
fn precision_factor(p: PrecisionChoice, c: Condition) -> f64 {
    match (p, c) {
        (PrecisionChoice::F32, _) => 1.0,
        (_, Condition::INorm(_)) => 2.0,
        _ => 1.6,
    }
}

/// Seconds to build a run's network (the I-Norm SVD) at width 250.
fn init_seconds(c: Condition) -> f64 {
    match c {
        Condition::INorm(_) => 1.0,
        _ => 0.0,
    }
}

/// Work per image relative to width 250.
pub fn width_factor(width: usize) -> f64 {
    let w = width as f64;
    let work = |w: f64| 784.0 * w + w * w + 10.0 * w;
    work(w) / work(250.0)
}

/// (training, test) images a run sees per epoch.
pub fn sizes(d: &DataSpec) -> (f64, f64) {
    let (train, test) = match d.dataset {
        DatasetChoice::Synthetic => (SYNTHETIC_TRAIN, SYNTHETIC_TEST),
        _ => (60_000, 10_000),
    };
    let train = d.train_subset.unwrap_or(train).saturating_sub(d.val_size);
    let test = d.test_subset.unwrap_or(test) + d.val_size;
    (train as f64, test as f64)
}

/// Estimated single-core seconds of one run.
pub fn run_seconds(r: &RunSpec) -> f64 {
    let (train, test) = sizes(&r.data);
    let per_image =
        SECONDS_PER_EPOCH / FULL_TRAIN * condition_factor(r.condition) * width_factor(r.hyper.width);
    let epoch = per_image * (train * precision_factor(r.precision, r.condition) + FORWARD_SHARE * test);
    let offsets = per_image * FORWARD_SHARE * test * r.eval_offsets.len() as f64;
    epoch * r.epochs as f64 + offsets + init_seconds(r.condition) * width_factor(r.hyper.width)
}

/// Estimated wall seconds of a set of runs on `cores` cores.
pub fn wall_seconds(runs: &[RunSpec], cores: usize) -> f64 {
    runs.iter().map(run_seconds).sum::<f64>() / cores.max(1) as f64
}

/// How long finished runs took against their estimates, `Σ took / Σ estimated`
/// over `(run, wall seconds)` pairs, and how many there were (`None` for
/// none): the estimate's constants come from one machine, and this scales
/// them to the one that ran the runs.
pub fn pace<'a>(finished: impl IntoIterator<Item = (&'a RunSpec, f64)>) -> Option<(f64, usize)> {
    let (mut took, mut estimated, mut n) = (0.0, 0.0, 0);
    for (run, seconds) in finished {
        took += seconds;
        estimated += run_seconds(run);
        n += 1;
    }
    (n > 0 && estimated > 0.0).then(|| (took / estimated, n))
}

/// Estimated wall seconds of a whole grid on `cores` cores.
pub fn grid_seconds(g: &GridSpec, cores: usize) -> f64 {
    wall_seconds(&g.runs(), cores)
}

/// `1 run`, `2 runs`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `1 h 05 min`, `12 min`, `40 s`.
pub fn human(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..=89 => format!("{s} s"),
        90..=5399 => format!("{} min", (s + 30) / 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600 + 30) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::presets;

    #[test]
    fn quick_preset_fits_thirty_minutes_on_two_cores() {
        let s = grid_seconds(&presets::get("quick").unwrap(), 2);
        assert!(s < 30.0 * 60.0, "{}", human(s));
        assert!(s > 10.0 * 60.0, "{}", human(s));
    }

    #[test]
    fn pace_is_the_time_taken_over_the_time_estimated() {
        let runs = presets::get("central").unwrap().runs();
        let (a, b) = (&runs[0], &runs[100]);
        let (ea, eb) = (run_seconds(a), run_seconds(b));
        assert!(ea != eb);
        // Both twice as slow as estimated: pace 2, whatever their lengths.
        let (slow, n) = pace([(a, 2.0 * ea), (b, 2.0 * eb)]).unwrap();
        assert_eq!(n, 2);
        assert!((slow - 2.0).abs() < 1e-12, "{slow}");
        // Weighted by the estimates: a long run counts for more.
        let (mixed, _) = pace([(a, ea), (b, 3.0 * eb)]).unwrap();
        assert!((mixed - (ea + 3.0 * eb) / (ea + eb)).abs() < 1e-12, "{mixed}");
        assert_eq!(pace([]), None);
    }

    #[test]
    fn smoke_preset_takes_seconds() {
        assert!(grid_seconds(&presets::get("smoke").unwrap(), 2) < 5.0);
    }

    #[test]
    fn fp16_training_costs_twice_for_inorm_and_1_6_times_otherwise() {
        let runs = presets::get("central").unwrap().runs();
        for r in runs.iter().filter(|r| r.eps == 0.0) {
            let f16 = RunSpec {
                precision: PrecisionChoice::F16Autocast,
                ..r.clone()
            };
            // Only the training steps scale; evaluation and initialization do not.
            let (train, _) = sizes(&r.data);
            let steps = SECONDS_PER_EPOCH / FULL_TRAIN
                * condition_factor(r.condition)
                * width_factor(r.hyper.width)
                * train
                * r.epochs as f64;
            let factor = 1.0 + (run_seconds(&f16) - run_seconds(r)) / steps;
            let want = if matches!(r.condition, Condition::INorm(_)) {
                2.0
            } else {
                1.6
            };
            assert!((factor - want).abs() < 1e-9, "{}: {factor}", r.id);
        }
    }

    #[test]
    fn width_250_is_the_unit() {
        assert!((width_factor(250) - 1.0).abs() < 1e-12);
        assert_eq!(human(40.0), "40 s");
        assert_eq!(human(1200.0), "20 min");
        assert_eq!(human(3.0 * 3600.0 + 300.0), "3 h 05 min");
    }
}
