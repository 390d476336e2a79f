//! Helpers shared by the integration tests: scratch folders, the binary,
//! and a tiny synthetic grid that runs in well under a second.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use experiments::run::record::RunRecord;
use experiments::run::store::{Store, RUNS_FILE};

/// A fresh, empty scratch folder, removed when dropped.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh, empty scratch folder unique to `name` and this process.
pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("einorm-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// Runs `einorm` with `args` in `cwd`.
pub fn einorm(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_einorm"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the einorm binary runs")
}

/// Flags of a tiny synthetic grid: 4 conditions x 2 eps x 2 configs.
pub const TINY: &[&str] = &[
    "--dataset",
    "synthetic",
    "--conditions",
    "ei,e-ln,inorm,inorm-full",
    "--eps",
    "0,0.75",
    "--configs",
    "0-1",
    "--width",
    "8",
    "--epochs",
    "2",
    "--seeds",
    "0",
    "--train-subset",
    "240",
    "--test-subset",
    "100",
    "--val-size",
    "40",
    "--probe",
    "32",
    "--eval-offsets",
    "-0.5,0,0.5",
    "--offset-conditions",
    "e-ln,inorm-full",
];

pub const TINY_RUNS: usize = 16;

/// `grid` + the tiny grid's flags + `extra`.
pub fn tiny_grid(cwd: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    einorm(cwd, &args)
}

/// The finished runs in `dir`, times zeroed, sorted by id.
pub fn records(dir: &Path) -> Vec<RunRecord> {
    let (store, grid) = Store::open(dir).unwrap();
    store
        .finished_of(&grid)
        .unwrap()
        .into_values()
        .map(|r| r.without_times())
        .collect()
}

/// The lines of `runs.jsonl`, parsed, times zeroed.
pub fn merged(dir: &Path) -> Vec<RunRecord> {
    std::fs::read_to_string(dir.join(RUNS_FILE))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<RunRecord>(l).unwrap().without_times())
        .collect()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Asserts success, showing the output otherwise.
pub fn ok(o: &Output) {
    assert!(o.status.success(), "failed:\n{}\n{}", stdout(o), stderr(o));
}

/// Asserts two record lists are equal, naming the first differing field.
pub fn assert_same(a: &[RunRecord], b: &[RunRecord]) {
    let ids = |v: &[RunRecord]| v.iter().map(|r| r.spec.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(a), ids(b), "different runs");
    for (x, y) in a.iter().zip(b) {
        let (vx, vy) = (serde_json::to_value(x).unwrap(), serde_json::to_value(y).unwrap());
        if let Some(path) = first_difference(&vx, &vy, String::new()) {
            panic!("run {} differs at {path}", x.spec.id);
        }
    }
}

fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let w = y.get(k).unwrap_or(&Value::Null);
                if let Some(p) = first_difference(v, w, format!("{at}.{k}")) {
                    return Some(p);
                }
            }
            (x.len() != y.len()).then_some(at)
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, format!("{at}[{i}]"))),
        _ => (a != b).then(|| format!("{at}: {a} vs {b}")),
    }
}
