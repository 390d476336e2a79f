//! `einorm train`: one run with a progress bar and per-epoch lines,
//! optional metrics and record files, checkpoints and resume.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::TrainArgs;
use crate::data;
use crate::error::Error;
use crate::files;
use crate::grid;
use crate::limits;
use crate::paper::{HyperConfig, PAPER_BATCH, PAPER_CONFIGS, PAPER_EPOCHS};
use crate::provenance;
use crate::record::{EpochMetrics, RunRecord};
use crate::spec::lists::{self, Tokens};
use crate::spec::{self, DataSpec, RunSpec, SpecError};
use crate::train::{Observer, Run};
use crate::train_state;

/// The run the `train` flags describe (without `--resume`).
pub fn train_spec(a: &TrainArgs) -> Result<RunSpec, Error> {
    let condition = lists::condition(
        a.condition
            .as_deref()
            .ok_or(SpecError::Empty { key: "--condition" })?,
    )?;
    let eps = a.eps.unwrap_or(0.0);
    let explicit = [
        a.lr.is_some(),
        a.lr_wei.is_some(),
        a.lr_wix.is_some(),
        a.width.is_some(),
    ];
    let base = match a.config {
        Some(k) => *PAPER_CONFIGS
            .get(k)
            .ok_or(SpecError::UnknownConfig { given: k })?,
        None if explicit.iter().all(|&e| !e) => PAPER_CONFIGS[0],
        None => {
            let missing = ["--lr", "--lr-wei", "--lr-wix", "--width"]
                .iter()
                .zip(explicit)
                .find(|(_, e)| !e)
                .map(|(m, _)| *m);
            if let Some(missing) = missing {
                return Err(SpecError::MissingHyper { missing }.into());
            }
            PAPER_CONFIGS[0]
        }
    };
    let hyper = HyperConfig {
        lr: a.lr.unwrap_or(base.lr),
        lr_wei: a.lr_wei.unwrap_or(base.lr_wei),
        lr_wix: a.lr_wix.unwrap_or(base.lr_wix),
        width: a.width.unwrap_or(base.width),
    };
    let config = match a.config {
        Some(k) => Some(k),
        None if explicit.iter().all(|&e| !e) => Some(0),
        None => None,
    };
    let d = &a.data;
    let luminosity = d
        .luminosity
        .as_deref()
        .map_or(Ok(spec::LumKind::Additive), str::parse)?;
    lists::check_eps(eps)?;
    let seed = a.seed.unwrap_or(0);
    let precision = d
        .precision
        .as_deref()
        .map_or(Ok(spec::PrecisionChoice::F32), str::parse)?;
    let spec = RunSpec {
        id: RunSpec::make_id(condition, luminosity, eps, config, seed, precision),
        condition,
        luminosity,
        eps,
        config,
        hyper,
        seed,
        epochs: d.epochs.unwrap_or(PAPER_EPOCHS),
        batch: d.batch.unwrap_or(PAPER_BATCH),
        order: d
            .order
            .as_deref()
            .map_or(Ok(spec::OrderKind::Fixed), str::parse)?,
        precision,
        probe: d.probe.unwrap_or(256),
        eval_offsets: match &d.eval_offsets {
            Some(s) => lists::reals("eval-offsets", &Tokens::from(s.as_str()), lists::check_offset)?,
            None => Vec::new(),
        },
        data: DataSpec {
            dataset: d
                .dataset
                .as_deref()
                .map_or(Ok(spec::DatasetChoice::FashionMnist), str::parse)?,
            train_subset: d.train_subset,
            test_subset: d.test_subset,
            val_size: d.val_size.unwrap_or(0),
        },
    };
    spec.validate()?;
    Ok(spec)
}

