//! `einorm train`: one run with a progress bar and per-epoch lines,
//! optional metrics and record files, checkpoints and resume.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::TrainArgs;
use crate::error::Error;
use crate::files;
use crate::plan::keys::{GridKeys, Layer, List};
use crate::plan::limits;
use crate::plan::{self, RunSpec, SpecError};
use crate::run::checkpoint;
use crate::run::data;
use crate::run::grid;
use crate::run::record::EpochMetrics;
use crate::run::train::{self, Observer, Run};

/// The run the `train` flags describe (without `--resume`): the one run of
/// a grid over the paper's protocol, then any explicit rates and width.
pub fn train_spec(a: &TrainArgs) -> Result<RunSpec, Error> {
    let condition = a.condition.ok_or(SpecError::Empty { key: "--condition" })?;
    let explicit = [
        ("--lr", a.lr.is_some()),
        ("--lr-wei", a.lr_wei.is_some()),
        ("--lr-wix", a.lr_wix.is_some()),
        ("--width", a.width.is_some()),
    ];
    let custom = a.config.is_none() && explicit.iter().any(|e| e.1);
    if let Some(&(missing, _)) = explicit.iter().find(|e| custom && !e.1) {
        return Err(SpecError::MissingHyper { missing }.into());
    }
    let mut run = a.run.clone();
    run.eval_offsets.get_or_insert_with(|| List::new(Vec::new()));
    let one = GridKeys {
        name: Some("train".to_string()),
        conditions: Some(List::new(vec![condition])),
        eps: Some(List::new(vec![a.eps])),
        configs: Some(List::new(vec![a.config.unwrap_or(0)])),
        seeds: Some(List::new(vec![a.seed])),
        width: a.width,
        offset_conditions: Some(List::new(Vec::new())),
        data: a.data.clone(),
        run,
        optim: a.optim.clone(),
        ..GridKeys::default()
    };
    let (grid, _) = plan::resolve(&[Layer::all(one)])?;
    let mut spec = grid.runs().remove(0);
    let h = &mut spec.hyper;
    (h.lr, h.lr_wei, h.lr_wix) = (
        a.lr.unwrap_or(h.lr),
        a.lr_wei.unwrap_or(h.lr_wei),
        a.lr_wix.unwrap_or(h.lr_wix),
    );
    if custom {
        spec.config = None;
        spec.id = RunSpec::make_id(
            condition,
            spec.luminosity,
            spec.eps,
            None,
            spec.seed,
            spec.precision,
            spec.optim.local_loss,
        );
    }
    spec.validate()?;
    Ok(spec)
}

/// With `--resume` the run comes from the checkpoint: only these flags may
/// be given besides it (`--epochs` extends the run).
const RESUME_FLAGS: [&str; 7] = [
    "resume",
    "epochs",
    "data_dir",
    "metrics",
    "record",
    "checkpoint",
    "quiet",
];

fn reject_spec_flags(a: &TrainArgs) -> Result<(), Error> {
    match a.given.iter().find(|g| !RESUME_FLAGS.contains(&g.as_str())) {
        Some(flag) => Err(SpecError::Conflict {
            what: format!("--{} cannot be combined with --resume: the run's spec comes from the checkpoint (only --epochs may extend it)", flag.replace('_', "-")),
        }
        .into()),
        None => Ok(()),
    }
}

pub fn run(a: &TrainArgs) -> Result<(), Error> {
    let (spec, resumed) = match &a.resume {
        Some(path) => {
            reject_spec_flags(a)?;
            let mut r = checkpoint::load(path)?;
            if let Some(n) = a.given.contains("epochs").then_some(a.run.epochs) {
                if n < r.epochs.len() {
                    return Err(SpecError::Conflict {
                        what: format!(
                            "--epochs {n} is fewer than the {} {} has finished",
                            crate::plan::estimate::count(r.epochs.len(), "epoch"),
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
    let data = data::load(&spec.data, a.run.data_dir.as_deref())?;
    let batches = data.train.len().div_ceil(spec.batch);
    let (run, started) = match resumed {
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
        crate::plan::estimate::count(spec.epochs, "epoch"),
        crate::plan::estimate::count(data.train.len(), "training image")
    );
    let mut obs = TrainProgress::new(!a.quiet, &spec, batches, run.epochs_done().len());
    obs.metrics = a.metrics.clone();
    obs.checkpoint = checkpoint.map(|path| (path, started));
    let record = train::drive(run, &mut obs, 1, started);
    obs.bar.finish_and_clear();
    let record = record?;
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

/// `train`'s extras on the run's path: a progress bar over all the run's
/// batches (so its ETA is the whole run's), a line per epoch, the metrics
/// file and the checkpoint.
struct TrainProgress {
    bar: ProgressBar,
    epochs: usize,
    batches: usize,
    loss: f64,
    last_acc: Option<f64>,
    metrics: Option<PathBuf>,
    checkpoint: Option<(PathBuf, SystemTime)>,
}

impl TrainProgress {
    fn new(show: bool, spec: &RunSpec, batches: usize, done: usize) -> TrainProgress {
        let target = if show && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some((spec.epochs * batches) as u64), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} {bar:30} {percent:>3}% {msg}  elapsed {elapsed}, eta {eta}",
            )
            .expect("the progress template is valid"),
        );
        bar.set_position((done * batches) as u64);
        bar.reset_eta();
        bar.enable_steady_tick(Duration::from_millis(500));
        TrainProgress {
            bar,
            epochs: spec.epochs,
            batches,
            loss: f64::NAN,
            last_acc: None,
            metrics: None,
            checkpoint: None,
        }
    }
}

impl Observer for TrainProgress {
    fn on_batch(&mut self, epoch: usize, batch: usize, _batches: usize, loss: f32) {
        if batch == 0 {
            self.bar.set_prefix(format!("epoch {epoch}/{}", self.epochs));
            self.loss = f64::from(loss);
        }
        self.loss = 0.98 * self.loss + 0.02 * f64::from(loss);
        let acc = self
            .last_acc
            .map_or_else(String::new, |a| format!(", test acc {:.2} %", 100.0 * a));
        self.bar.set_message(format!("loss {:.4}{acc}", self.loss));
        self.bar
            .set_position(((epoch - 1) * self.batches + batch + 1) as u64);
    }

    fn on_epoch(&mut self, run: &Run<'_>) -> Result<(), Error> {
        let done = run.epochs_done();
        let Some(m) = done.last() else { return Ok(()) };
        self.last_acc = Some(m.test.acc);
        self.bar.suspend(|| println!("{}", epoch_line(m, self.epochs)));
        if let Some(path) = &self.metrics {
            let mut text = String::new();
            for e in done {
                text.push_str(&serde_json::to_string(e).expect("metrics serialize"));
                text.push('\n');
            }
            files::write_atomic(path, text.as_bytes())?;
        }
        if let Some((path, started)) = &self.checkpoint {
            checkpoint::save(path, run.spec(), done, run.trainer(), *started)?;
        }
        Ok(())
    }
}
