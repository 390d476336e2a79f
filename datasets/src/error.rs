//! Every way loading can fail, as one typed error. Each file variant names the
//! file, so the CLI can print the error as its one line.

use std::path::{Path, PathBuf};

use crate::DatasetKind;

#[derive(thiserror::Error, Debug)]
pub enum DataError {
    #[error("{kind} data not found; searched: {}. {hint}", list(.searched))]
    NotFound {
        kind: DatasetKind,
        /// Every place looked at, in search order.
        searched: Vec<PathBuf>,
        /// How to get the data.
        hint: String,
    },
    #[error("{}: missing file (looked for it raw and as .gz)", .path.display())]
    MissingFile { path: PathBuf },
    #[error("{}: unreadable: {source}", .path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: truncated: expected {expected} bytes, found {found}", .path.display())]
    Truncated {
        path: PathBuf,
        expected: u64,
        found: u64,
    },
    #[error("{}: trailing bytes: expected {expected} bytes, found {found}", .path.display())]
    TrailingBytes {
        path: PathBuf,
        expected: u64,
        found: u64,
    },
    #[error("{}: wrong magic number {found:#010x}, expected {expected:#010x}", .path.display())]
    BadMagic {
        path: PathBuf,
        expected: u32,
        found: u32,
    },
    #[error("{}: wrong dimensions {found:?}, expected {expected:?}", .path.display())]
    BadDimensions {
        path: PathBuf,
        expected: Vec<u32>,
        found: Vec<u32>,
    },
    #[error(
        "{} holds {images} images but {} holds {labels} labels",
        .images_path.display(),
        .labels_path.display()
    )]
    CountMismatch {
        images_path: PathBuf,
        labels_path: PathBuf,
        images: usize,
        labels: usize,
    },
    #[error("{}: label {label} at index {index} is out of range 0..{n_classes}", .path.display())]
    LabelOutOfRange {
        path: PathBuf,
        index: usize,
        label: u8,
        n_classes: usize,
    },
    #[error("unknown dataset `{name}`; valid names: {}", crate::DatasetKind::NAMES.join(", "))]
    UnknownDataset { name: String },
    #[error("invalid luminosity: {reason}")]
    BadLuminosity { reason: String },
}

fn list(paths: &[PathBuf]) -> String {
    let shown: Vec<_> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

impl DataError {
    pub(crate) fn unreadable(path: &Path, source: std::io::Error) -> Self {
        DataError::Unreadable {
            path: path.to_path_buf(),
            source,
        }
    }
}
