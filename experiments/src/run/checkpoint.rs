//! What `train --checkpoint` saves after every epoch, in ONE file written
//! atomically, so the network and the run's record can never be an epoch
//! apart:
//!
//! ```text
//! EINORM-TRAIN 1\n         header
//! {"spec":…,"epochs":…}\n  the run and its finished epochs (JSON, one line)
//! EINETCKP…                the trainer: network, optimizer state, steps (einet::checkpoint)
//! ```
//!
//! Files of earlier versions, a bare einet checkpoint `<ck>` beside
//! `<ck>.state.json`, still load. Either way the trainer is checked against
//! the run before training resumes: same network, rates and seed, and as
//! many steps as the finished epochs took; a mismatch names both files.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use einet::{NetSpec, Trainer};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::files;
use crate::plan::RunSpec;
use crate::run::record::EpochMetrics;
use crate::run::train::{hyper, init_seed};

const HEADER: &[u8] = b"EINORM-TRAIN 1\n";

/// The run and its finished epochs.
#[derive(Serialize, Deserialize)]
struct State {
    spec: RunSpec,
    epochs: Vec<EpochMetrics>,
    /// When the run first started, seconds since 1970 (absent in files of
    /// earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    started: Option<u64>,
}

/// A run read back from a checkpoint.
pub struct Resumed {
    pub spec: RunSpec,
    pub epochs: Vec<EpochMetrics>,
    pub trainer: Trainer,
    pub started: Option<SystemTime>,
    /// Where the run state was read from (the checkpoint itself, or the
    /// `.state.json` of an earlier version).
    state_path: PathBuf,
    checkpoint: PathBuf,
}

/// `<checkpoint>.state.json`, where earlier versions kept the run state.
pub fn legacy_state_path(checkpoint: &Path) -> PathBuf {
    let mut name = checkpoint.file_name().unwrap_or_default().to_os_string();
    name.push(".state.json");
    checkpoint.with_file_name(name)
}

/// Writes the checkpoint of a run after `epochs`.
pub fn save(
    path: &Path,
    spec: &RunSpec,
    epochs: &[EpochMetrics],
    trainer: &Trainer,
    started: SystemTime,
) -> Result<(), Error> {
    let state = State {
        spec: spec.clone(),
        epochs: epochs.to_vec(),
        started: started.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs()),
    };
    let mut bytes = HEADER.to_vec();
    serde_json::to_writer(&mut bytes, &state).expect("a run state serializes");
    bytes.push(b'\n');
    bytes.extend_from_slice(&trainer.to_bytes());
    files::write_atomic(path, &bytes)?;
    // A state file of an earlier version would now be stale.
    let legacy = legacy_state_path(path);
    if legacy.exists() {
        std::fs::remove_file(&legacy).map_err(files::at(&legacy))?;
    }
    Ok(())
}

/// Reads the checkpoint at `path` (either format).
pub fn load(path: &Path) -> Result<Resumed, Error> {
    let bad = |path: &Path, message: String| Error::BadFile {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(path, format!("cannot read the checkpoint: {e}")))?;
    let (state, state_path, trainer) = if let Some(rest) = bytes.strip_prefix(HEADER) {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad(path, "truncated checkpoint: no run state".to_string()))?;
        let state: State =
            files::from_json(&rest[..end]).map_err(|e| bad(path, format!("damaged run state: {e}")))?;
        let trainer = Trainer::from_bytes(&rest[end + 1..], path)?;
        (state, path.to_path_buf(), trainer)
    } else if Trainer::is_checkpoint(&bytes) {
        let state_path = legacy_state_path(path);
        let text = std::fs::read_to_string(&state_path).map_err(|e| {
            bad(
                &state_path,
                format!("cannot read the run state of checkpoint {}: {e}", path.display()),
            )
        })?;
        let state: State = files::from_json(&text).map_err(|e| bad(&state_path, e.to_string()))?;
        (state, state_path, Trainer::from_bytes(&bytes, path)?)
    } else {
        return Err(bad(
            path,
            "not a checkpoint written by `einorm train --checkpoint`".to_string(),
        ));
    };
    state.spec.validate()?;
    let resumed = Resumed {
        spec: state.spec,
        epochs: state.epochs,
        trainer,
        started: state.started.map(|s| UNIX_EPOCH + Duration::from_secs(s)),
        state_path,
        checkpoint: path.to_path_buf(),
    };
    resumed.check_network()?;
    Ok(resumed)
}

impl Resumed {
    fn mismatch(&self, what: String) -> Error {
        let message = if self.state_path == self.checkpoint {
            format!("the network and the run state disagree: {what}")
        } else {
            format!(
                "does not belong with the run state {}: {what}",
                self.state_path.display()
            )
        };
        Error::BadFile {
            path: self.checkpoint.clone(),
            message,
        }
    }

    /// The network is the run's: architecture, rates, seed, epoch numbers.
    fn check_network(&self) -> Result<(), Error> {
        let spec = &self.spec;
        let h = &spec.hyper;
        let t = &self.trainer;
        if t.spec() != &NetSpec::paper(spec.condition, h.width) {
            return Err(self.mismatch(format!(
                "the network is {} of width {}, the run `{}` is {} of width {}",
                t.spec().condition,
                t.spec().width,
                spec.id,
                spec.condition,
                h.width
            )));
        }
        if t.hyper() != &hyper(spec) || t.seed() != init_seed(spec) {
            return Err(self.mismatch(format!(
                "the network was trained with other rates or another seed than run `{}`",
                spec.id
            )));
        }
        if let Some((k, e)) = self.epochs.iter().enumerate().find(|(k, e)| e.epoch != k + 1) {
            return Err(self.mismatch(format!("epoch {} is listed as epoch {}", k + 1, e.epoch)));
        }
        Ok(())
    }

    /// The network took exactly the steps of the finished epochs, each of
    /// `batches` batches (known once the data is loaded).
    pub fn check_steps(&self, batches: usize) -> Result<(), Error> {
        let expected = (self.epochs.len() * batches) as u64;
        if self.trainer.steps() != expected {
            return Err(self.mismatch(format!(
                "the network has taken {} steps, the {} finished epochs of {batches} batches take {expected}",
                self.trainer.steps(),
                self.epochs.len()
            )));
        }
        Ok(())
    }
}
