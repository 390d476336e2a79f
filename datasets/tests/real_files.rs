//! Checks on the real Fashion-MNIST files (Debian package `dataset-fashion-mnist`).
//!
//! Without the files these tests print why they were skipped and pass, so the
//! test command works on a fresh machine; under `CI=true` they fail instead,
//! so CI can never skip them silently.

use std::io::{self, Write};
use std::time::Instant;

use datasets::{find_data_dir, DataError, Dataset, DatasetKind, Split};

/// The split, or `None` (after saying so) when the files are not installed.
fn fashion(split: Split) -> Option<Dataset> {
    match find_data_dir(DatasetKind::FashionMnist, None) {
        Ok(_) => {}
        Err(err @ DataError::NotFound { .. }) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("real-file test not skipped under CI=true: {err}");
            }
            // Straight to stderr: the test harness would swallow eprintln!.
            let _ = writeln!(io::stderr(), "skipped: real-file test needs Fashion-MNIST: {err}");
            return None;
        }
        Err(err) => panic!("{err}"),
    }
    let start = Instant::now();
    let ds = Dataset::load(DatasetKind::FashionMnist, split, None).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "loaded Fashion-MNIST {split}: {} images in {:?}",
        ds.len(),
        start.elapsed()
    );
    Some(ds)
}

fn class_counts(ds: &Dataset) -> [usize; 10] {
    let mut counts = [0; 10];
    for &l in ds.labels() {
        counts[usize::from(l)] += 1;
    }
    counts
}

#[test]
fn train_set_has_60000_images_6000_per_class() {
    let Some(train) = fashion(Split::Train) else {
        return;
    };
    assert_eq!(train.len(), 60_000);
    assert_eq!(class_counts(&train), [6_000; 10]);
}

#[test]
fn test_set_has_10000_images_1000_per_class() {
    let Some(test) = fashion(Split::Test) else {
        return;
    };
    assert_eq!(test.len(), 10_000);
    assert_eq!(class_counts(&test), [1_000; 10]);
}

#[test]
fn first_training_label_is_9() {
    let Some(train) = fashion(Split::Train) else {
        return;
    };
    assert_eq!(train.labels()[0], 9);
}

#[test]
fn mean_training_pixel_is_0_286() {
    let Some(train) = fashion(Split::Train) else {
        return;
    };
    let sum: u64 = (0..train.len())
        .flat_map(|i| train.image(i))
        .map(|&p| u64::from(p))
        .sum();
    let mean = sum as f64 / (train.len() * train.dim()) as f64 / 255.0;
    assert!((mean - 0.286).abs() <= 0.001, "mean training pixel {mean}");
}
