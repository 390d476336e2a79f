//! What each subcommand does. Every input is parsed and checked (spec, data,
//! results folder, checkpoint) before any training or writing.

mod eval;
mod train;

use std::path::{Path, PathBuf};

use crate::cli::{Command, GridArgs, ReportArgs};
use crate::error::Error;
use crate::plan::estimate;
use crate::plan::limits;
use crate::plan::paper::PAPER_CONFIGS;
use crate::plan::presets;
use crate::plan::{self, Layer, Shard};
use crate::report;
use crate::run::data;
use crate::run::grid;
use crate::run::record::RunRecord;
use crate::run::store::{self, Store};

/// Runs one parsed command line.
pub fn execute(command: &Command) -> Result<(), Error> {
    match command {
        Command::Train(a) => train::run(a),
        Command::Grid(a) => grid(a),
        Command::Report(a) => report(a),
        Command::Eval(a) => eval::run(a),
        Command::List => {
            emit(&list());
            Ok(())
        }
    }
}

// ---------------------------------------------------------------- grid

/// `grid --dry-run`: every run of the grid with its state (done, training
/// elsewhere, pending, or another shard's), then the time the pending runs
/// of this shard need. Reads the folder, writes nothing.
fn dry_run(g: &plan::GridSpec, out: &Path, shard: Shard, jobs: usize, per_run: f64) -> Result<(), Error> {
    let (store, done) = match Store::open(out) {
        Ok((store, _)) => {
            let done = store.finished_of(g)?;
            (Some(store), done)
        }
        Err(_) => (None, Default::default()),
    };
    let mine: std::collections::BTreeSet<String> = shard.select(g.runs()).into_iter().map(|r| r.id).collect();
    let mut pending = Vec::new();
    let (mut n_done, mut n_training) = (0, 0);
    let mut listing = String::new();
    for r in g.runs() {
        let state = if let Some(rec) = done.get(&r.id) {
            n_done += usize::from(mine.contains(&r.id));
            format!("done      {:.2} %", 100.0 * rec.final_test_acc)
        } else if !mine.contains(&r.id) {
            "other shard".to_string()
        } else if store.as_ref().is_some_and(|s| s.training(&r.id)) {
            n_training += 1;
            "training elsewhere".to_string()
        } else {
            let line = format!("pending   ~{}", estimate::human(estimate::run_seconds(&r)));
            pending.push(r.clone());
            line
        };
        listing.push_str(&format!("{:<34} {state}\n", r.id));
    }
    listing.push_str(&format!(
        "{}, up to {} of memory per run; results in {}\n",
        counts(g, mine.len(), n_done, n_training, &pending, jobs, pace(&done)),
        limits::gib(per_run),
        out.display()
    ));
    emit(&listing);
    Ok(())
}

/// `grid `quick`: 160 runs, 160 in this shard: 24 done, 0 training
/// elsewhere, 136 pending, about 6 h on 2 cores for the pending runs`: the
/// line that opens a grid and closes its dry run. With runs finished in the
/// folder, the time is scaled by their [`pace`](estimate::pace).
fn counts(
    g: &plan::GridSpec,
    in_shard: usize,
    done: usize,
    training: usize,
    pending: &[plan::RunSpec],
    jobs: usize,
    pace: Option<(f64, usize)>,
) -> String {
    let estimate = estimate::wall_seconds(pending, jobs);
    let (time, paced) = match pace {
        Some((pace, n)) if !pending.is_empty() => (
            pace * estimate,
            format!(
                ", at the pace of the {} finished here ({pace:.2} times the built-in estimate of {})",
                estimate::count(n, "run"),
                estimate::human(estimate)
            ),
        ),
        _ => (estimate, String::new()),
    };
    format!(
        "grid `{}`: {}, {in_shard} in this shard: {done} done, {training} training elsewhere, {} pending, about {} on {} for the pending runs{paced}",
        g.name,
        estimate::count(g.runs().len(), "run"),
        pending.len(),
        estimate::human(time),
        estimate::count(jobs, "core"),
    )
}

/// The [`pace`](estimate::pace) of the finished runs that did not diverge (a
/// diverged run stops early).
fn pace(done: &std::collections::BTreeMap<String, RunRecord>) -> Option<(f64, usize)> {
    estimate::pace(
        done.values()
            .filter(|r| !r.diverged)
            .map(|r| (&r.spec, r.wall_seconds)),
    )
}

