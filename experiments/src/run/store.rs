//! The results folder of one grid, safe against `kill -9` at any moment and
//! against several processes (shards, or the same command twice) at once:
//!
//! ```text
//! <dir>/grid.toml          the grid spec; a folder holding another grid is refused
//! <dir>/runs/<id>.json     one finished run, one JSON line (the source of truth)
//! <dir>/runs.jsonl         all finished runs, sorted by id (derived from runs/)
//! <dir>/summary.csv        one row per finished run (derived)
//! <dir>/report.md, figures/*.svg   written by `report` (derived)
//! <dir>/grid.lock          the folder's lock (not committed)
//! <dir>/claims/<id>        a run being trained (not committed)
//! ```
//!
//! Every file is written through [`files::write_atomic`], so a reader sees a
//! whole file or none; a run is finished exactly when its `runs/<id>.json`
//! exists. Two kinds of advisory lock (`File::lock`, which the OS drops when
//! the process dies, so a killed process never blocks a rerun):
//! - the folder lock, held while `grid.toml` is created or checked and while
//!   the derived files are rebuilt from `runs/`, so two grids racing on a
//!   fresh folder cannot both start and no rebuild loses a row;
//! - a claim per run, held (non-blocking) while the run trains, so duplicate
//!   commands and shards split the work instead of repeating it.
//!
//! A kill leaves at most temporaries, which the next process removes.

use std::collections::BTreeMap;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use crate::files::{self, at, IoError};
use crate::plan::{GridSpec, RunSpec};
use crate::run::record::RunRecord;

pub const GRID_FILE: &str = "grid.toml";
pub const RUNS_DIR: &str = "runs";
pub const RUNS_FILE: &str = "runs.jsonl";
pub const SUMMARY_FILE: &str = "summary.csv";
pub const LOCK_FILE: &str = "grid.lock";
pub const CLAIMS_DIR: &str = "claims";
/// Folders of derived files that may hold temporaries.
const FIGURES_DIR: &str = "figures";

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
    #[error("{} is a file, not a folder; give a folder for the results", .dir.display())]
    NotAFolder { dir: PathBuf },
    #[error("{} has no {GRID_FILE}: not a grid folder", .dir.display())]
    NoGrid { dir: PathBuf },
    #[error("{}: {message}", .path.display())]
    Corrupt { path: PathBuf, message: String },
    #[error("{}: run `{id}` does not belong to this folder's grid", .path.display())]
    ForeignRun { path: PathBuf, id: String },
    #[error(transparent)]
    Io(#[from] IoError),
}

/// One grid's folder.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
}

/// The folder lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

/// The claim on one run; dropping it removes the claim file and releases it.
#[derive(Debug)]
pub struct Claim {
    path: PathBuf,
    _file: File,
}

impl Drop for Claim {
    fn drop(&mut self) {
        // Removed while still held: whoever opens the old file next finds the
        // run's record already written (or the run unfinished) when it checks.
        let _ = fs::remove_file(&self.path);
    }
}

