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
//! so a truncated or damaged file is reported as such, never decoded. This
//! crate only encodes and decodes: writing the bytes (atomically) is the
//! caller's job, so an application has one way of writing files.

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
    /// The trainer as checkpoint bytes (header and payload).
    pub fn to_bytes(&self) -> Vec<u8> {
        let stored = Checkpoint {
            seed: self.seed,
            steps: self.steps,
            hyper: self.hyper,
            network: &self.net,
        };
        let payload = bincode::serde::encode_to_vec(&stored, config())
            .expect("a trainer always encodes: plain numbers and vectors");
        let mut bytes = Vec::with_capacity(HEADER + payload.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&fnv1a(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        bytes
    }

    /// Whether `bytes` start like checkpoint bytes.
    pub fn is_checkpoint(bytes: &[u8]) -> bool {
        bytes.starts_with(MAGIC)
    }

    /// Reads a trainer from a file holding [`to_bytes`](Self::to_bytes).
    pub fn load(path: &Path) -> Result<Trainer, CheckpointError> {
        let bytes = std::fs::read(path).map_err(|source| CheckpointError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Trainer::from_bytes(&bytes, path)
    }

    /// Decodes [`to_bytes`](Self::to_bytes); errors name `path`, where the
    /// bytes came from.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Trainer, CheckpointError> {
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
            std::fs::write(&path, original.to_bytes()).expect("save");
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
        std::fs::write(&path, trained(Condition::Ei).to_bytes()).expect("save");
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
