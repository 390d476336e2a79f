//! One training run (protocol §5, §6): build the network, loop epochs over
//! batches written into reusable buffers, evaluate on test (and validation)
//! after every epoch, record the moments and alignment on a probe batch, stop
//! at the first non-finite number: a hidden activity, the loss or an updated
//! parameter of a step (the trainer checks them on passes it makes anyway),
//! or an activity or metric of the evaluation after an epoch.

use std::time::{Instant, SystemTime};

use datasets::{batches, epoch_order, Dataset, JitterStream, Luminosity, Order};
use einet::{Hyper, NetSpec, Trainer};

use crate::error::Error;
use crate::plan::{OrderKind, RunSpec};
use crate::run::data::GridData;
use crate::run::provenance;
use crate::run::record::{
    Divergence, EpochMetrics, Eval, LayerAlignment, LayerMoments, OffsetEval, RunRecord,
};
use crate::run::seeds::{derive, Purpose};

/// Rows per forward pass when evaluating.
pub const EVAL_BATCH: usize = 500;

/// Told about progress; every method defaults to nothing.
pub trait Observer {
    /// After batch `batch` (0-based) of `batches` in `epoch` (1-based).
    fn on_batch(&mut self, _epoch: usize, _batch: usize, _batches: usize, _loss: f32) {}
    /// After an epoch's evaluation, with the run as it stands (to save a
    /// checkpoint, say); an error ends the run.
    fn on_epoch(&mut self, _run: &Run<'_>) -> Result<(), Error> {
        Ok(())
    }
}

/// Observes nothing.
pub struct Silent;
impl Observer for Silent {}

/// A run in progress.
pub struct Run<'a> {
    spec: &'a RunSpec,
    data: &'a GridData,
    trainer: Trainer,
    epochs: Vec<EpochMetrics>,
    divergence: Option<Divergence>,
    x: Vec<f32>,
    y: Vec<usize>,
    started: Instant,
    /// Wall time of the epochs done before a resume.
    prior_seconds: f64,
}

/// The network and optimizer settings of a run.
pub fn build_trainer(spec: &RunSpec) -> Trainer {
    let net = NetSpec::paper(spec.condition, spec.hyper.width);
    Trainer::new(&net, &hyper(spec), init_seed(spec))
}

/// The optimizer of a run: the paper's, with the run's rates and options.
pub fn hyper(spec: &RunSpec) -> Hyper {
    let (h, o) = (&spec.hyper, &spec.optim);
    Hyper {
        rule: o.rule,
        weight_decay: o.weight_decay.0,
        momentum: o.momentum.0,
        ..Hyper::paper(h.lr, h.lr_wei, h.lr_wix)
    }
}

/// The seed a run's network is initialized from.
pub fn init_seed(spec: &RunSpec) -> u64 {
    derive(
        spec.seed,
        Purpose::Init,
        &[spec.config.map_or(u64::MAX, |c| c as u64)],
    )
}

