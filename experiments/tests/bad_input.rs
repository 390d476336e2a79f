//! Every kind of bad input is one clear error line and exit code 2, found
//! before any work and without writing anything.

mod common;

use common::{einorm, scratch, stderr, TINY};

/// Runs `args` in a fresh folder; asserts exit 2, one stderr line holding
/// `needle`, and an untouched folder.
fn refused(name: &str, args: &[&str], needle: &str) {
    let dir = scratch(name);
    let out = einorm(&dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: not one line:\n{err}"
    );
    assert!(err.contains(needle), "{args:?}: `{needle}` not in: {err}");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{args:?} wrote {left:?}");
}

#[test]
fn unknown_condition_is_refused() {
    refused(
        "cond",
        &["grid", "--conditions", "ei,inorm-bogus", "--out", "o"],
        "inorm-bogus",
    );
    refused(
        "cond-train",
        &["train", "--condition", "nope", "--dataset", "synthetic"],
        "nope",
    );
}

#[test]
fn eps_outside_the_unit_interval_is_refused() {
    refused("eps", &["grid", "--eps", "0,1.5", "--out", "o"], "1.5");
    refused("eps-neg", &["grid", "--eps=-0.25", "--out", "o"], "-0.25");
    refused(
        "eps-train",
        &[
            "train",
            "--condition",
            "ei",
            "--eps",
            "2",
            "--dataset",
            "synthetic",
        ],
        "eps",
    );
}

#[test]
fn non_positive_numbers_are_refused() {
    refused(
        "lr",
        &[
            "train",
            "--condition",
            "ei",
            "--lr",
            "0",
            "--lr-wei",
            "1e-3",
            "--lr-wix",
            "0.1",
            "--width",
            "8",
            "--dataset",
            "synthetic",
        ],
        "lr",
    );
    refused(
        "lr-neg",
        &[
            "train",
            "--condition",
            "ei",
            "--config",
            "3",
            "--lr",
            "-0.1",
            "--dataset",
            "synthetic",
        ],
        "lr",
    );
    refused("width", &["grid", "--width", "0", "--out", "o"], "width");
    refused("epochs", &["grid", "--epochs", "0", "--out", "o"], "epochs");
    refused("batch", &["grid", "--batch", "0", "--out", "o"], "batch");
    refused(
        "batch-train",
        &[
            "train",
            "--condition",
            "ei",
            "--batch",
            "0",
            "--dataset",
            "synthetic",
        ],
        "batch",
    );
    refused(
        "jobs",
        &["grid", "--preset", "smoke", "--jobs", "0", "--out", "o"],
        "jobs",
    );
}

#[test]
fn partial_explicit_hyperparameters_are_refused() {
    refused(
        "partial",
        &[
            "train",
            "--condition",
            "ei",
            "--lr",
            "0.01",
            "--dataset",
            "synthetic",
        ],
        "--lr-wei",
    );
}

#[test]
fn malformed_toml_is_refused_with_its_line() {
    let dir = scratch("toml-files");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "epochs = 3\nconditions = [\"ei\"\n").unwrap();
    let unknown = dir.join("unknown.toml");
    std::fs::write(&unknown, "epochs = 3\nepoch = 4\n").unwrap();
    refused(
        "toml",
        &["grid", "--spec", bad.to_str().unwrap(), "--out", "o"],
        "bad.toml",
    );
    refused(
        "toml-key",
        &["grid", "--spec", unknown.to_str().unwrap(), "--out", "o"],
        "line 2",
    );
    refused(
        "toml-missing",
        &["grid", "--spec", "/nonexistent/grid.toml", "--out", "o"],
        "grid.toml",
    );
}

#[test]
fn missing_data_is_refused() {
    refused(
        "data",
        &[
            "grid",
            "--preset",
            "quick",
            "--data-dir",
            "/nonexistent/fashion",
            "--out",
            "o",
        ],
        "/nonexistent/fashion",
    );
    refused(
        "data-train",
        &[
            "train",
            "--condition",
            "ei",
            "--data-dir",
            "/nonexistent/fashion",
            "--epochs",
            "1",
        ],
        "/nonexistent/fashion",
    );
}

#[test]
fn bad_shard_unknown_preset_and_unknown_flag_are_refused() {
    refused(
        "shard",
        &["grid", "--preset", "smoke", "--shard", "3/3", "--out", "o"],
        "3/3",
    );
    refused("preset", &["grid", "--preset", "huge", "--out", "o"], "huge");
    refused("flag", &["grid", "--bogus-flag", "--out", "o"], "--bogus-flag");
    refused(
        "resume",
        &["train", "--resume", "/nonexistent/ck"],
        "/nonexistent/ck",
    );
}

#[test]
fn a_folder_holding_another_grid_is_refused() {
    let dir = scratch("other-grid");
    let mut args = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--epochs", "1", "--out", "g", "--quiet", "--no-report"]);
    common::ok(&einorm(&dir, &args));
    let before = std::fs::read_to_string(dir.join("g/grid.toml")).unwrap();
    let mut other = vec!["grid"];
    other.extend_from_slice(TINY);
    other.extend_from_slice(&["--epochs", "3", "--out", "g", "--quiet"]);
    let out = einorm(&dir, &other);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("epochs"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(dir.join("g/grid.toml")).unwrap(), before);
    // A non-empty folder that is no grid folder is refused too.
    std::fs::create_dir_all(dir.join("stuff")).unwrap();
    std::fs::write(dir.join("stuff/notes.txt"), "mine").unwrap();
    let mut into_stuff = vec!["grid"];
    into_stuff.extend_from_slice(TINY);
    into_stuff.extend_from_slice(&["--out", "stuff"]);
    assert_eq!(einorm(&dir, &into_stuff).status.code(), Some(2));
}
