//! Which dataset, which split, and where its IDX files are.
//!
//! Search order: an explicit folder from the caller (the CLI's `--data-dir`),
//! then the environment variable (`FASHION_MNIST_DIR` or `MNIST_DIR`), then the
//! default folders (for Fashion-MNIST the Debian package's
//! `/usr/share/datasets/fashion-mnist`, then `./data/fashion-mnist`; for MNIST
//! `./data/mnist`). An explicit folder or a set variable is taken at its word:
//! if it does not exist the search stops with an error rather than quietly
//! reading data from somewhere else, which would hide a typo.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::DataError;

/// The Debian package `dataset-fashion-mnist` installs its files here.
pub const DEBIAN_FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DatasetKind {
    FashionMnist,
    Mnist,
}

impl DatasetKind {
    /// The names accepted by `FromStr` and printed by `Display`.
    pub const NAMES: [&'static str; 2] = ["fashion-mnist", "mnist"];

    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::FashionMnist => Self::NAMES[0],
            DatasetKind::Mnist => Self::NAMES[1],
        }
    }

    /// The environment variable naming this dataset's folder.
    pub fn env_var(self) -> &'static str {
        match self {
            DatasetKind::FashionMnist => "FASHION_MNIST_DIR",
            DatasetKind::Mnist => "MNIST_DIR",
        }
    }

    /// The folders searched when neither an explicit folder nor the
    /// environment variable is given, in order.
    pub fn default_dirs(self) -> Vec<PathBuf> {
        let local = Path::new(".").join("data").join(self.name());
        match self {
            DatasetKind::FashionMnist => vec![PathBuf::from(DEBIAN_FASHION_MNIST_DIR), local],
            DatasetKind::Mnist => vec![local],
        }
    }

    fn hint(self) -> String {
        let files = FILE_NAMES.map(|f| format!("{f}.gz")).join(", ");
        let local = Path::new(".").join("data").join(self.name());
        let put = format!(
            "put the four files {files} (gzipped or raw) in {}, or point {} or --data-dir at their folder",
            local.display(),
            self.env_var()
        );
        match self {
            DatasetKind::FashionMnist => {
                format!("Install the data with `apt-get install dataset-fashion-mnist`, or {put}")
            }
            DatasetKind::Mnist => format!("To get MNIST, {put}"),
        }
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DatasetKind {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, DataError> {
        [DatasetKind::FashionMnist, DatasetKind::Mnist]
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| DataError::UnknownDataset { name: s.to_owned() })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    /// File names (without `.gz`) of this split's images and labels.
    pub fn file_names(self) -> (&'static str, &'static str) {
        match self {
            Split::Train => (FILE_NAMES[0], FILE_NAMES[1]),
            Split::Test => (FILE_NAMES[2], FILE_NAMES[3]),
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Split::Train => "train",
            Split::Test => "test",
        })
    }
}

/// The four IDX files, the same for MNIST and Fashion-MNIST.
const FILE_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// The folder holding `kind`'s files. Searched in order: `explicit` (the
/// CLI's `--data-dir`), the variable [`DatasetKind::env_var`], then
/// [`DatasetKind::default_dirs`] (the first that holds any of the files).
/// An explicit folder or a set variable is taken at its word: if it is not a
/// folder the search stops with [`DataError::NotFound`] instead of quietly
/// reading data from elsewhere, which would hide a typo.
pub fn find_data_dir(kind: DatasetKind, explicit: Option<&Path>) -> Result<PathBuf, DataError> {
    let env = std::env::var_os(kind.env_var())
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    search(kind, explicit, env.as_deref(), &kind.default_dirs())
}

/// The search itself, with the environment passed in so tests need not set it.
fn search(
    kind: DatasetKind,
    explicit: Option<&Path>,
    env: Option<&Path>,
    defaults: &[PathBuf],
) -> Result<PathBuf, DataError> {
    let not_found = |searched: Vec<PathBuf>| DataError::NotFound {
        kind,
        searched,
        hint: kind.hint(),
    };
    if let Some(dir) = explicit.or(env) {
        return if dir.is_dir() {
            Ok(dir.to_path_buf())
        } else {
            Err(not_found(vec![dir.to_path_buf()]))
        };
    }
    // A default folder counts only if it holds some of the files, so an empty
    // leftover folder does not shadow the next one.
    defaults
        .iter()
        .find(|dir| FILE_NAMES.iter().any(|f| find_file(dir, f).is_some()))
        .cloned()
        .ok_or_else(|| not_found(defaults.to_vec()))
}

