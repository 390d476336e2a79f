//! The library's one error type. Every error is something the user can act
//! on (bad input, a path that cannot be read or written, too little memory)
//! and exits with code 2; each prints as one line naming the problem and,
//! for a file, its path. Exit code 1 is left to panics of our own making.

use std::path::PathBuf;

use crate::files::IoError;
use crate::plan::SpecError;
use crate::report::ReportError;
use crate::run::data::LoadError;
use crate::run::store::StoreError;

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
    #[error(transparent)]
    Io(#[from] IoError),
}

/// Exit code for bad input and refused reads or writes.
pub const EXIT_BAD_INPUT: i32 = 2;

impl Error {
    pub fn exit_code(&self) -> i32 {
        EXIT_BAD_INPUT
    }
}