/// With `--resume`, only these may be given besides it.
fn reject_spec_flags(a: &TrainArgs) -> Result<(), Error> {
    let d = &a.data;
    let given = [
        ("--condition", a.condition.is_some()),
        ("--eps", a.eps.is_some()),
        ("--config", a.config.is_some()),
        ("--lr", a.lr.is_some()),
        ("--lr-wei", a.lr_wei.is_some()),
        ("--lr-wix", a.lr_wix.is_some()),
        ("--width", a.width.is_some()),
        ("--seed", a.seed.is_some()),
        ("--dataset", d.dataset.is_some()),
        ("--luminosity", d.luminosity.is_some()),
        ("--order", d.order.is_some()),
        ("--train-subset", d.train_subset.is_some()),
        ("--test-subset", d.test_subset.is_some()),
        ("--val-size", d.val_size.is_some()),
        ("--batch", d.batch.is_some()),
        ("--probe", d.probe.is_some()),
        ("--eval-offsets", d.eval_offsets.is_some()),
    ];
    match given.iter().find(|(_, g)| *g) {
        Some((flag, _)) => Err(SpecError::Conflict {
            what: format!("{flag} cannot be combined with --resume: the run's spec comes from the checkpoint (only --epochs may extend it)"),
        }
        .into()),
        None => Ok(()),
    }
}

pub fn run(a: &TrainArgs) -> Result<(), Error> {
    let (spec, resumed) = match &a.resume {
        Some(path) => {
            reject_spec_flags(a)?;
            let mut r = train_state::load(path)?;
            if let Some(n) = a.data.epochs {
                if n < r.epochs.len() {
                    return Err(SpecError::Conflict {
                        what: format!(
                            "--epochs {n} is fewer than the {} {} has finished",
                            crate::estimate::count(r.epochs.len(), "epoch"),
                            path.display()
                        ),
                    }
                    .into());
                }
                r.spec.epochs = n;
            }
            r.spec.validate()?;
            (r.spec.clone(), Some(r))
        }
        None => (train_spec(a)?, None),
    };
    let outputs = [
        ("--metrics", &a.metrics),
        ("--record", &a.record),
        ("--checkpoint", &a.checkpoint),
    ];
    for (flag, path) in outputs {
        if let Some(path) = path {
            check_output(flag, path)?;
        }
    }
    limits::check_memory(
        limits::spec_bytes(&spec),
        1,
        limits::data_bytes(
            spec.data.train_subset.unwrap_or(0),
            spec.data.test_subset.unwrap_or(0),
        ),
    )?;
    let data = data::load(&spec.data, a.data.data_dir.as_deref())?;
    let batches = data.train.len().div_ceil(spec.batch);
    let (mut run, started) = match resumed {
        Some(r) => {
            r.check_steps(batches)?;
            let started = r.started.unwrap_or_else(SystemTime::now);
            (Run::resume(&spec, &data, r.trainer, r.epochs), started)
        }
        None => (Run::new(&spec, &data), SystemTime::now()),
    };
    let checkpoint = a.checkpoint.clone().or_else(|| a.resume.clone());
    println!(
        "run {}: {} ({}), lr {} lr_wei {} lr_wix {} width {}, {}, {}",
        spec.id,
        spec.condition,
        spec.condition.paper_label(),
        spec.hyper.lr,
        spec.hyper.lr_wei,
        spec.hyper.lr_wix,
        spec.hyper.width,
        crate::estimate::count(spec.epochs, "epoch"),
        crate::estimate::count(data.train.len(), "training image")
    );
    let mut obs = TrainProgress::new(!a.quiet, spec.epochs);
    while !run.is_done() {
        let Some(m) = run.epoch(&mut obs).cloned() else {
            break;
        };
        obs.bar.suspend(|| println!("{}", epoch_line(&m, spec.epochs)));
        if let Some(path) = &a.metrics {
            let mut text = String::new();
            for e in run.epochs_done() {
                text.push_str(&serde_json::to_string(e).expect("metrics serialize"));
                text.push('\n');
            }
            files::write_atomic(path, text.as_bytes())?;
        }
        if let Some(path) = &checkpoint {
            train_state::save(path, &spec, run.epochs_done(), run.trainer(), started)?;
        }
    }
    obs.bar.finish_and_clear();
    let mut record: RunRecord = run.finish();
    record.provenance = Some(provenance::capture(1, started));
    println!("{}", grid::describe(&record, 1, 1));
    for o in &record.offsets {
        println!(
            "  at fixed offset δ = {:+}: test acc {:.2} %",
            o.delta,
            100.0 * o.eval.acc
        );
    }
    if let Some(path) = &a.record {
        let text = serde_json::to_string_pretty(&record).expect("records serialize");
        files::write_atomic(path, text.as_bytes())?;
    }
    Ok(())
}

