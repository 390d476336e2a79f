//! The library's one error type, and which exit code each kind deserves:
//! 2 for bad input (found before any work, nothing written), 1 for failures
//! while working.

use std::path::PathBuf;

use crate::data::LoadError;
use crate::report::ReportError;
use crate::spec::SpecError;
use crate::store::StoreError;

#[derive(thiserror::Error, Debug)]
pub enum Error {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Checkpoint(#[from] einet::CheckpointError),
    #[error("{}: {message}", .path.display())]
    BadFile { path: PathBuf, message: String },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Exit code for bad input.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for a failure while working.
pub const EXIT_FAILURE: i32 = 1;

impl Error {
    pub fn exit_code(&self) -> i32 {
        let bad_input = match self {
            Error::Spec(_) | Error::Load(_) | Error::Checkpoint(_) | Error::BadFile { .. } => true,
            Error::Store(e) | Error::Report(ReportError::Store(e)) => e.is_bad_input(),
            Error::Report(ReportError::Conflict { .. }) => true,
            Error::Report(_) | Error::Io { .. } => false,
        };
        if bad_input {
            EXIT_BAD_INPUT
        } else {
            EXIT_FAILURE
        }
    }
}