/// `dir/name`, raw or gzipped (raw first: it is faster to read).
pub(crate) fn data_file(dir: &Path, name: &str) -> Result<PathBuf, DataError> {
    find_file(dir, name).ok_or_else(|| DataError::MissingFile { path: dir.join(name) })
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(name), dir.join(format!("{name}.gz"))]
        .into_iter()
        .find(|p| p.exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder, removed when dropped.
    struct Scratch(PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn scratch(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("datasets-locate-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    #[test]
    fn kind_names_round_trip() {
        for name in DatasetKind::NAMES {
            let kind: DatasetKind = name.parse().expect("valid name");
            assert_eq!(kind.to_string(), name);
        }
    }

    #[test]
    fn unknown_kind_error_lists_valid_names() {
        let err = "cifar".parse::<DatasetKind>().unwrap_err();
        assert!(matches!(err, DataError::UnknownDataset { .. }));
        let msg = err.to_string();
        assert!(msg.contains("cifar") && msg.contains("fashion-mnist") && msg.contains("mnist"));
    }

    #[test]
    fn explicit_dir_wins_over_env_and_defaults() {
        let (a, b, c) = (scratch("exp-a"), scratch("exp-b"), scratch("exp-c"));
        std::fs::write(c.0.join("train-images-idx3-ubyte.gz"), b"").expect("write");
        let defaults = [c.0.clone()];
        let found = search(DatasetKind::Mnist, Some(&a.0), Some(&b.0), &defaults);
        assert_eq!(found.expect("found"), a.0);
        let found = search(DatasetKind::Mnist, None, Some(&b.0), &defaults);
        assert_eq!(found.expect("found"), b.0);
        let found = search(DatasetKind::Mnist, None, None, &defaults);
        assert_eq!(found.expect("found"), c.0);
    }

    #[test]
    fn missing_explicit_dir_does_not_fall_back() {
        let present = scratch("fallback");
        std::fs::write(present.0.join("t10k-labels-idx1-ubyte"), b"").expect("write");
        let typo = present.0.join("no-such-dir");
        match search(
            DatasetKind::FashionMnist,
            Some(&typo),
            None,
            std::slice::from_ref(&present.0),
        ) {
            Err(DataError::NotFound { searched, .. }) => assert_eq!(searched, vec![typo]),
            other => panic!("expected NotFound, got {other:?}"),
        }
    }

    #[test]
    fn empty_default_dir_is_skipped_for_the_next() {
        let (empty, full) = (scratch("skip-empty"), scratch("skip-full"));
        std::fs::write(full.0.join("train-labels-idx1-ubyte"), b"").expect("write");
        let found = search(DatasetKind::Mnist, None, None, &[empty.0.clone(), full.0.clone()]);
        assert_eq!(found.expect("found"), full.0);
    }

    #[test]
    fn not_found_lists_places_and_how_to_get_the_data() {
        let places = vec![PathBuf::from("/nowhere/one"), PathBuf::from("/nowhere/two")];
        let err = search(DatasetKind::FashionMnist, None, None, &places).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("/nowhere/one") && msg.contains("/nowhere/two"),
            "{msg}"
        );
        assert!(msg.contains("apt-get install dataset-fashion-mnist"), "{msg}");
        let msg = search(DatasetKind::Mnist, None, None, &places)
            .unwrap_err()
            .to_string();
        for file in FILE_NAMES {
            assert!(msg.contains(file), "{msg}");
        }
        assert!(msg.contains("MNIST_DIR") && msg.contains("data/mnist"), "{msg}");
    }

    #[test]
    fn fashion_mnist_defaults_start_with_the_debian_folder() {
        let dirs = DatasetKind::FashionMnist.default_dirs();
        assert_eq!(dirs[0], Path::new(DEBIAN_FASHION_MNIST_DIR));
        assert_eq!(dirs[1], Path::new("./data/fashion-mnist"));
    }

    #[test]
    fn data_file_prefers_raw_and_reports_the_missing_name() {
        let dir = scratch("data-file");
        std::fs::write(dir.0.join("train-images-idx3-ubyte.gz"), b"").expect("write");
        let gz = data_file(&dir.0, "train-images-idx3-ubyte").expect("gz found");
        assert!(gz.ends_with("train-images-idx3-ubyte.gz"));
        std::fs::write(dir.0.join("train-images-idx3-ubyte"), b"").expect("write");
        let raw = data_file(&dir.0, "train-images-idx3-ubyte").expect("raw found");
        assert!(raw.ends_with("train-images-idx3-ubyte"));
        match data_file(&dir.0, "t10k-images-idx3-ubyte") {
            Err(DataError::MissingFile { path }) => {
                assert!(path.ends_with("t10k-images-idx3-ubyte"))
            }
            other => panic!("expected MissingFile, got {other:?}"),
        }
    }
}