impl Store {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Checks, without writing anything, that `dir` can hold `grid`: it does
    /// not exist, is empty (but for what a killed first start leaves), or
    /// already holds the same grid.
    pub fn check(dir: &Path, grid: &GridSpec) -> Result<(), StoreError> {
        if dir.exists() && !dir.is_dir() {
            return Err(StoreError::NotAFolder {
                dir: dir.to_path_buf(),
            });
        }
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
            // Damaged or foreign records are refused before anything is written.
            let store = Store {
                dir: dir.to_path_buf(),
            };
            store.finished_of(grid)?;
            return Ok(());
        }
        if dir.exists() && !holds_only_leftovers(dir)? {
            return Err(StoreError::NotAGridFolder {
                dir: dir.to_path_buf(),
            });
        }
        Ok(())
    }

    /// Creates (or reopens) the folder for `grid` after [`Store::check`],
    /// under the folder lock, so that of several processes racing on a fresh
    /// folder with different grids exactly one wins; removes what killed
    /// processes left and checks that runs can be recorded.
    pub fn create(dir: &Path, grid: &GridSpec) -> Result<Store, StoreError> {
        Store::check(dir, grid)?;
        fs::create_dir_all(dir).map_err(at(dir))?;
        let store = Store {
            dir: dir.to_path_buf(),
        };
        let lock = store.lock()?;
        Store::check(dir, grid)?;
        for sub in [RUNS_DIR, CLAIMS_DIR] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).map_err(at(&path))?;
            files::check_writable(&path)?;
        }
        store.remove_leftovers()?;
        let grid_file = dir.join(GRID_FILE);
        if !grid_file.exists() {
            files::write_atomic(&grid_file, grid.to_toml().as_bytes())?;
        }
        drop(lock);
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

    /// Waits for and takes the folder lock.
    pub fn lock(&self) -> Result<FolderLock, StoreError> {
        let path = self.dir.join(LOCK_FILE);
        let file = lock_file(&path)?;
        file.lock().map_err(at(&path))?;
        Ok(FolderLock { _file: file })
    }

    /// Claims run `id` for training, or `None` if another process holds it
    /// or has finished it.
    pub fn claim(&self, id: &str) -> Result<Option<Claim>, StoreError> {
        let path = self.dir.join(CLAIMS_DIR).join(id);
        let file = lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(at(&path)(e).into()),
        }
        let claim = Claim { path, _file: file };
        Ok((!self.run_path(id).exists()).then_some(claim))
    }

    /// Whether another process is training run `id` now (it holds the
    /// run's claim). Reads only: a left-over claim of a killed process is
    /// not held, so it does not count.
    pub fn training(&self, id: &str) -> bool {
        let path = self.dir.join(CLAIMS_DIR).join(id);
        fs::File::open(path).is_ok_and(|f| matches!(f.try_lock(), Err(TryLockError::WouldBlock)))
    }

    fn run_path(&self, id: &str) -> PathBuf {
        self.dir.join(RUNS_DIR).join(format!("{id}.json"))
    }

    /// Removes the temporaries of killed processes: those of the folder's
    /// own and derived files (written only under the folder lock, which the
    /// caller holds) and those of runs nobody claims.
    fn remove_leftovers(&self) -> Result<(), StoreError> {
        files::remove_temporaries(&self.dir, |_| true)?;
        files::remove_temporaries(&self.dir.join(FIGURES_DIR), |_| true)?;
        remove_old_style_temporaries(&self.dir)?;
        let runs = self.dir.join(RUNS_DIR);
        let unclaimed = |target: &str| {
            let id = target.strip_suffix(".json").unwrap_or(target);
            self.run_path(id).exists() || matches!(self.claim(id), Ok(Some(_)))
        };
        files::remove_temporaries(&runs, unclaimed)?;
        Ok(())
    }

    /// Writes `bytes` to `name` in the folder atomically.
    pub fn write_atomic(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        Ok(files::write_atomic(&self.dir.join(name), bytes)?)
    }

    /// Records a finished run.
    pub fn write_run(&self, record: &RunRecord) -> Result<(), StoreError> {
        let mut line = serde_json::to_string(record).expect("a run record always serializes");
        line.push('\n');
        Ok(files::write_atomic(
            &self.run_path(&record.spec.id),
            line.as_bytes(),
        )?)
    }

    /// Every finished run, by id: the union of `runs/` and `runs.jsonl` (a
    /// folder may hold only the merged file, e.g. committed results). A
    /// damaged `runs.jsonl` is ignored when `runs/` holds records, as it is
    /// rebuilt from them.
    pub fn finished(&self) -> Result<BTreeMap<String, RunRecord>, StoreError> {
        let mut out = BTreeMap::new();
        let runs = self.dir.join(RUNS_DIR);
        if runs.is_dir() {
            let mut paths: Vec<PathBuf> = fs::read_dir(&runs)
                .map_err(at(&runs))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            paths.sort();
            for path in paths {
                let text = fs::read_to_string(&path).map_err(at(&path))?;
                let r = parse_record(text.trim(), &path, None)?;
                out.insert(r.spec.id.clone(), r);
            }
        }
        let merged = self.dir.join(RUNS_FILE);
        if merged.exists() {
            match read_merged(&merged) {
                Ok(records) => {
                    for r in records {
                        out.entry(r.spec.id.clone()).or_insert(r);
                    }
                }
                Err(StoreError::Corrupt { .. }) if !out.is_empty() => {}
                Err(e) => return Err(e),
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
                    path: self.run_path(id),
                    id: id.clone(),
                });
            }
        }
        Ok(done)
    }

    /// Brings `runs.jsonl` and `summary.csv` up to date with `records`
    /// (sorted by id), rewriting only a file whose bytes differ; returns the
    /// names of those rewritten. Call it under the folder lock.
    pub fn refresh_derived(
        &self,
        records: &BTreeMap<String, RunRecord>,
    ) -> Result<Vec<&'static str>, StoreError> {
        let mut jsonl = String::new();
        for r in records.values() {
            jsonl.push_str(&serde_json::to_string(r).expect("a run record always serializes"));
            jsonl.push('\n');
        }
        let mut rewrote = Vec::new();
        for (name, bytes) in [
            (RUNS_FILE, jsonl.into_bytes()),
            (SUMMARY_FILE, summary_csv(records.values())),
        ] {
            let path = self.dir.join(name);
            if fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
                files::write_atomic(&path, &bytes)?;
                rewrote.push(name);
            }
        }
        Ok(rewrote)
    }
}

