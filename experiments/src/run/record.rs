//! What a finished run leaves behind: its spec, per-epoch metrics (protocol §6),
//! final metrics, wall time and whether it diverged. One [`RunRecord`] is one
//! JSON line of `runs.jsonl`.

use serde::{Deserialize, Serialize};

use crate::plan::RunSpec;

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
/// `W_ex` gradient with layer norm's (protocol §6).
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

/// Where a run first held a NaN or infinite number: its loss, a parameter
/// after an update, an activity or a metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    /// 1-based epoch and 0-based batch of the step where it appeared; the
    /// epoch's batch count when it appeared in the evaluation after it.
    pub epoch: usize,
    pub batch: usize,
    /// Test accuracy after the last complete epoch, if there was one.
    pub acc_reached: Option<f64>,
    /// The first non-finite tensor, e.g. `training loss`, `W_ex of hidden
    /// layer 2`, `activity of hidden layer 1`, `moments of hidden layer 1`
    /// (absent in records made before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tensor: Option<String>,
}

/// Where and how a run was made (ignored when comparing runs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Version of the `experiments` crate.
    pub version: String,
    /// Git commit the binary was built from (`-dirty`: with uncommitted
    /// changes), when built from a checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    pub host: String,
    /// Runs trained at once by the process (one thread each).
    pub threads: usize,
    /// When the run started, UTC, RFC 3339.
    pub started: String,
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
    /// Absent in records made before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

impl RunRecord {
    /// The last epoch's metrics, if any epoch finished.
    pub fn last_epoch(&self) -> Option<&EpochMetrics> {
        self.epochs.last()
    }

    /// A copy with every wall time zeroed and no provenance, for comparing
    /// runs.
    pub fn without_times(&self) -> RunRecord {
        let mut r = self.clone();
        r.wall_seconds = 0.0;
        r.provenance = None;
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
    fn records_written_before_provenance_and_the_tensor_still_load() {
        let line = r#"{"spec":{"id":"ei_add0_c00_s0","condition":"ei","luminosity":"additive","eps":0.0,"config":0,"hyper":{"lr":0.1,"lr-wei":0.001,"lr-wix":0.1,"width":8},"seed":0,"epochs":1,"batch":8,"order":"fixed","probe":8,"eval-offsets":[],"data":{"dataset":"synthetic","val-size":0}},"epochs":[],"final_test_acc":0.1,"diverged":true,"divergence":{"epoch":1,"batch":3,"acc_reached":null},"offsets":[],"wall_seconds":1.5}"#;
        let r: RunRecord = crate::files::from_json(line).unwrap();
        assert_eq!(r.provenance, None);
        assert_eq!(r.divergence.as_ref().map(|d| d.tensor.clone()), Some(None));
        assert_eq!(r.spec.hyper.lr_wei, 0.001);
        // And they are written back byte for byte, with the keys of the
        // settings in snake_case as every key now is.
        let snake = line.replace("lr-wei", "lr_wei").replace("lr-wix", "lr_wix");
        let snake = snake
            .replace("eval-offsets", "eval_offsets")
            .replace("val-size", "val_size");
        assert_eq!(serde_json::to_string(&r).unwrap(), snake);
        assert_eq!(crate::files::from_json::<RunRecord>(&snake).unwrap(), r);
        let mut stamped = r.clone();
        stamped.provenance = Some(Provenance {
            version: "0.1.0".into(),
            commit: None,
            host: "h".into(),
            threads: 2,
            started: "2026-01-01T00:00:00Z".into(),
        });
        stamped.wall_seconds = 9.0;
        assert_eq!(stamped.without_times(), r.without_times());
    }

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
