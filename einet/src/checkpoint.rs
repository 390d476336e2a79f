//! Saving and loading a [`Trainer`]: network, optimizer state, hyperparameters,
//! seed and step count, so a run resumes exactly where it stopped.
//!
//! File layout (integers little-endian):
//! ```text
//! magic    8 bytes   "EINETCKP"
//! version  u32       FORMAT_VERSION
//! length   u64       bytes of payload
//! checksum u64       FNV-1a of payload
//! payload            bincode (standard config, serde) of the seed, step count,
//!                    hyperparameters and network (momentum buffers included)
//! ```
//! so a truncated or damaged file is reported as such, never decoded. A
//! save writes a temporary file beside the target and renames it over the
//! target, so a crash never leaves a half-written checkpoint under the real
//! name.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::network::Network;
use crate::optim::Hyper;
use crate::trainer::Trainer;

const MAGIC: &[u8; 8] = b"EINETCKP";
const HEADER: usize = 8 + 4 + 8 + 8;
/// Bumped whenever the encoded layout changes.
pub const FORMAT_VERSION: u32 = 1;
/// Decoding refuses to allocate more than this (a guard against corrupt lengths).
const DECODE_LIMIT: usize = 1 << 31;

/// Every way saving or loading can fail. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not an einet checkpoint (bad magic bytes)", .path.display())]
    NotACheckpoint { path: PathBuf },
    #[error("{}: checkpoint format version {found}, this build reads version {expected}", .path.display())]
    Version {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("{}: corrupt checkpoint: {reason}", .path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("{}: cannot encode checkpoint: {reason}", .path.display())]
    Encode { path: PathBuf, reason: String },
}

/// What is stored (borrowing the network when saving).
#[derive(Serialize, Deserialize)]
struct Checkpoint<N> {
    seed: u64,
    steps: u64,
    hyper: Hyper,
    network: N,
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<DECODE_LIMIT>()
}