/// Whether `dir` holds nothing but what a process killed while creating the
/// folder may leave: the lock, the claims folder, temporaries, and a runs
/// folder without records.
fn holds_only_leftovers(dir: &Path) -> Result<bool, StoreError> {
    for entry in fs::read_dir(dir).map_err(at(dir))? {
        let entry = entry.map_err(at(dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let leftover = match name.as_ref() {
            LOCK_FILE | CLAIMS_DIR => true,
            RUNS_DIR => {
                let runs = entry.path();
                fs::read_dir(&runs)
                    .map_err(at(&runs))?
                    .flatten()
                    .all(|e| is_temporary(&e.file_name().to_string_lossy()))
            }
            other => is_temporary(other),
        };
        if !leftover {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A temporary of [`files::write_atomic`], or of earlier versions, which
/// wrote `runs.tmp.<pid>.<n>.<name>` in the folder.
fn is_temporary(name: &str) -> bool {
    files::temporary_target(name).is_some() || name.starts_with("runs.tmp.")
}

fn remove_old_style_temporaries(dir: &Path) -> Result<(), StoreError> {
    for entry in fs::read_dir(dir).map_err(at(dir))?.flatten() {
        if entry.file_name().to_string_lossy().starts_with("runs.tmp.") {
            let path = entry.path();
            match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(at(&path)(e).into()),
                _ => {}
            }
        }
    }
    Ok(())
}

fn read_merged(path: &Path) -> Result<Vec<RunRecord>, StoreError> {
    let text = fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => StoreError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
        _ => at(path)(e).into(),
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(k, line)| parse_record(line, path, Some(k + 1)))
        .collect()
}

fn read_grid(path: &Path) -> Result<GridSpec, StoreError> {
    let text = fs::read_to_string(path).map_err(at(path))?;
    let corrupt = |message: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        message: message.replace('\n', " "),
    };
    let table = toml::from_str(&text).map_err(|e| corrupt(e.message().to_string()))?;
    files::from_toml(table).map_err(corrupt)
}

fn parse_record(line: &str, path: &Path, line_no: Option<usize>) -> Result<RunRecord, StoreError> {
    files::from_json(line).map_err(|e| StoreError::Corrupt {
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

/// Opens (creating it if needed) a file that is only ever locked, never
/// written.
fn lock_file(path: &Path) -> Result<File, StoreError> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(at(path))?;
    Ok(file)
}

/// One row per run: the spec's axes and the final metrics.
pub fn summary_csv<'a>(records: impl Iterator<Item = &'a RunRecord>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = RunSpec::CSV_AXES.to_vec();
    header.extend([
        "epochs_done",
        "final_test_acc",
        "final_test_loss",
        "final_val_acc",
        "diverged",
        "wall_seconds",
    ]);
    w.write_record(&header).expect("writing to memory");
    for r in records {
        let last = r.last_epoch();
        let opt = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v}"));
        let mut row = r.spec.csv_axes().to_vec();
        row.extend([
            r.epochs.len().to_string(),
            r.final_test_acc.to_string(),
            opt(last.map(|e| e.test.loss).filter(|_| !r.diverged)),
            opt(r.final_val_acc),
            r.diverged.to_string(),
            format!("{:.2}", r.wall_seconds),
        ]);
        w.write_record(&row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
