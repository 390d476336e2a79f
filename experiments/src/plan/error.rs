//! Everything wrong a user can say about a grid or a run, as one typed error.
//! Every variant prints as one line naming the key at fault.

use std::path::PathBuf;

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum SpecError {
    #[error("unknown condition `{given}`; valid: {valid}")]
    UnknownCondition { given: String, valid: String },
    #[error("unknown preset `{given}`; valid: {valid}")]
    UnknownPreset { given: String, valid: String },
    #[error("unknown {key} `{given}`; valid: {valid}")]
    UnknownChoice {
        key: &'static str,
        given: String,
        valid: &'static str,
    },
    #[error("{key}: `{given}` is not a valid {what}")]
    BadValue {
        key: &'static str,
        given: String,
        what: &'static str,
    },
    #[error("{key} must be positive, got {given}")]
    NonPositive { key: &'static str, given: String },
    #[error("{key}: {given} is outside [{lo}, {hi}]")]
    OutOfRange {
        key: &'static str,
        given: String,
        lo: f64,
        hi: f64,
    },
    #[error("configs: {given} is not one of the paper's configurations 0-29")]
    UnknownConfig { given: usize },
    #[error("{key} must not be empty")]
    Empty { key: &'static str },
    #[error("name `{given}` must be non-empty and use only letters, digits, `-`, `_` and `.`")]
    BadName { given: String },
    #[error("--shard `{given}` must be i/n with 0 <= i < n")]
    BadShard { given: String },
    #[error("train: give --config or all of --lr, --lr-wei, --lr-wix, --width (missing {missing})")]
    MissingHyper { missing: &'static str },
    #[error("{}: line {line}: {message}", .path.display())]
    Toml {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: {message}", .path.display())]
    Unreadable { path: PathBuf, message: String },
    #[error("{what}")]
    Conflict { what: String },
    #[error("{flag}: {} is not an existing folder", .path.display())]
    NoFolder { flag: &'static str, path: PathBuf },
    #[error("{key}: {count} values, at most {max} allowed")]
    TooMany {
        key: &'static str,
        count: String,
        max: usize,
    },
    #[error("the grid has {count} runs, at most {max} allowed; split it into several grids")]
    TooManyRuns { count: String, max: usize },
    #[error("needs about {need} of memory ({per_run} per run x {jobs} at once, plus the data), more than this machine's {limit} (MemTotal); lower --jobs, --width or --batch")]
    Memory {
        need: String,
        per_run: String,
        jobs: usize,
        limit: String,
    },
}
