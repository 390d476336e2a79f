//! Runs the pending runs of a grid in parallel: one run per rayon thread,
//! one (seed, configuration) block after another and longest first within a
//! block, each claimed before it trains (so processes sharing the folder
//! split the work) and written to the store as soon as it finishes; then
//! rebuilds the merged `runs.jsonl` and `summary.csv` under the folder lock.
//! Finishing blocks in turn means an interrupted grid leaves complete paired
//! comparisons, not scattered runs.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::Error;
use crate::plan::estimate;
use crate::plan::{GridSpec, RunSpec, Shard};
use crate::run::data::GridData;
use crate::run::record::RunRecord;
use crate::run::store::{Store, StoreError};
use crate::run::train::{self, Silent};

/// How to run a grid.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Runs at a time (threads).
    pub jobs: usize,
    pub shard: Shard,
    /// Progress bar on a terminal, one line per run otherwise; nothing if false.
    pub progress: bool,
}

/// What a grid invocation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Runs in the whole grid.
    pub total: usize,
    /// Runs in this shard.
    pub in_shard: usize,
    /// Runs of this shard found finished and skipped.
    pub skipped: usize,
    /// Runs trained now.
    pub ran: usize,
    /// Of those, how many diverged.
    pub diverged: usize,
    /// Runs of this shard left to other processes: claimed by one, or
    /// finished by one while this invocation ran.
    pub elsewhere: usize,
    /// Finished runs of the whole grid after this invocation.
    pub finished: usize,
    /// Whether this invocation changed `runs.jsonl` or `summary.csv`.
    pub rebuilt: bool,
}

impl Outcome {
    pub fn complete(&self) -> bool {
        self.finished == self.total
    }
}

/// The runs of `shard` not yet finished: block by block (seed, then
/// configuration), longest first within a block (ties by id).
pub fn pending(
    store: &Store,
    grid: &GridSpec,
    shard: Shard,
) -> Result<(Vec<RunSpec>, usize, usize), StoreError> {
    let done = store.finished_of(grid)?;
    let mine = shard.select(grid.runs());
    let in_shard = mine.len();
    let mut todo: Vec<RunSpec> = mine.into_iter().filter(|r| !done.contains_key(&r.id)).collect();
    todo.sort_by(|a, b| {
        (a.seed, a.config)
            .cmp(&(b.seed, b.config))
            .then_with(|| estimate::run_seconds(b).total_cmp(&estimate::run_seconds(a)))
            .then_with(|| a.id.cmp(&b.id))
    });
    let skipped = in_shard - todo.len();
    Ok((todo, in_shard, skipped))
}

/// Runs every pending run of `opts.shard` and records it in `store`.
pub fn run(store: &Store, grid: &GridSpec, data: &GridData, opts: Options) -> Result<Outcome, Error> {
    let (todo, in_shard, skipped) = pending(store, grid, opts.shard)?;
    let n = todo.len();
    let bar = progress_bar(&todo, opts.progress);
    let queue = Mutex::new(VecDeque::from(todo));
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let diverged = Mutex::new(0usize);
    let done = Mutex::new(0usize);
    let elsewhere = Mutex::new(0usize);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .expect("a thread pool of a positive size builds");
    let lines = opts.progress && !std::io::stderr().is_terminal();
    pool.scope(|s| {
        for _ in 0..opts.jobs.max(1).min(n.max(1)) {
            s.spawn(|_| loop {
                if lock(&failure).is_some() {
                    return;
                }
                let Some(spec) = lock(&queue).pop_front() else {
                    return;
                };
                let claim = match store.claim(&spec.id) {
                    Ok(Some(claim)) => claim,
                    Ok(None) => {
                        *lock(&elsewhere) += 1;
                        bar.inc(cost_units(&spec));
                        continue;
                    }
                    Err(e) => {
                        lock(&failure).get_or_insert(e.into());
                        return;
                    }
                };
                let run = train::Run::new(&spec, data);
                let written = train::drive(run, &mut Silent, opts.jobs, SystemTime::now())
                    .and_then(|record| Ok(store.write_run(&record).map(|()| record)?));
                let record = match written {
                    Ok(record) => record,
                    Err(e) => {
                        lock(&failure).get_or_insert(e);
                        return;
                    }
                };
                drop(claim);
                if record.diverged {
                    *lock(&diverged) += 1;
                }
                let k = {
                    let mut d = lock(&done);
                    *d += 1;
                    *d
                };
                bar.inc(cost_units(&spec));
                bar.set_message(format!("{k}/{n} runs"));
                if lines {
                    eprintln!("{}", describe(&record, k, n));
                }
            });
        }
    });
    bar.finish_and_clear();
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let folder = store.lock()?;
    let records = store.finished_of(grid)?;
    let rebuilt = !store.refresh_derived(&records)?.is_empty();
    drop(folder);
    let ran = *lock(&done);
    let diverged = *lock(&diverged);
    let elsewhere = *lock(&elsewhere);
    Ok(Outcome {
        total: grid.runs().len(),
        in_shard,
        skipped,
        ran,
        diverged,
        elsewhere,
        finished: records.len(),
        rebuilt,
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Progress is counted in estimated milliseconds, so the ETA weighs long
/// runs properly.
fn cost_units(spec: &RunSpec) -> u64 {
    (estimate::run_seconds(spec) * 1000.0).ceil() as u64
}

fn progress_bar(todo: &[RunSpec], show: bool) -> ProgressBar {
    let total: u64 = todo.iter().map(cost_units).sum();
    let target = if show {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {percent:>3}% {msg}  elapsed {elapsed}, eta {eta}")
            .expect("the progress template is valid"),
    );
    bar.set_message(format!("0/{} runs", todo.len()));
    bar.enable_steady_tick(Duration::from_secs(1));
    bar
}

/// One line about a finished run.
pub fn describe(r: &RunRecord, k: usize, n: usize) -> String {
    let status = if r.diverged {
        format!(
            "DIVERGED (reached {})",
            r.divergence
                .as_ref()
                .and_then(|d| d.acc_reached)
                .map_or_else(|| "nothing".to_string(), |a| format!("{:.2} %", 100.0 * a))
        )
    } else {
        format!("test acc {:.2} %", 100.0 * r.final_test_acc)
    };
    format!("[{k}/{n}] {} {status} in {:.1} s", r.spec.id, r.wall_seconds)
}