impl<'a> Run<'a> {
    /// A fresh run.
    pub fn new(spec: &'a RunSpec, data: &'a GridData) -> Run<'a> {
        Run::resume(spec, data, build_trainer(spec), Vec::new())
    }

    /// Continues a run whose first `epochs.len()` epochs are done.
    pub fn resume(
        spec: &'a RunSpec,
        data: &'a GridData,
        mut trainer: Trainer,
        epochs: Vec<EpochMetrics>,
    ) -> Run<'a> {
        // Neither is part of a checkpoint.
        trainer.set_precision(spec.precision.precision());
        trainer.set_local_target(spec.optim.local_loss.target());
        let rows = spec.batch.max(EVAL_BATCH).max(spec.probe);
        let prior_seconds = epochs.iter().map(|e| e.seconds).sum();
        Run {
            spec,
            data,
            trainer,
            epochs,
            divergence: None,
            x: vec![0.0; rows * data.train.dim()],
            y: vec![0; rows],
            started: Instant::now(),
            prior_seconds,
        }
    }

    pub fn spec(&self) -> &RunSpec {
        self.spec
    }

    pub fn trainer(&self) -> &Trainer {
        &self.trainer
    }

    pub fn epochs_done(&self) -> &[EpochMetrics] {
        &self.epochs
    }

    /// Whether the run is over: all epochs done or diverged.
    pub fn is_done(&self) -> bool {
        self.divergence.is_some() || self.epochs.len() >= self.spec.epochs
    }

    fn lum(&self) -> Luminosity {
        self.spec.luminosity.at(self.spec.eps)
    }

    /// Trains one epoch and evaluates; `None` if the run diverged in it.
    pub fn epoch(&mut self, obs: &mut dyn Observer) -> Option<&EpochMetrics> {
        let t0 = Instant::now();
        let epoch = self.epochs.len() as u64;
        let spec = self.spec;
        let order = match spec.order {
            OrderKind::Fixed => Order::Fixed,
            OrderKind::Shuffled => Order::Shuffled {
                seed: derive(spec.seed, Purpose::Order, &[]),
            },
        };
        let stream = JitterStream::new(derive(spec.seed, Purpose::TrainJitter, &[]));
        let lum = self.lum();
        let train = &self.data.train;
        let order = epoch_order(train.len(), order, epoch);
        let n_batches = order.len().div_ceil(spec.batch);
        let mut loss_sum = 0.0f64;
        for (k, idx) in batches(&order, spec.batch).enumerate() {
            let (x, y) = (&mut self.x[..idx.len() * train.dim()], &mut self.y[..idx.len()]);
            train.write_batch(idx, &lum, &stream, epoch, x, y);
            let loss = self.trainer.step(x, y);
            if let Some(tensor) = self.trainer.non_finite() {
                let tensor = tensor.to_string();
                self.diverge(epoch as usize + 1, k, tensor);
                return None;
            }
            loss_sum += f64::from(loss);
            obs.on_batch(epoch as usize + 1, k, n_batches, loss);
        }
        let test = self.evaluate(&self.data.test, &lum, 0, epoch);
        let val = self.data.val.as_ref().map(|v| self.evaluate(v, &lum, 1, epoch));
        let (moments, alignment) = self.probe(&lum, epoch);
        if let Some(tensor) = first_non_finite(&test, val.as_ref(), &moments, &alignment) {
            self.diverge(epoch as usize + 1, n_batches, tensor);
            return None;
        }
        self.epochs.push(EpochMetrics {
            epoch: epoch as usize + 1,
            train_loss: loss_sum / n_batches.max(1) as f64,
            test,
            val,
            moments,
            alignment,
            seconds: t0.elapsed().as_secs_f64(),
        });
        self.epochs.last()
    }

    fn diverge(&mut self, epoch: usize, batch: usize, tensor: String) {
        self.divergence = Some(Divergence {
            epoch,
            batch,
            acc_reached: self.epochs.last().map(|e| e.test.acc),
            tensor: Some(tensor),
        });
    }

    /// Loss and accuracy on the test set under `lum`, with the jitter the
    /// evaluation after the last finished epoch drew (so a checkpoint tested
    /// at its run's own luminosity gives that epoch's test accuracy).
    pub fn test(&mut self, lum: &Luminosity) -> Eval {
        let epoch = self.epochs.len().saturating_sub(1) as u64;
        self.evaluate(&self.data.test, lum, 0, epoch)
    }

    /// Loss and accuracy on `data` under `lum`; the jitter comes from the
    /// evaluation stream of the run's seed (`which`: 0 test, 1 validation).
    fn evaluate(&mut self, data: &Dataset, lum: &Luminosity, which: u64, epoch: u64) -> Eval {
        let stream = JitterStream::new(derive(self.spec.seed, Purpose::EvalJitter, &[which]));
        let order = epoch_order(data.len(), Order::Fixed, 0);
        let (mut loss, mut correct, mut n) = (0.0f64, 0usize, 0usize);
        for idx in batches(&order, EVAL_BATCH) {
            let (x, y) = (&mut self.x[..idx.len() * data.dim()], &mut self.y[..idx.len()]);
            data.write_batch(idx, lum, &stream, epoch, x, y);
            let e = self.trainer.evaluate(x, y);
            loss += e.loss_sum;
            correct += e.correct;
            n += e.n;
        }
        Eval {
            loss: loss / n.max(1) as f64,
            acc: correct as f64 / n.max(1) as f64,
        }
    }

    /// Moments and alignment on the first `probe` test images.
    fn probe(&mut self, lum: &Luminosity, epoch: u64) -> (Vec<LayerMoments>, Vec<LayerAlignment>) {
        let test = &self.data.test;
        let rows = self.spec.probe.min(test.len());
        let stream = JitterStream::new(derive(self.spec.seed, Purpose::EvalJitter, &[0]));
        let idx: Vec<usize> = (0..rows).collect();
        let (x, y) = (&mut self.x[..rows * test.dim()], &mut self.y[..rows]);
        test.write_batch(&idx, lum, &stream, epoch, x, y);
        let moments = self
            .trainer
            .moments(x, rows)
            .into_iter()
            .map(|m| LayerMoments {
                mean: f64::from(m.mean),
                var: f64::from(m.var),
            })
            .collect();
        let alignment = self
            .trainer
            .alignment(x, y)
            .into_iter()
            .map(|a| LayerAlignment {
                output_cos: f64::from(a.output_cos),
                grad_cos: f64::from(a.grad_cos),
            })
            .collect();
        (moments, alignment)
    }

    /// Ends the run: the fixed-offset tests, then the record.
    pub fn finish(mut self) -> RunRecord {
        let chance = 1.0 / self.data.test.n_classes() as f64;
        let diverged = self.divergence.is_some();
        let epoch = self.epochs.len() as u64;
        let offsets = if diverged {
            Vec::new()
        } else {
            self.spec
                .eval_offsets
                .clone()
                .into_iter()
                .map(|delta| OffsetEval {
                    delta,
                    eval: self.evaluate(&self.data.test, &Luminosity::Fixed { delta }, 0, epoch),
                })
                .collect()
        };
        let last = self.epochs.last();
        RunRecord {
            spec: self.spec.clone(),
            final_test_acc: match last {
                Some(e) if !diverged => e.test.acc,
                _ => chance,
            },
            final_val_acc: self.data.val.as_ref().map(|_| match last {
                Some(e) if !diverged => e.val.map_or(chance, |v| v.acc),
                _ => chance,
            }),
            diverged,
            divergence: self.divergence.clone(),
            offsets,
            wall_seconds: self.prior_seconds + self.started.elapsed().as_secs_f64(),
            epochs: self.epochs,
            provenance: None,
        }
    }
}

