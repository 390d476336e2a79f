//! The golden run: training numerics are bit for bit what they were when the
//! committed results were made.
//!
//! Results from different sessions are pooled in one grid folder, so a change
//! that alters training numerics (a reordered sum, a new kernel) must be
//! deliberate. This test trains a short run of each of the four conditions of
//! the `central` grid on a Fashion-MNIST subset, in f32 and in the two
//! emulations of fp16 autocast (the `scale-precision` and
//! `scale-precision-bias` grids' arithmetic; some of those runs diverge, so
//! the divergence record is pinned too), and in f32 with the other I-Norm
//! local loss (`local-ln-mse`), and compares every
//! per-epoch metric, the final accuracies and the offset tests with the
//! committed `tests/golden/runs.jsonl`, to the last bit (timings and
//! provenance aside).
//!
//! A change that is meant to alter the numbers re-blesses the file and says
//! why in its commit; its results then start a new folder:
//!
//! ```text
//! EINORM_BLESS_GOLDEN=1 cargo test --release -p experiments --test golden
//! ```
//!
//! The numbers depend on the sgemm kernel matrixmultiply picks for the CPU
//! (with or without FMA), so they are those of this project's machines.

mod common;

use std::path::Path;

use common::{einorm, merged, ok, scratch};
use datasets::{find_data_dir, DataError, DatasetKind};
use serde_json::Value;

const GOLDEN: &str = "tests/golden/runs.jsonl";

/// 4 conditions x eps 0.75, paper configuration 13 at width 24, 3 epochs on
/// 1 200 training images (200 held out) and 300 test images.
const GRID: &[&str] = &[
    "grid",
    "--name",
    "golden",
    "--dataset",
    "fashion-mnist",
    "--conditions",
    "e-ln,inorm,inorm-full,inorm-scale",
    "--eps",
    "0.75",
    "--configs",
    "13",
    "--width",
    "24",
    "--epochs",
    "3",
    "--train-subset",
    "1200",
    "--val-size",
    "200",
    "--test-subset",
    "300",
    "--probe",
    "32",
    "--eval-offsets",
    "-0.5,0.5",
    "--offset-conditions",
    "e-ln,inorm",
    "--jobs",
    "2",
    "--no-report",
    "--quiet",
];

/// The parts of a record that training numerics determine.
fn numerics(record: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in [
        "final_test_acc",
        "final_val_acc",
        "diverged",
        "divergence",
        "offsets",
    ] {
        out.insert(key.to_string(), record.get(key).cloned().unwrap_or(Value::Null));
    }
    out.insert("id".to_string(), record["spec"]["id"].clone());
    let epochs = record["epochs"]
        .as_array()
        .expect("a record has epochs")
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.as_object_mut()
                .expect("an epoch is an object")
                .remove("seconds");
            e
        })
        .collect();
    out.insert("epochs".to_string(), Value::Array(epochs));
    Value::Object(out)
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a golden line is JSON"))
        .collect()
}

#[test]
fn training_numerics_match_the_golden_run_bit_for_bit() {
    match find_data_dir(DatasetKind::FashionMnist, None) {
        Ok(_) => {}
        Err(err @ DataError::NotFound { .. }) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("golden-run test not skipped under CI=true: {err}");
            }
            eprintln!("skipped: the golden run needs Fashion-MNIST: {err}");
            return;
        }
        Err(err) => panic!("{err}"),
    }
    let dir = scratch("golden");
    let mut fresh: Vec<Value> = Vec::new();
    let arithmetic = [
        ["--precision", "f32"],
        ["--precision", "f16-autocast"],
        ["--precision", "f16-autocast-f32-bias"],
        ["--local-loss", "ln-mse"],
    ];
    for [key, value] in arithmetic {
        let out = dir.join(value);
        let mut args = GRID.to_vec();
        args.extend_from_slice(&[key, value, "--out", out.to_str().unwrap()]);
        ok(&einorm(&dir, &args));
        fresh.extend(
            merged(&out)
                .iter()
                .map(|r| numerics(&serde_json::to_value(r).unwrap())),
        );
    }
    assert_eq!(fresh.len(), 16);

    let golden_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var("EINORM_BLESS_GOLDEN").is_ok_and(|v| v == "1") {
        let text: String = fresh.iter().map(|v| format!("{v}\n")).collect();
        std::fs::write(&golden_path, text).unwrap();
        eprintln!("blessed {}", golden_path.display());
        return;
    }
    let golden = lines(&std::fs::read_to_string(&golden_path).unwrap());
    assert_eq!(golden.len(), fresh.len(), "golden runs");
    for (g, f) in golden.iter().zip(&fresh) {
        assert_eq!(
            g,
            f,
            "run {} no longer reproduces the golden run bit for bit; if the change is meant to alter training numerics, re-bless (see this file's header) and say why in the commit",
            g["id"]
        );
    }
}