/// Before any training: the folder of an output file exists and takes new
/// files, the path is no folder; temporaries a killed run left for it go.
fn check_output(flag: &'static str, path: &Path) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new(""));
    if !dir.as_os_str().is_empty() && !dir.is_dir() {
        return Err(SpecError::NoFolder {
            flag,
            path: dir.to_path_buf(),
        }
        .into());
    }
    if path.is_dir() {
        return Err(Error::BadFile {
            path: path.to_path_buf(),
            message: format!("{flag} names a folder; give a file"),
        });
    }
    files::check_writable(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let dir: PathBuf = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir.to_path_buf()
    };
    files::remove_temporaries(&dir, |target| Some(target) == name.as_deref())?;
    if let Some(name) = name {
        remove_old_temporaries(&dir, &name)?;
    }
    Ok(())
}

/// Earlier versions saved checkpoints through `<name>.tmp` (the network)
/// and `<name>.tmp.<pid>`.
fn remove_old_temporaries(dir: &Path, name: &str) -> Result<(), Error> {
    let prefix = format!("{name}.tmp");
    for entry in std::fs::read_dir(dir).map_err(files::at(dir))?.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let old = file.strip_prefix(&prefix).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .strip_prefix('.')
                    .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        });
        if old {
            std::fs::remove_file(entry.path()).map_err(files::at(&entry.path()))?;
        }
    }
    Ok(())
}

fn epoch_line(m: &EpochMetrics, epochs: usize) -> String {
    let mut s = format!(
        "epoch {:>3}/{epochs}  train loss {:.4}  test loss {:.4}  test acc {:.2} %",
        m.epoch,
        m.train_loss,
        m.test.loss,
        100.0 * m.test.acc
    );
    if let Some(v) = m.val {
        s.push_str(&format!("  val acc {:.2} %", 100.0 * v.acc));
    }
    for (k, (mo, al)) in m.moments.iter().zip(&m.alignment).enumerate() {
        s.push_str(&format!(
            "  L{}: mean {:+.3} var {:.3} cos out {:.3} grad {:.3}",
            k + 1,
            mo.mean,
            mo.var,
            al.output_cos,
            al.grad_cos
        ));
    }
    s.push_str(&format!("  ({:.1} s)", m.seconds));
    s
}

/// A progress bar over the batches of the current epoch, with live loss
/// and the last test accuracy.
struct TrainProgress {
    bar: ProgressBar,
    epochs: usize,
    loss: f64,
    last_acc: Option<f64>,
}

impl TrainProgress {
    fn new(show: bool, epochs: usize) -> TrainProgress {
        let target = if show && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(1), target);
        bar.set_style(
            ProgressStyle::with_template("{prefix} {bar:30} {pos}/{len} {msg} eta {eta}")
                .expect("the progress template is valid"),
        );
        bar.enable_steady_tick(Duration::from_millis(500));
        TrainProgress {
            bar,
            epochs,
            loss: f64::NAN,
            last_acc: None,
        }
    }
}

impl Observer for TrainProgress {
    fn on_batch(&mut self, epoch: usize, batch: usize, batches: usize, loss: f32) {
        if batch == 0 {
            self.bar.set_length(batches as u64);
            self.bar.set_position(0);
            self.bar.set_prefix(format!("epoch {epoch}/{}", self.epochs));
            self.loss = f64::from(loss);
        }
        self.loss = 0.98 * self.loss + 0.02 * f64::from(loss);
        let acc = self
            .last_acc
            .map_or_else(String::new, |a| format!(", test acc {:.2} %", 100.0 * a));
        self.bar.set_message(format!("loss {:.4}{acc}", self.loss));
        self.bar.set_position(batch as u64 + 1);
    }

    fn on_epoch(&mut self, m: &EpochMetrics) {
        self.last_acc = Some(m.test.acc);
    }
}