/// The first non-finite number of an epoch's evaluation, in the order it is
/// computed from: the hidden activities (their moments on the probe batch),
/// the losses, the alignment.
fn first_non_finite(
    test: &Eval,
    val: Option<&Eval>,
    moments: &[LayerMoments],
    alignment: &[LayerAlignment],
) -> Option<String> {
    if let Some(k) = moments
        .iter()
        .position(|m| !(m.mean.is_finite() && m.var.is_finite()))
    {
        return Some(format!("activity of hidden layer {} (probe batch)", k + 1));
    }
    if !test.loss.is_finite() {
        return Some("test loss".to_string());
    }
    if val.is_some_and(|v| !v.loss.is_finite()) {
        return Some("validation loss".to_string());
    }
    alignment
        .iter()
        .position(|a| !(a.output_cos.is_finite() && a.grad_cos.is_finite()))
        .map(|k| format!("alignment of hidden layer {}", k + 1))
}

/// Trains `run` to its end, telling `obs`, and returns its record with its
/// provenance: a process training `jobs` runs at once, the run first
/// started at `started`. Every run of `grid` and `train` takes this path.
pub fn drive(
    mut run: Run<'_>,
    obs: &mut dyn Observer,
    jobs: usize,
    started: SystemTime,
) -> Result<RunRecord, Error> {
    while !run.is_done() {
        if run.epoch(obs).is_some() {
            obs.on_epoch(&run)?;
        }
    }
    let mut record = run.finish();
    record.provenance = Some(provenance::capture(jobs, started));
    Ok(record)
}