/// Prints `text` to stdout; a reader that stops early (`| head`) is not an
/// error.
fn emit(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// The grid the flags (and `--spec` file) describe, and the data folder.
pub fn resolve_grid(a: &GridArgs) -> Result<(plan::GridSpec, Option<PathBuf>), Error> {
    let mut layers = Vec::new();
    if let Some(path) = &a.spec {
        layers.push(plan::load_toml(path)?);
    }
    layers.push(Layer {
        keys: a.keys.clone(),
        given: a.given.clone(),
    });
    Ok(plan::resolve(&layers)?)
}

fn grid(a: &GridArgs) -> Result<(), Error> {
    let (g, data_dir) = resolve_grid(a)?;
    let shard = a.shard.unwrap_or(Shard::WHOLE);
    let jobs = match a.jobs {
        Some(j) => {
            limits::check("jobs", j, limits::JOBS)?;
            j
        }
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&g.name));
    Store::check(&out, &g)?;
    let runs = shard.select(g.runs());
    let per_run = runs.iter().map(limits::spec_bytes).fold(0.0, f64::max);
    let shared = limits::data_bytes(g.train_subset.unwrap_or(0), g.test_subset.unwrap_or(0));
    limits::check_memory(per_run, jobs.min(runs.len().max(1)), shared)?;
    if a.dry_run {
        return dry_run(&g, &out, shard, jobs, per_run);
    }
    let data = data::load(&g.data(), data_dir.as_deref())?;
    let store = Store::create(&out, &g)?;
    if !a.quiet {
        let (pending, in_shard, done) = grid::pending(&store, &g, shard)?;
        let training = pending.iter().filter(|r| store.training(&r.id)).count();
        let pending: Vec<plan::RunSpec> = pending.into_iter().filter(|r| !store.training(&r.id)).collect();
        eprintln!(
            "{}, {jobs} at a time; results in {}",
            counts(
                &g,
                in_shard,
                done,
                training,
                &pending,
                jobs,
                pace(&store.finished_of(&g)?)
            ),
            out.display()
        );
    }
    let outcome = grid::run(
        &store,
        &g,
        &data,
        grid::Options {
            jobs,
            shard,
            progress: !a.quiet,
        },
    )?;
    let elsewhere = match outcome.elsewhere {
        0 => String::new(),
        n => format!(", left {n} to other processes sharing the folder"),
    };
    println!(
        "ran {} ({} diverged), skipped {} already finished{elsewhere}; {} of {} of the grid finished",
        estimate::count(outcome.ran, "run"),
        outcome.diverged,
        outcome.skipped,
        outcome.finished,
        estimate::count(outcome.total, "run")
    );
    println!(
        "results: {} (one JSON line per run), {}",
        out.join(store::RUNS_FILE).display(),
        out.join(store::SUMMARY_FILE).display()
    );
    // Of several processes completing the grid together, the one whose
    // rebuild completed the derived files writes the report.
    let report_due = outcome.rebuilt || !out.join(report::REPORT_FILE).exists();
    if outcome.complete() && !a.no_report && report_due {
        let w = report::write(&out, &[])?;
        println!(
            "report: {} ({})",
            w.report.display(),
            estimate::count(w.figures.len(), "figure")
        );
    } else if outcome.complete() && !a.no_report {
        println!(
            "report: {} is up to date",
            out.join(report::REPORT_FILE).display()
        );
    } else if !outcome.complete() {
        println!("the grid is not complete yet; rerun the same command (or the other shards) to finish it, then `einorm report {}`", out.display());
    }
    Ok(())
}

// -------------------------------------------------------------- report

fn report(a: &ReportArgs) -> Result<(), Error> {
    // Every folder is checked before the report's own is locked.
    for dir in &a.extra {
        let (s, g) = Store::open(dir)?;
        s.finished_of(&g)?;
    }
    let dir = match &a.out {
        Some(out) => copy_grid(&a.dir, out)?,
        None => a.dir.clone(),
    };
    let w = report::write(&dir, &a.extra)?;
    if !w.rebuilt.is_empty() && a.out.is_none() {
        let files: Vec<String> = w
            .rebuilt
            .iter()
            .map(|f| a.dir.join(f).display().to_string())
            .collect();
        println!(
            "rebuilt {} from the run records (missing or stale)",
            files.join(" and ")
        );
    }
    println!(
        "report: {} from {} of {}, {}",
        w.report.display(),
        w.finished,
        estimate::count(w.expected, "run"),
        estimate::count(w.figures.len(), "figure")
    );
    for c in &w.claims {
        println!("  {:<15} {}", c.verdict.to_string(), c.statement);
    }
    Ok(())
}

/// Copies the grid and finished runs of `dir` into `out` (new, empty or
/// holding the same grid), so a report can be written there.
fn copy_grid(dir: &Path, out: &Path) -> Result<PathBuf, Error> {
    let (from, grid) = Store::open(dir)?;
    let records = from.finished_of(&grid)?;
    let to = Store::create(out, &grid)?;
    for r in records.values() {
        to.write_run(r)?;
    }
    Ok(out.to_path_buf())
}

// ---------------------------------------------------------------- list

/// The text of `einorm list`.
pub fn list() -> String {
    let mut s = String::from("Conditions (protocol §4):\n");
    for c in einet::Condition::ALL {
        s.push_str(&format!(
            "  {:<18} {:<34} {}\n",
            c.id(),
            c.paper_label(),
            c.description()
        ));
    }
    s.push_str("\nPresets (estimated time on 2 cores):\n");
    let w = presets::NAMES.iter().map(|n| n.len()).max().unwrap_or(0);
    for name in presets::NAMES {
        let g = presets::get(name).expect("presets are valid");
        s.push_str(&format!(
            "  {:<w$} {:>5} runs  {:>12}  {}\n",
            name,
            g.runs().len(),
            estimate::human(estimate::grid_seconds(&g, 2)),
            presets::describe(name)
        ));
    }
    s.push_str("\nThe paper's configurations (lr / lr_wei / lr_wix / width):\n");
    for (k, c) in PAPER_CONFIGS.iter().enumerate() {
        s.push_str(&format!(
            "  {k:>2}  {:<9} {:<9} {:<7} {}\n",
            c.lr, c.lr_wei, c.lr_wix, c.width
        ));
    }
    s
}
