//! The results folder of one grid, safe against `kill -9` at any moment and
//! against several shards writing at once:
//!
//! ```text
//! <dir>/grid.toml          the grid spec; a folder holding another grid is refused
//! <dir>/runs/<id>.json     one finished run, one JSON line (the source of truth)
//! <dir>/runs.jsonl         all finished runs, sorted by id (rebuilt from runs/)
//! <dir>/summary.csv        one row per finished run
//! <dir>/report.md, figures/*.svg   written by `report`
//! ```
//!
//! Every file is written to a temporary `runs.tmp.*` in the folder and then
//! renamed into place, so a reader sees a whole file or none. A run is
//! finished exactly when its `runs/<id>.json` exists; a killed run left only
//! a temporary file, which is ignored, and runs again.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::record::RunRecord;
use crate::spec::{GridSpec, RunSpec};

pub const GRID_FILE: &str = "grid.toml";
pub const RUNS_DIR: &str = "runs";
pub const RUNS_FILE: &str = "runs.jsonl";
pub const SUMMARY_FILE: &str = "summary.csv";

#[derive(thiserror::Error, Debug)]
pub enum StoreError {
    #[error("{} holds a different grid (`{existing}`); use another --out folder or the same spec (differs in: {differs})", .dir.display())]
    DifferentGrid {
        dir: PathBuf,
        existing: String,
        differs: String,
    },
    #[error("{} is not empty and has no {GRID_FILE}: not a grid folder", .dir.display())]
    NotAGridFolder { dir: PathBuf },
    #[error("{} has no {GRID_FILE}: not a grid folder", .dir.display())]
    NoGrid { dir: PathBuf },
    #[error("{}: {message}", .path.display())]
    Corrupt { path: PathBuf, message: String },
    #[error("{}: run `{id}` does not belong to this folder's grid", .path.display())]
    ForeignRun { path: PathBuf, id: String },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    /// Whether the user pointed at the wrong folder (as opposed to a
    /// failure while reading or writing).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, StoreError::Io { .. })
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One grid's folder.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Store {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Checks, without writing anything, that `dir` can hold `grid`: it does
    /// not exist, is empty, or already holds the same grid.
    pub fn check(dir: &Path, grid: &GridSpec) -> Result<(), StoreError> {
        let grid_file = dir.join(GRID_FILE);
        if grid_file.exists() {
            let existing = read_grid(&grid_file)?;
            if !same_grid(&existing, grid) {
                return Err(StoreError::DifferentGrid {
                    dir: dir.to_path_buf(),
                    existing: existing.name.clone(),
                    differs: differing_keys(&existing, grid),
                });
            }
            return Ok(());
        }
        if dir.exists() {
            let mut entries = fs::read_dir(dir).map_err(io(dir))?;
            if entries.next().is_some() {
                return Err(StoreError::NotAGridFolder {
                    dir: dir.to_path_buf(),
                });
            }
        }
        Ok(())
    }

    /// Creates the folder for `grid` (after [`Store::check`]); safe when
    /// several shards do it at once.
    pub fn create(dir: &Path, grid: &GridSpec) -> Result<Store, StoreError> {
        Store::check(dir, grid)?;
        let store = Store {
            dir: dir.to_path_buf(),
        };
        let runs = dir.join(RUNS_DIR);
        fs::create_dir_all(&runs).map_err(io(&runs))?;
        let grid_file = dir.join(GRID_FILE);
        if !grid_file.exists() {
            store.write_atomic(GRID_FILE, grid.to_toml().as_bytes())?;
        }
        // Another shard may have won the race with a different spec.
        Store::check(dir, grid)?;
        Ok(store)
    }

    /// Opens an existing grid folder for reading.
    pub fn open(dir: &Path) -> Result<(Store, GridSpec), StoreError> {
        let grid_file = dir.join(GRID_FILE);
        if !grid_file.exists() {
            return Err(StoreError::NoGrid {
                dir: dir.to_path_buf(),
            });
        }
        let grid = read_grid(&grid_file)?;
        Ok((
            Store {
                dir: dir.to_path_buf(),
            },
            grid,
        ))
    }

