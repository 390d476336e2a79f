//! The allowed range of every size a user gives, checked before anything is
//! allocated or written, and what a run needs in memory, checked against
//! the machine's before any training.
//!
//! The ranges are generous around the paper's protocol (width ≈ 250, 50
//! epochs, batch 32, 60 000 + 10 000 images, 1 440 runs); they exist so a
//! typo fails with a clear line instead of a panic or an abort in the
//! allocator.

use einet::{Condition, NetSpec};

use crate::plan::{RunSpec, SpecError};

/// Inputs per image (28 × 28).
pub const PIXELS: usize = 784;
pub const WIDTH: (usize, usize) = (2, 8192);
pub const EPOCHS: (usize, usize) = (1, 1000);
pub const BATCH: (usize, usize) = (1, 60_000);
pub const PROBE: (usize, usize) = (1, 10_000);
/// The training and test sets of Fashion-MNIST and MNIST.
pub const TRAIN_SUBSET: (usize, usize) = (1, 60_000);
pub const TEST_SUBSET: (usize, usize) = (1, 10_000);
pub const VAL_SIZE: (usize, usize) = (0, 59_999);
pub const JOBS: (usize, usize) = (1, 1024);
/// Values in one list (seeds, eps, offsets, configs).
pub const LIST: usize = 1000;
/// Runs in one grid.
pub const RUNS: usize = 20_000;
/// Rows of the evaluation batch (see `train`).
pub const EVAL_ROWS: usize = 500;

/// Checks `given` against the inclusive `range` of `key`.
pub fn check(key: &'static str, given: usize, range: (usize, usize)) -> Result<(), SpecError> {
    if (range.0..=range.1).contains(&given) {
        Ok(())
    } else if given == 0 && range.0 == 1 {
        Err(SpecError::NonPositive {
            key,
            given: given.to_string(),
        })
    } else {
        Err(SpecError::OutOfRange {
            key,
            given: given.to_string(),
            lo: range.0 as f64,
            hi: range.1 as f64,
        })
    }
}

/// Checks a list of `count` values (counted before it is expanded).
pub fn check_list(key: &'static str, count: u128) -> Result<(), SpecError> {
    if count <= LIST as u128 {
        Ok(())
    } else {
        Err(SpecError::TooMany {
            key,
            count: count.to_string(),
            max: LIST,
        })
    }
}

/// The width of `condition`'s hidden layers: in [`WIDTH`], and for I-Norm at
/// most the layer's inputs.
pub fn check_width(condition: Condition, width: usize) -> Result<(), SpecError> {
    check("width", width, WIDTH)?;
    if NetSpec::paper(condition, width).validate().is_err() {
        return Err(SpecError::OutOfRange {
            key: "width",
            given: format!(
                "{width} (for {condition}, whose layers normalize over at most their {PIXELS} inputs)"
            ),
            lo: WIDTH.0 as f64,
            hi: PIXELS as f64,
        });
    }
    Ok(())
}

/// Estimated peak bytes of one run of width `width` with batches of `rows`
/// rows: parameters with their gradients and a spare (momentum, the I-Norm
/// SVD), and per row the input plus about 32 values per hidden unit
/// (activations and their gradients; 64 for I-Norm's longer layer).
/// Checked against the peak resident size of `einorm train` on synthetic
/// data (`/usr/bin/time -f %M`): `ei` at W = 250, 2000, 4000 (500 rows)
/// and W = 1000 (5000 rows), `inorm-full` at W = 784 (2000 rows) and
/// `inorm-lateral` at W = 784 (500 rows) measured 0.6 to 0.95 of this.
pub fn run_bytes(condition: Condition, width: usize, rows: usize) -> f64 {
    let (w, n, rows) = (width as f64, PIXELS as f64, rows as f64);
    let (lateral, per_unit) = match condition {
        Condition::INorm(_) => (w * w, 64.0),
        _ => (0.0, 32.0),
    };
    // Two hidden layers (E, I and lateral weights) and the output layer.
    let params = 1.1 * (n * w + w * w) + 2.0 * lateral + 11.0 * w;
    let activations = rows * (n + per_unit * w);
    4.0 * (3.0 * params + activations)
}

/// Estimated peak bytes of `spec`'s run.
pub fn spec_bytes(spec: &RunSpec) -> f64 {
    let rows = spec.batch.max(EVAL_ROWS).max(spec.probe);
    run_bytes(spec.condition, spec.hyper.width, rows)
}

/// Bytes of the images a grid loads (one byte per pixel), shared by its runs.
pub fn data_bytes(train: usize, test: usize) -> f64 {
    // The whole files are read before subsets are taken.
    ((train.max(TRAIN_SUBSET.1) + test.max(TEST_SUBSET.1)) * (PIXELS + 1)) as f64
}

/// The machine's memory in bytes (`MemTotal`), if it can be read.
pub fn machine_bytes() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// Refuses `jobs` runs of `per_run` bytes at once plus `shared` bytes when
/// that exceeds the machine's memory.
pub fn check_memory(per_run: f64, jobs: usize, shared: f64) -> Result<(), SpecError> {
    let Some(limit) = machine_bytes() else {
        return Ok(());
    };
    let need = per_run * jobs as f64 + shared;
    if need <= limit {
        return Ok(());
    }
    Err(SpecError::Memory {
        need: gib(need),
        per_run: gib(per_run),
        jobs,
        limit: gib(limit),
    })
}

/// `12.3 GiB`, or `85 MiB` below a GiB.
pub fn gib(bytes: f64) -> String {
    let gib = bytes / f64::from(1u32 << 30);
    if gib < 1.0 {
        format!("{:.0} MiB", bytes / f64::from(1u32 << 20))
    } else {
        format!("{gib:.1} GiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_outside_their_range_name_the_range() {
        assert!(check("width", 2, WIDTH).is_ok());
        let err = check("width", 1, WIDTH).unwrap_err().to_string();
        assert_eq!(err, "width: 1 is outside [2, 8192]");
        assert!(check_list("seeds", 4_000_000_001).is_err());
        assert!(check_list("seeds", 1000).is_ok());
        assert_eq!(gib(1.5 * f64::from(1u32 << 30)), "1.5 GiB");
        assert_eq!(gib(85.0 * f64::from(1u32 << 20)), "85 MiB");
    }

    #[test]
    fn inorm_widths_stop_at_the_layer_inputs() {
        let inorm: Condition = "inorm-full".parse().unwrap();
        assert!(check_width(inorm, 784).is_ok());
        assert!(check_width(inorm, 785).is_err());
        assert!(check_width(Condition::Ei, 785).is_ok());
    }

    #[test]
    fn memory_grows_with_width_and_rows_and_paper_runs_are_small() {
        let paper = run_bytes(Condition::Ei, 250, EVAL_ROWS);
        assert!(paper < 64.0 * 1024.0 * 1024.0, "{}", gib(paper));
        assert!(run_bytes(Condition::Ei, 500, EVAL_ROWS) > paper);
        assert!(run_bytes(Condition::Ei, 250, 5000) > paper);
        // The widest, largest-batch run needs more than 48 GiB.
        assert!(run_bytes(Condition::Ei, WIDTH.1, BATCH.1) > 48.0 * f64::from(1u32 << 30));
    }
}
