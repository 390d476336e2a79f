//! What a finished run leaves behind: its spec, per-epoch metrics (SPEC §6),
//! final metrics, wall time and whether it diverged. One [`RunRecord`] is one
//! JSON line of `runs.jsonl`.

use serde::{Deserialize, Serialize};

use crate::spec::RunSpec;

/// Per hidden layer: mean over the probe batch of the per-sample feature mean
/// and feature variance of the normalized pre-ReLU output.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerMoments {
    #[serde(with = "nan_as_null")]
    pub mean: f64,
    #[serde(with = "nan_as_null")]
    pub var: f64,
}

/// Per hidden layer: cosine of the output with layer norm's, and of the
/// `W_ex` gradient with layer norm's (SPEC §6).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerAlignment {
    #[serde(with = "nan_as_null")]
    pub output_cos: f64,
    #[serde(with = "nan_as_null")]
    pub grad_cos: f64,
}

/// Loss and accuracy of one evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Eval {
    #[serde(with = "nan_as_null")]
    pub loss: f64,
    pub acc: f64,
}

/// Everything measured after one epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based.
    pub epoch: usize,
    /// Mean task loss over the epoch's batches.
    #[serde(with = "nan_as_null")]
    pub train_loss: f64,
    pub test: Eval,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val: Option<Eval>,
    pub moments: Vec<LayerMoments>,
    pub alignment: Vec<LayerAlignment>,
    /// Wall time of the epoch (ignored when comparing runs).
    pub seconds: f64,
}

/// Test accuracy at one fixed offset δ (beyond the paper).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OffsetEval {
    pub delta: f32,
    pub eval: Eval,
}

/// Where a run's loss became NaN or infinite.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    /// 1-based epoch and 0-based batch of the first non-finite loss.
    pub epoch: usize,
    pub batch: usize,
    /// Test accuracy after the last complete epoch, if there was one.
    pub acc_reached: Option<f64>,
}

/// One finished run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub spec: RunSpec,
    pub epochs: Vec<EpochMetrics>,
    /// The headline: test accuracy after the last epoch; chance level
    /// (1/classes) for a diverged run, as its network predicts nothing.
    pub final_test_acc: f64,
    /// Validation accuracy after the last epoch (chance if diverged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_val_acc: Option<f64>,
    pub diverged: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub divergence: Option<Divergence>,
    /// Tests at fixed offsets after the last epoch (empty if none asked or
    /// the run diverged).
    #[serde(default)]
    pub offsets: Vec<OffsetEval>,
    pub wall_seconds: f64,
}

impl RunRecord {
    /// The last epoch's metrics, if any epoch finished.
    pub fn last_epoch(&self) -> Option<&EpochMetrics> {
        self.epochs.last()
    }

    /// A copy with every wall time zeroed, for comparing runs.
    pub fn without_times(&self) -> RunRecord {
        let mut r = self.clone();
        r.wall_seconds = 0.0;
        for e in &mut r.epochs {
            e.seconds = 0.0;
        }
        r
    }
}

/// Non-finite floats are written as `null` (JSON has no NaN) and read back
/// as NaN.
pub mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_metrics_survive_a_json_round_trip_as_nan() {
        let m = LayerAlignment {
            output_cos: f64::NAN,
            grad_cos: 0.5,
        };
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(text, r#"{"output_cos":null,"grad_cos":0.5}"#);
        let back: LayerAlignment = serde_json::from_str(&text).unwrap();
        assert!(back.output_cos.is_nan());
        assert_eq!(back.grad_cos, 0.5);
    }
}