impl Trainer {
    /// Writes the trainer to `path` (through a temporary file and a rename).
    pub fn save(&self, path: &Path) -> Result<(), CheckpointError> {
        let stored = Checkpoint {
            seed: self.seed,
            steps: self.steps,
            hyper: self.hyper,
            network: &self.net,
        };
        let payload =
            bincode::serde::encode_to_vec(&stored, config()).map_err(|e| CheckpointError::Encode {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        let mut bytes = Vec::with_capacity(HEADER + payload.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&fnv1a(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);

        let tmp = temp_path(path);
        let io = |source| CheckpointError::Io {
            path: tmp.clone(),
            source,
        };
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|source| CheckpointError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads a trainer written by [`save`](Self::save).
    pub fn load(path: &Path) -> Result<Trainer, CheckpointError> {
        let bytes = std::fs::read(path).map_err(|source| CheckpointError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let corrupt = |reason: String| CheckpointError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(CheckpointError::NotACheckpoint {
                path: path.to_path_buf(),
            });
        }
        if bytes.len() < HEADER {
            return Err(corrupt(format!("truncated header: {} bytes", bytes.len())));
        }
        let version = u32::from_le_bytes(field(&bytes[8..12]));
        if version != FORMAT_VERSION {
            return Err(CheckpointError::Version {
                path: path.to_path_buf(),
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let length = u64::from_le_bytes(field(&bytes[12..20]));
        let checksum = u64::from_le_bytes(field(&bytes[20..28]));
        let payload = &bytes[HEADER..];
        if payload.len() as u64 != length {
            return Err(corrupt(format!(
                "payload is {} bytes, the header says {length}",
                payload.len()
            )));
        }
        if fnv1a(payload) != checksum {
            return Err(corrupt("checksum mismatch: the file is damaged".to_string()));
        }
        let (stored, read): (Checkpoint<Network>, usize) =
            bincode::serde::decode_from_slice(payload, config()).map_err(|e| corrupt(e.to_string()))?;
        if read != payload.len() {
            return Err(corrupt(format!(
                "{} bytes after the checkpoint",
                payload.len() - read
            )));
        }
        stored.network.check_against_spec().map_err(corrupt)?;
        Ok(Trainer::from_parts(
            stored.network,
            stored.hyper,
            stored.seed,
            stored.steps,
        ))
    }
}

/// A fixed-size header field (the caller slices exactly `N` bytes).
fn field<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    out
}

/// 64-bit FNV-1a: a small, dependency-free checksum against damaged files.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `dir/name.tmp` beside `path`.
fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "checkpoint".into());
    name.push(".tmp");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::Condition;
    use crate::network::NetSpec;
    use crate::optim::Hyper;
    use autograd::ErrorMode;

    /// A fresh, empty folder under the system temp dir, unique per test.
    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("einet-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    }

    fn batch() -> (Vec<f32>, Vec<usize>) {
        (
            autograd::seeded_positive(8, 12, 1).data().to_vec(),
            vec![0, 1, 2, 0, 1, 2, 0, 1],
        )
    }

    fn trained(condition: Condition) -> Trainer {
        let spec = NetSpec {
            n_in: 12,
            width: 10,
            depth: 2,
            n_out: 3,
            condition,
        };
        let hyper = Hyper {
            momentum: 0.9,
            momentum_inh: 0.5,
            ..Hyper::paper(0.05, 1e-3, 0.1)
        };
        let mut t = Trainer::new(&spec, &hyper, 3);
        let (x, y) = batch();
        for _ in 0..3 {
            t.step(&x, &y);
        }
        t
    }

    #[test]
    fn a_loaded_checkpoint_resumes_bitwise_identically() {
        let dir = scratch("resume");
        for condition in [
            Condition::EiLnDetached,
            Condition::INorm(ErrorMode::Lateral),
            Condition::INormSub,
        ] {
            let path = dir.join(format!("{condition}.ckpt"));
            let mut original = trained(condition);
            original.save(&path).expect("save");
            let mut loaded = Trainer::load(&path).expect("load");
            assert_eq!(
                (loaded.spec(), loaded.hyper()),
                (original.spec(), original.hyper())
            );
            assert_eq!((loaded.seed(), loaded.steps()), (3, 3));
            let (x, y) = batch();
            for _ in 0..3 {
                assert_eq!(
                    original.step(&x, &y).to_bits(),
                    loaded.step(&x, &y).to_bits(),
                    "{condition}"
                );
            }
        }
        assert!(
            !dir.join("inorm-sub.ckpt.tmp").exists(),
            "temporary file left behind"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn loading_a_foreign_file_says_it_is_not_a_checkpoint() {
        let dir = scratch("foreign");
        let path = dir.join("notes.txt");
        std::fs::write(&path, "hello, world").expect("write");
        assert!(matches!(
            Trainer::load(&path),
            Err(CheckpointError::NotACheckpoint { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn truncated_damaged_or_newer_checkpoints_are_rejected_with_their_path() {
        let dir = scratch("truncated");
        let path = dir.join("run.ckpt");
        trained(Condition::Ei).save(&path).expect("save");
        let bytes = std::fs::read(&path).expect("read");

        std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");
        let err = Trainer::load(&path).err().expect("truncated file must fail");
        assert!(matches!(err, CheckpointError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("run.ckpt"));

        let mut damaged = bytes.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0x10;
        std::fs::write(&path, &damaged).expect("write");
        let err = Trainer::load(&path).err().expect("damaged file must fail");
        assert!(err.to_string().contains("checksum"), "{err}");

        let mut newer = bytes.clone();
        newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        std::fs::write(&path, &newer).expect("write");
        assert!(matches!(
            Trainer::load(&path),
            Err(CheckpointError::Version { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_well_framed_but_undecodable_payload_is_corrupt_not_a_panic() {
        let dir = scratch("garbage");
        let path = dir.join("garbage.ckpt");
        let payload = [0xffu8; 64];
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&fnv1a(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        std::fs::write(&path, &bytes).expect("write");
        assert!(matches!(
            Trainer::load(&path),
            Err(CheckpointError::Corrupt { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        let err = Trainer::load(Path::new("/nonexistent/einet.ckpt"))
            .err()
            .expect("must fail");
        assert!(matches!(err, CheckpointError::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/einet.ckpt"));
    }
}