    /// Writes `bytes` to `name` in the folder through a temporary file and a
    /// rename.
    pub fn write_atomic(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let target = self.dir.join(name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let tmp = self.dir.join(format!(
            "runs.tmp.{}.{}.{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed),
            name.replace(['/', '\\'], "_")
        ));
        write_via(&tmp, &target, bytes)
    }

    /// Records a finished run.
    pub fn write_run(&self, record: &RunRecord) -> Result<(), StoreError> {
        let mut line = serde_json::to_string(record).expect("a run record always serializes");
        line.push('\n');
        self.write_atomic(&format!("{RUNS_DIR}/{}.json", record.spec.id), line.as_bytes())
    }

    /// Every finished run, by id: the union of `runs/` and `runs.jsonl` (a
    /// folder may hold only the merged file, e.g. committed results).
    pub fn finished(&self) -> Result<BTreeMap<String, RunRecord>, StoreError> {
        let mut out = BTreeMap::new();
        let merged = self.dir.join(RUNS_FILE);
        if merged.exists() {
            let text = fs::read_to_string(&merged).map_err(io(&merged))?;
            for (k, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let r = parse_record(line, &merged, Some(k + 1))?;
                out.insert(r.spec.id.clone(), r);
            }
        }
        let runs = self.dir.join(RUNS_DIR);
        if runs.is_dir() {
            let mut paths: Vec<PathBuf> = fs::read_dir(&runs)
                .map_err(io(&runs))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            paths.sort();
            for path in paths {
                let text = fs::read_to_string(&path).map_err(io(&path))?;
                let r = parse_record(text.trim(), &path, None)?;
                out.insert(r.spec.id.clone(), r);
            }
        }
        Ok(out)
    }

    /// Every finished run of `grid`, checked against the grid's own specs.
    pub fn finished_of(&self, grid: &GridSpec) -> Result<BTreeMap<String, RunRecord>, StoreError> {
        let specs: BTreeMap<String, RunSpec> = grid.runs().into_iter().map(|r| (r.id.clone(), r)).collect();
        let done = self.finished()?;
        for (id, r) in &done {
            if specs.get(id) != Some(&r.spec) {
                return Err(StoreError::ForeignRun {
                    path: self.dir.join(RUNS_DIR).join(format!("{id}.json")),
                    id: id.clone(),
                });
            }
        }
        Ok(done)
    }

    /// Rewrites `runs.jsonl` and `summary.csv` from `records` (sorted by id).
    pub fn write_merged(&self, records: &BTreeMap<String, RunRecord>) -> Result<(), StoreError> {
        let mut jsonl = String::new();
        for r in records.values() {
            jsonl.push_str(&serde_json::to_string(r).expect("a run record always serializes"));
            jsonl.push('\n');
        }
        self.write_atomic(RUNS_FILE, jsonl.as_bytes())?;
        self.write_atomic(SUMMARY_FILE, &summary_csv(records.values()))
    }
}

/// Writes `bytes` to `target` through the temporary file `tmp` (same
/// filesystem) and a rename, so readers see the old file or the new one.
fn write_via(tmp: &Path, target: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut f = fs::File::create(tmp).map_err(io(tmp))?;
    f.write_all(bytes).map_err(io(tmp))?;
    f.sync_all().map_err(io(tmp))?;
    drop(f);
    fs::rename(tmp, target).map_err(io(target))
}

/// Writes any file atomically, through `<target>.tmp.<pid>.<n>` beside it.
pub fn write_file_atomic(target: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        ".tmp.{}.{}",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    write_via(&target.with_file_name(name), target, bytes)
}

fn read_grid(path: &Path) -> Result<GridSpec, StoreError> {
    let text = fs::read_to_string(path).map_err(io(path))?;
    toml::from_str(&text).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        message: e.message().replace('\n', " "),
    })
}

fn parse_record(line: &str, path: &Path, line_no: Option<usize>) -> Result<RunRecord, StoreError> {
    serde_json::from_str(line).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        message: match line_no {
            Some(k) => format!("line {k}: {e}"),
            None => e.to_string(),
        },
    })
}

/// Whether two specs describe the same runs; the free-text notes do not count.
fn same_grid(a: &GridSpec, b: &GridSpec) -> bool {
    let strip = |g: &GridSpec| GridSpec {
        notes: Vec::new(),
        ..g.clone()
    };
    strip(a) == strip(b)
}

/// The top-level keys in which two grids differ.
fn differing_keys(a: &GridSpec, b: &GridSpec) -> String {
    let (ta, tb) = (
        toml::Table::try_from(a).unwrap_or_default(),
        toml::Table::try_from(b).unwrap_or_default(),
    );
    let mut keys: Vec<&String> = ta.keys().chain(tb.keys()).collect();
    keys.sort();
    keys.dedup();
    let diff: Vec<&str> = keys
        .into_iter()
        .filter(|k| ta.get(*k) != tb.get(*k))
        .map(String::as_str)
        .collect();
    diff.join(", ")
}

/// One row per run: the spec's axes and the final metrics.
pub fn summary_csv<'a>(records: impl Iterator<Item = &'a RunRecord>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "condition",
        "luminosity",
        "eps",
        "config",
        "seed",
        "lr",
        "lr_wei",
        "lr_wix",
        "width",
        "epochs_done",
        "final_test_acc",
        "final_test_loss",
        "final_val_acc",
        "diverged",
        "wall_seconds",
    ];
    w.write_record(header).expect("writing to memory");
    for r in records {
        let s = &r.spec;
        let last = r.last_epoch();
        let opt = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v}"));
        w.write_record([
            s.id.clone(),
            s.condition.to_string(),
            s.luminosity.to_string(),
            s.eps.to_string(),
            s.config.map_or_else(String::new, |c| c.to_string()),
            s.seed.to_string(),
            s.hyper.lr.to_string(),
            s.hyper.lr_wei.to_string(),
            s.hyper.lr_wix.to_string(),
            s.hyper.width.to_string(),
            r.epochs.len().to_string(),
            r.final_test_acc.to_string(),
            opt(last.map(|e| e.test.loss).filter(|_| !r.diverged)),
            opt(r.final_val_acc),
            r.diverged.to_string(),
            format!("{:.2}", r.wall_seconds),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
