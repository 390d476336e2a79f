//! Every file the CLI writes goes through [`write_atomic`]: the bytes go to a
//! temporary `<name>.tmp.<pid>.<n>` beside the target, are synced, and the
//! temporary is renamed over the target, so a reader (or a process killed at
//! any moment) sees the old file or the new one, never a part. A kill leaves
//! at most a temporary, which [`temporary_target`] recognizes so that the
//! owner of a folder can clean it up when it next starts.
//!
//! Keys in every file the CLI writes are snake_case (`lr_wei`,
//! `final_test_acc`). Files of earlier versions spelled the settings'
//! keys in kebab-case (`lr-wei`); [`from_json`] and [`from_toml`] read
//! both, so committed results stay readable.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde_json::Value;

/// An I/O failure on one path; prints as one line, `<path>: <cause>`.
#[derive(thiserror::Error, Debug)]
#[error("{}: {}", .path.display(), .source)]
pub struct IoError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// `map_err` for an I/O result on `path`.
pub fn at(path: &Path) -> impl FnOnce(std::io::Error) -> IoError + '_ {
    move |source| IoError {
        path: path.to_path_buf(),
        source,
    }
}

const MARK: &str = ".tmp.";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh temporary path beside `target`, unique within this machine.
fn temporary_for(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        "{MARK}{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    target.with_file_name(name)
}

/// Writes `bytes` to `target` through a temporary file and a rename.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let tmp = temporary_for(target);
    let written = (|| {
        let mut f = fs::File::create(&tmp).map_err(at(&tmp))?;
        f.write_all(bytes).map_err(at(&tmp))?;
        f.sync_all().map_err(at(&tmp))?;
        drop(f);
        fs::rename(&tmp, target).map_err(at(target))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Fails, naming the folder, unless a file can be created in `dir`; leaves
/// nothing behind.
pub fn check_writable(dir: &Path) -> Result<(), IoError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let probe = temporary_for(&dir.join(".write-check"));
    fs::File::create(&probe).map_err(|e| IoError {
        path: dir.to_path_buf(),
        source: std::io::Error::new(e.kind(), format!("cannot create files here: {e}")),
    })?;
    fs::remove_file(&probe).map_err(at(&probe))
}

/// The name of the file a temporary written by [`write_atomic`] was meant to
/// become (`None` if `name` is no such temporary).
pub fn temporary_target(name: &str) -> Option<&str> {
    let (target, rest) = name.rsplit_once(MARK)?;
    let (pid, n) = rest.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n) && !target.is_empty()).then_some(target)
}

/// Removes the temporaries in `dir` whose target name `stale` accepts;
/// returns how many. A missing folder has none.
pub fn remove_temporaries(dir: &Path, stale: impl Fn(&str) -> bool) -> Result<usize, IoError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(at(dir)(e)),
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if temporary_target(name).is_some_and(&stale) {
            match fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                // Another process cleaned it up or renamed it into place.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(at(&entry.path())(e)),
            }
        }
    }
    Ok(removed)
}

/// `v` with every object key in snake_case.
fn snake_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k.replace('-', "_"), snake_keys(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(snake_keys).collect()),
        v => v,
    }
}

/// Reads a JSON value written by this or an earlier version.
pub fn from_json<T: DeserializeOwned>(text: impl AsRef<[u8]>) -> serde_json::Result<T> {
    serde_json::from_value(snake_keys(serde_json::from_slice(text.as_ref())?))
}

/// Reads a parsed TOML table written by this or an earlier version, or by
/// hand in either spelling; the error names the key or value that is wrong.
pub fn from_toml<T: DeserializeOwned>(table: toml::Table) -> Result<T, String> {
    let json = serde_json::to_value(table).map_err(|e| e.to_string())?;
    serde_json::from_value(snake_keys(json)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("einorm-files-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = scratch("write");
        let target = dir.join("a.json");
        write_atomic(&target, b"one").unwrap();
        write_atomic(&target, b"two").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failed_write_names_the_path_and_leaves_nothing() {
        let dir = scratch("fail");
        let target = dir.join("missing/a.json");
        let err = write_atomic(&target, b"x").unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
        assert_eq!(err.to_string().lines().count(), 1);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn temporaries_are_recognized_by_their_target() {
        assert_eq!(temporary_target("grid.toml.tmp.123.0"), Some("grid.toml"));
        assert_eq!(temporary_target("runs/a.json.tmp.9.12"), Some("runs/a.json"));
        assert_eq!(temporary_target("grid.toml"), None);
        assert_eq!(temporary_target("notes.tmp.txt"), None);
        assert_eq!(temporary_target(".tmp.1.2"), None);
        let path = temporary_for(Path::new("/x/report.md"));
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(temporary_target(name), Some("report.md"));
    }

    #[test]
    fn only_stale_temporaries_are_removed() {
        let dir = scratch("clean");
        for name in ["a.json.tmp.1.0", "b.json.tmp.2.0", "a.json", "c.txt"] {
            fs::write(dir.join(name), "x").unwrap();
        }
        assert_eq!(remove_temporaries(&dir, |t| t == "a.json").unwrap(), 1);
        let mut left: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["a.json", "b.json.tmp.2.0", "c.txt"]);
        check_writable(&dir).unwrap();
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 3);
        let _ = fs::remove_dir_all(&dir);
    }
}
