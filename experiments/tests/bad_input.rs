//! Every kind of bad input is one clear error line and exit code 2, found
//! before any work and without writing anything.

mod common;

use std::path::Path;

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
fn bare_einorm_prints_the_full_help_and_exits_2() {
    let dir = scratch("bare");
    let out = einorm(&dir, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for command in ["train", "grid", "report", "list"] {
        assert!(err.contains(command), "`{command}` not in the help:\n{err}");
    }
    assert!(err.contains("Usage: einorm"), "{err}");
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

// ------------------------------------------------------------ the table

/// One bad input: the arguments, what the error line must contain, and what
/// the folder holds before the command runs.
struct Case {
    args: Vec<String>,
    needle: &'static str,
    setup: fn(&Path),
}

fn case(args: &[&str], needle: &'static str) -> Case {
    with(args, needle, |_| {})
}

fn with(args: &[&str], needle: &'static str, setup: fn(&Path)) -> Case {
    Case {
        args: args.iter().map(|a| a.to_string()).collect(),
        needle,
        setup,
    }
}

/// `grid` with `flags` into `--out o`.
fn grid(flags: &[&str], needle: &'static str) -> Case {
    let mut args = vec!["grid"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["--out", "o"]);
    case(&args, needle)
}

/// `grid` of the tiny synthetic grid with `flags` into `--out o`.
fn tiny(flags: &[&str], needle: &'static str, setup: fn(&Path)) -> Case {
    let mut args = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(flags);
    args.extend_from_slice(&["--out", "o", "--quiet"]);
    with(&args, needle, setup)
}

/// A synthetic `train` run with `flags`.
fn train(flags: &[&str], needle: &'static str) -> Case {
    train_with(flags, needle, |_| {})
}

fn train_with(flags: &[&str], needle: &'static str, setup: fn(&Path)) -> Case {
    let mut args = vec![
        "train",
        "--dataset",
        "synthetic",
        "--train-subset",
        "100",
        "--test-subset",
        "50",
        "--epochs",
        "1",
        "--quiet",
    ];
    args.extend_from_slice(flags);
    if !flags.contains(&"--condition") && !flags.iter().any(|f| f.starts_with("--resume")) {
        args.extend_from_slice(&["--condition", "ei"]);
    }
    with(&args, needle, setup)
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A folder `o` holding the smoke preset's grid.
fn smoke_folder(dir: &Path) {
    let toml = experiments::plan::presets::get("smoke").unwrap().to_toml();
    write(dir, "o/grid.toml", &toml);
}

/// A folder `o` holding the tiny grid, its runs finished.
fn finished_tiny(dir: &Path) {
    let mut args = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--epochs", "1", "--out", "o", "--quiet", "--no-report"]);
    common::ok(&einorm(dir, &args));
}

/// A checkpoint `ck` of a synthetic run after 2 epochs.
fn checkpoint(dir: &Path) {
    common::ok(&einorm(
        dir,
        &[
            "train",
            "--dataset",
            "synthetic",
            "--condition",
            "ei",
            "--width",
            "8",
            "--config",
            "0",
            "--train-subset",
            "100",
            "--test-subset",
            "50",
            "--epochs",
            "2",
            "--quiet",
            "--checkpoint",
            "ck",
        ],
    ));
}

fn many(n: usize, value: &str) -> String {
    vec![value; n]
        .iter()
        .enumerate()
        .map(|(k, v)| format!("{v}{k}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn cases() -> Vec<Case> {
    let eps_1001 = (0..1001)
        .map(|k| format!("{}", k as f32 / 1000.0))
        .collect::<Vec<_>>()
        .join(",");
    let offsets_1001 = (0..1001)
        .map(|k| format!("{}", k as f32 / 1000.0))
        .collect::<Vec<_>>()
        .join(",");
    let eps_1001: &'static str = Box::leak(eps_1001.into_boxed_str());
    let offsets_1001: &'static str = Box::leak(offsets_1001.into_boxed_str());
    let _ = many;
    vec![
        // ---- grid: lists
        grid(&["--conditions", "ei,inorm-bogus"], "inorm-bogus"),
        grid(&["--conditions", ""], "conditions must not be empty"),
        grid(&["--conditions", "all,nope"], "nope"),
        grid(&["--conditions", "EI"], "EI"),
        grid(&["--eps", "0,1.5"], "1.5"),
        grid(&["--eps=-0.25"], "-0.25"),
        grid(&["--eps", "abc"], "abc"),
        grid(&["--eps", "nan"], "finite"),
        grid(&["--eps", "inf"], "finite"),
        grid(&["--eps", ""], "eps must not be empty"),
        grid(&["--eps", eps_1001], "at most 1000"),
        grid(&["--configs", "30"], "30"),
        grid(&["--configs", "5-2"], "5-2"),
        grid(&["--configs", "0-99999999999"], "at most 1000"),
        grid(&["--configs", "abc"], "abc"),
        grid(&["--configs=-1"], "-1"),
        grid(&["--configs", ""], "configs must not be empty"),
        grid(
            &["--seeds", "0-4000000000", "--dry-run"],
            "seeds: 4000000001 values",
        ),
        grid(&["--seeds", "0-1000"], "at most 1000"),
        grid(&["--seeds", "5-2"], "5-2"),
        grid(&["--seeds", "x"], "x"),
        grid(&["--seeds", "all"], "all"),
        grid(&["--seeds", ""], "seeds must not be empty"),
        grid(&["--seeds=-3"], "-3"),
        grid(&["--seeds", "1.5"], "1.5"),
        grid(&["--seeds", "18446744073709551616"], "18446744073709551616"),
        grid(&["--eval-offsets", "2"], "eval-offsets"),
        grid(&["--eval-offsets", "x"], "x"),
        grid(&["--eval-offsets", offsets_1001], "at most 1000"),
        grid(&["--offset-conditions", "nope"], "nope"),
        grid(&["--seeds", "0-999", "--configs", "all"], "runs, at most 20000"),
        // ---- grid: sizes
        grid(&["--width", "0"], "width"),
        grid(&["--width", "1"], "width: 1 is outside [2, 8192]"),
        grid(&["--width", "1000000"], "width: 1000000 is outside"),
        grid(
            &["--width", "4294967296", "--dry-run"],
            "width: 4294967296 is outside",
        ),
        grid(&["--width", "99999999999999999999999"], "--width"),
        grid(&["--width=-5"], "--width"),
        grid(&["--width", "1000"], "inorm"),
        grid(&["--epochs", "0"], "epochs"),
        grid(&["--epochs", "1001"], "epochs: 1001 is outside"),
        grid(&["--epochs", "abc"], "--epochs"),
        grid(&["--batch", "0"], "batch"),
        grid(&["--batch", "60001"], "batch: 60001 is outside"),
        grid(&["--probe", "0"], "probe"),
        grid(&["--probe", "10001"], "probe: 10001 is outside"),
        grid(&["--train-subset", "0"], "train-subset"),
        grid(&["--train-subset", "60001"], "train-subset: 60001 is outside"),
        grid(&["--test-subset", "0"], "test-subset"),
        grid(&["--test-subset", "10001"], "test-subset: 10001 is outside"),
        grid(&["--val-size", "60000"], "val-size: 60000 is outside"),
        grid(
            &[
                "--dataset",
                "synthetic",
                "--train-subset",
                "100",
                "--val-size",
                "100",
            ],
            "val-size 100",
        ),
        grid(&["--jobs", "0"], "jobs"),
        grid(&["--jobs", "1025"], "jobs: 1025 is outside"),
        grid(
            &[
                "--conditions",
                "ei",
                "--width",
                "8192",
                "--batch",
                "60000",
                "--dry-run",
            ],
            "memory",
        ),
        grid(
            &["--conditions", "ei", "--width", "8192", "--jobs", "1024"],
            "memory",
        ),
        // ---- grid: other keys
        grid(&["--preset", "smoke", "--shard", "3/3"], "3/3"),
        grid(&["--preset", "smoke", "--shard", "1"], "--shard `1`"),
        grid(&["--preset", "smoke", "--shard", "a/b"], "a/b"),
        grid(&["--preset", "smoke", "--shard", "0/0"], "0/0"),
        grid(&["--preset", "smoke", "--shard=-1/2"], "-1/2"),
        grid(&["--preset", "huge"], "huge"),
        grid(&["--preset", ""], "possible values: smoke"),
        grid(&["--bogus-flag"], "--bogus-flag"),
        grid(&["--dataset", "cifar"], "cifar"),
        grid(&["--momentum", "1"], "[0, 1)"),
        grid(&["--rule", "adam"], "possible values: sgd"),
        with(
            &["grid", "--spec", "wd.toml", "--out", "o"],
            "weight-decay",
            |d| write(d, "wd.toml", "preset = \"smoke\"\nweight-decay = -0.5\n"),
        ),
        grid(&["--luminosity", "sideways"], "sideways"),
        grid(&["--order", "random"], "random"),
        grid(&["--name", "bad name"], "bad name"),
        grid(&["--name", ""], "name"),
        grid(&["--name", "a/b"], "a/b"),
        grid(
            &["--preset", "quick", "--data-dir", "/nonexistent/fashion"],
            "/nonexistent/fashion",
        ),
        grid(&["--spec", "/nonexistent/grid.toml"], "/nonexistent/grid.toml"),
        with(&["grid", "--spec", "bad.toml", "--out", "o"], "bad.toml", |d| {
            write(d, "bad.toml", "epochs = 3\nconditions = [\"ei\"\n")
        }),
        with(&["grid", "--spec", "unknown.toml", "--out", "o"], "line 2", |d| {
            write(d, "unknown.toml", "epochs = 3\nepoch = 4\n")
        }),
        with(&["grid", "--spec", "neg.toml", "--out", "o"], "neg.toml", |d| {
            write(d, "neg.toml", "epochs = -1\n")
        }),
        with(&["grid", "--spec", "type.toml", "--out", "o"], "type.toml", |d| {
            write(d, "type.toml", "width = \"wide\"\n")
        }),
        with(&["grid", "--spec", "huge.toml", "--out", "o"], "width", |d| {
            write(d, "huge.toml", "width = 4294967296\n")
        }),
        with(
            &["grid", "--spec", "seeds.toml", "--out", "o", "--dry-run"],
            "at most 1000",
            |d| write(d, "seeds.toml", "seeds = [\"0-4000000000\"]\n"),
        ),
        with(&["grid", "--spec", "sub", "--out", "o"], "sub", |d| {
            std::fs::create_dir_all(d.join("sub")).unwrap()
        }),
        // ---- grid: the results folder
        tiny(&[], "holds a different grid", smoke_folder),
        tiny(&[], "not a grid folder", |d| write(d, "o/notes.txt", "mine")),
        tiny(&[], "is a file", |d| write(d, "o", "a file")),
        with(
            &["grid", "--preset", "smoke", "--out", "f/sub", "--quiet"],
            "Not a directory (os error 20)",
            |d| write(d, "f", "a file"),
        ),
        tiny(&[], "grid.toml", |d| write(d, "o/grid.toml", "name = [")),
        case(
            &["grid", "--preset", "smoke", "--out", "/proc/einorm-results"],
            "/proc/einorm-results",
        ),
        tiny(&["--epochs", "1"], "o/runs/", |d| {
            finished_tiny(d);
            let runs = d.join("o/runs");
            let first = std::fs::read_dir(&runs).unwrap().next().unwrap().unwrap().path();
            std::fs::write(first, "{\"spec\": ").unwrap();
        }),
        tiny(&["--epochs", "1"], "does not belong", |d| {
            finished_tiny(d);
            // A record of another grid's run.
            let runs = d.join("o/runs");
            let first = std::fs::read_dir(&runs).unwrap().next().unwrap().unwrap().path();
            let text = std::fs::read_to_string(&first)
                .unwrap()
                .replace("\"epochs\":1", "\"epochs\":7");
            std::fs::write(first, text).unwrap();
        }),
        // ---- train
        train(&["--condition", "nope"], "nope"),
        case(&["train", "--dataset", "synthetic"], "--condition"),
        train(&["--eps", "2"], "eps"),
        train(&["--eps=-0.5"], "-0.5"),
        train(&["--eps", "nan"], "eps"),
        train(
            &["--lr", "0", "--lr-wei", "1e-3", "--lr-wix", "0.1", "--width", "8"],
            "lr",
        ),
        train(&["--config", "3", "--lr=-0.1"], "lr"),
        train(&["--config", "3", "--lr", "inf"], "lr"),
        train(&["--config", "3", "--lr", "nan"], "lr"),
        train(&["--config", "3", "--lr-wei", "0"], "lr-wei"),
        train(&["--config", "3", "--lr-wix=-1"], "lr-wix"),
        train(&["--lr", "0.01"], "--lr-wei"),
        train(&["--config", "30"], "30"),
        train(&["--config", "abc"], "--config"),
        train(&["--config", "0", "--width", "1"], "width: 1 is outside"),
        train(
            &["--config", "0", "--width", "1000000"],
            "width: 1000000 is outside",
        ),
        train(
            &["--condition", "inorm-full", "--config", "0", "--width", "785"],
            "inorm-full",
        ),
        train(&["--batch", "0"], "batch"),
        train(&["--batch", "60001"], "batch: 60001"),
        train(&["--epochs", "0"], "epochs"),
        train(&["--epochs", "1001"], "epochs: 1001"),
        train(&["--probe", "0"], "probe"),
        train(&["--probe", "10001"], "probe: 10001"),
        train(&["--train-subset", "0"], "train-subset"),
        train(&["--train-subset", "60001"], "train-subset: 60001"),
        train(&["--test-subset", "10001"], "test-subset: 10001"),
        train(&["--val-size", "100"], "val-size 100"),
        train(&["--seed=-1"], "--seed"),
        train(&["--seed", "18446744073709551616"], "--seed"),
        train(&["--dataset", "cifar"], "cifar"),
        train(&["--luminosity", "sideways"], "sideways"),
        train(&["--order", "random"], "random"),
        train(&["--weight-decay=-0.1"], "--weight-decay"),
        train(&["--eval-offsets", "1.5"], "1.5"),
        train(&["--eval-offsets", "x"], "x"),
        case(
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
        ),
        train(
            &["--config", "0", "--width", "8192", "--batch", "60000"],
            "memory",
        ),
        train(&["--record", "/nonexistent/dir/r.json"], "/nonexistent/dir"),
        train(&["--metrics", "/nonexistent/m.jsonl"], "/nonexistent"),
        train(&["--checkpoint", "/nonexistent/ck"], "/nonexistent"),
        train_with(&["--record", "sub"], "names a folder", |d| {
            std::fs::create_dir_all(d.join("sub")).unwrap()
        }),
        train_with(&["--metrics", "f/m.jsonl"], "f", |d| write(d, "f", "a file")),
        train(&["--record", "/proc/einorm-record.json"], "/proc"),
        train(&["--bogus"], "--bogus"),
        // ---- train --resume
        case(
            &["train", "--resume", "/nonexistent/ck"],
            "/nonexistent/ck: cannot read the checkpoint",
        ),
        with(&["train", "--resume", "ck"], "not a checkpoint", |d| {
            write(d, "ck", "hello")
        }),
        with(&["train", "--resume", "ck"], "ck", |d| {
            std::fs::create_dir_all(d.join("ck")).unwrap()
        }),
        with(&["train", "--resume", "ck"], "truncated checkpoint", |d| {
            write(d, "ck", "EINORM-TRAIN 1\n{\"spec\":")
        }),
        with(&["train", "--resume", "ck"], "damaged run state", |d| {
            write(d, "ck", "EINORM-TRAIN 1\n{\"spec\":1}\nEINETCKP")
        }),
        with(&["train", "--resume", "ck"], "ck", |d| {
            checkpoint(d);
            let bytes = std::fs::read(d.join("ck")).unwrap();
            std::fs::write(d.join("ck"), &bytes[..bytes.len() - 7]).unwrap();
        }),
        with(
            &["train", "--resume", "ck", "--epochs", "1"],
            "fewer than the 2 epochs",
            checkpoint,
        ),
        with(
            &["train", "--resume", "ck"],
            "ck.state.json: cannot read the run state of checkpoint ck",
            |d| {
                // A bare network, as earlier versions wrote it, without its state file.
                checkpoint(d);
                let bytes = std::fs::read(d.join("ck")).unwrap();
                let at = bytes.windows(8).position(|w| w == b"EINETCKP").unwrap();
                std::fs::write(d.join("ck"), &bytes[at..]).unwrap();
            },
        ),
        with(
            &["train", "--resume", "ck", "--epochs", "1001"],
            "epochs: 1001",
            checkpoint,
        ),
        with(
            &["train", "--resume", "ck", "--condition", "ei"],
            "--condition cannot be combined",
            checkpoint,
        ),
        with(
            &["train", "--resume", "ck", "--width", "8"],
            "--width cannot be combined",
            checkpoint,
        ),
        with(&["report", "o", "--out", "f"], "is a file", |d| {
            smoke_folder(d);
            write(d, "f", "a file")
        }),
        // ---- eval
        case(&["eval", "/nonexistent/ck"], "/nonexistent/ck"),
        with(&["eval", "ck", "--eps", "2"], "eps: 2 is outside", checkpoint),
        with(&["eval", "ck", "--offsets", "3"], "eval-offsets", checkpoint),
        with(
            &["eval", "ck", "--luminosity", "sideways"],
            "sideways",
            checkpoint,
        ),
        // ---- report and the rest
        case(&["report", "/nonexistent/grid"], "/nonexistent/grid"),
        with(&["report", "o"], "has no grid.toml", |d| {
            std::fs::create_dir_all(d.join("o")).unwrap()
        }),
        with(&["report", "o"], "grid.toml", |d| {
            write(d, "o/grid.toml", "epochs = [")
        }),
        with(&["report", "o"], "o/runs/", |d| {
            smoke_folder(d);
            write(d, "o/runs/x.json", "{not json");
        }),
        with(&["report", "o"], "does not belong", |d| {
            finished_tiny(d);
            let toml = std::fs::read_to_string(d.join("o/grid.toml")).unwrap();
            std::fs::write(d.join("o/grid.toml"), toml.replace("epochs = 1", "epochs = 2")).unwrap();
        }),
        with(
            &["report", "o", "--extra", "/nonexistent/mul"],
            "/nonexistent/mul",
            smoke_folder,
        ),
        case(&["frobnicate"], "frobnicate"),
        case(&["trian"], "tip: a similar subcommand exists: 'train'"),
        grid(&["--epoch", "3"], "tip: a similar argument exists: '--epochs'"),
        case(&["list", "--bogus"], "--bogus"),
    ]
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                out.push((path.clone(), Vec::new()));
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_bad_input_in_the_table_is_one_line_exit_2_and_writes_nothing() {
    let cases = cases();
    let mut seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    let dir = scratch("table");
    for (k, c) in cases.iter().enumerate() {
        // Distinct: other arguments, or the same ones on another folder.
        assert!(
            seen.insert((c.args.clone(), c.setup as usize)),
            "case {k} repeats {:?}",
            c.args
        );
        let here = dir.join(format!("case{k}"));
        std::fs::create_dir_all(&here).unwrap();
        (c.setup)(&here);
        let before = snapshot(&here);
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let out = einorm(&here, &args);
        let err = stderr(&out);
        let shown: Vec<String> = args
            .iter()
            .map(|a| {
                if a.len() > 40 {
                    format!("{}…", &a[..40])
                } else {
                    a.to_string()
                }
            })
            .collect();
        eprintln!(
            "{} => exit {:?}: {}",
            shown.join(" "),
            out.status.code(),
            err.trim_end()
        );
        let problem = if out.status.code() != Some(2) {
            Some(format!("exit {:?}", out.status.code()))
        } else if err.trim_end().lines().count() != 1 {
            Some("not one line".to_string())
        } else if !err.contains(c.needle) {
            Some(format!("`{}` not in the line", c.needle))
        } else if snapshot(&here) != before {
            Some("wrote to the folder".to_string())
        } else if err.matches("os error").count() > 1 {
            Some("cause printed twice".to_string())
        } else {
            None
        };
        if let Some(p) = problem {
            failures.push(format!("{:?}: {p}: {}", c.args, err.trim_end()));
        }
    }
    assert!(cases.len() > 102, "only {} bad inputs", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
