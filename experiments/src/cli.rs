//! The command line: `einorm train | grid | report | list`. The settings
//! are the key structs of [`crate::plan::keys`], flattened into each
//! command, so a flag of `grid` and a key of a grid TOML file are one
//! declaration.

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use einet::Condition;

use crate::plan::keys::{one_of, GridKeys, List, Offsets};
use crate::plan::{presets, DataSpec, LumKind, OptimKeys, RunKeys, Shard, SpecError};

#[derive(Parser, Debug)]
#[command(
    name = "einorm",
    version,
    about = "Inhibitory normalization of error signals: train, run the ablation grid, report",
    arg_required_else_help = true,
    long_about = "Runs the ablation of 'Inhibitory normalization of error signals improves learning in neural circuits' on Fashion-MNIST with variable luminosity: single runs, whole grids in parallel (resumable, shardable), and a report with tables, Mann-Whitney tests, verdicts on the paper's claims and SVG figures."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train one run, printing per-epoch metrics.
    Train(TrainArgs),
    /// Run a grid of conditions x eps x configs x seeds in parallel.
    Grid(GridArgs),
    /// Write report.md and figures/*.svg from a grid folder's result files.
    Report(ReportArgs),
    /// Test a checkpoint written by `train --checkpoint`.
    Eval(EvalArgs),
    /// List the conditions, presets and the paper's configurations.
    List,
}

/// The flags given on the command line (not left at their defaults), by
/// their keys' names (`val_size` for `--val-size`).
pub type Given = BTreeSet<String>;

#[derive(Args, Debug)]
#[command(args_override_self = true)]
pub struct TrainArgs {
    /// Condition id (see `einorm list`).
    #[arg(long, required_unless_present = "resume", value_parser = one_of::<Condition>(Condition::ALL.map(|c| c.id())))]
    pub condition: Option<Condition>,
    /// Luminosity level eps: in [0, 1] (multiplicative: below 1).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = finite)]
    pub eps: f32,
    /// One of the paper's 30 configurations (0-29; default 0); explicit flags override its fields.
    #[arg(long)]
    pub config: Option<usize>,
    /// Task learning rate.
    #[arg(long, allow_hyphen_values = true)]
    pub lr: Option<f32>,
    /// Learning rate of W_ei (and B_ei).
    #[arg(long, allow_hyphen_values = true)]
    pub lr_wei: Option<f32>,
    /// Learning rate of W_ix (and B_ix).
    #[arg(long, allow_hyphen_values = true)]
    pub lr_wix: Option<f32>,
    /// Hidden width.
    #[arg(long)]
    pub width: Option<usize>,
    /// Seed of initialization, order and jitter.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub data: DataSpec,
    #[command(flatten)]
    pub run: RunKeys,
    #[command(flatten)]
    pub optim: OptimKeys,
    /// Write the per-epoch metrics here (JSON lines, rewritten after every epoch).
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// Write the finished run's record here (JSON).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Save a checkpoint here after every epoch (one file, written atomically).
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Continue from a checkpoint written by --checkpoint (its run spec is used; --epochs may extend it).
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    #[arg(skip)]
    pub given: Given,
}

#[derive(Args, Debug, Default)]
#[command(args_override_self = true, after_help = grid_defaults())]
pub struct GridArgs {
    #[command(flatten)]
    pub keys: GridKeys,
    /// Read the grid from a TOML file (the keys of these flags in snake_case, e.g. `train_subset = 10000`; flags win).
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Results folder (default: results/<name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs at a time (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only slice i of n (0-based), e.g. 3/8; shards may share one --out folder.
    #[arg(long, value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Do not write the report when the grid is complete.
    #[arg(long)]
    pub no_report: bool,
    /// Print what would run and its estimated time; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
    #[arg(skip)]
    pub given: Given,
}

#[derive(Args, Debug)]
#[command(args_override_self = true)]
pub struct ReportArgs {
    /// The grid folder (holds grid.toml and runs/).
    pub dir: PathBuf,
    /// Pool in the runs of further grid folders (e.g. a multiplicative-luminosity grid).
    #[arg(long)]
    pub extra: Vec<PathBuf>,
    /// Write the report (with a copy of the grid's runs) into this folder instead, leaving DIR untouched.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// What a grid is without --preset or --spec, read from the paper preset.
fn grid_defaults() -> String {
    let p = presets::get("paper").expect("presets are valid");
    let list = |v: Vec<String>| v.join(",");
    format!(
        "Without --preset or --spec the grid is the paper's protocol: conditions all, eps {}, configs all {}, seeds {}, and the defaults shown. A preset or a --spec file sets its own values; flags given here override both.",
        list(p.eps.iter().map(f32::to_string).collect()),
        p.configs.len(),
        list(p.seeds.iter().map(u64::to_string).collect()),
    )
}

/// A finite number (its range is checked with the run).
fn finite(s: &str) -> Result<f32, SpecError> {
    match s.trim().parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(SpecError::BadValue {
            key: "eps",
            given: s.to_string(),
            what: "finite number",
        }),
    }
}

#[derive(Args, Debug)]
#[command(args_override_self = true)]
pub struct EvalArgs {
    /// The checkpoint.
    pub checkpoint: PathBuf,
    /// Test under this luminosity kind instead of the run's.
    #[arg(long, value_enum)]
    pub luminosity: Option<LumKind>,
    /// Test at this luminosity level instead of the run's.
    #[arg(long, allow_hyphen_values = true, value_parser = finite)]
    pub eps: Option<f32>,
    /// Also test at these fixed offsets (e.g. -0.75,-0.5,0,0.5,0.75).
    #[arg(long, allow_hyphen_values = true)]
    pub offsets: Option<List<Offsets>>,
    /// Folder with the IDX files (default: as for `train`).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl Cli {
    /// Parses the command line, noting which flags were given.
    pub fn parse_given() -> Result<Cli, clap::Error> {
        let cmd = Cli::command();
        let matches = cmd.clone().try_get_matches()?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        if let Some((name, sub)) = matches.subcommand() {
            let given = given(
                cmd.find_subcommand(name).expect("a parsed subcommand exists"),
                sub,
            );
            match &mut cli.command {
                Command::Train(a) => a.given = given,
                Command::Grid(a) => a.given = given,
                _ => {}
            }
        }
        Ok(cli)
    }
}

/// The flags of `cmd` that `matches` took from the command line.
fn given(cmd: &clap::Command, matches: &ArgMatches) -> Given {
    cmd.get_arguments()
        .map(|a| a.get_id().as_str())
        .filter(|id| matches.value_source(id) == Some(ValueSource::CommandLine))
        .map(str::to_string)
        .collect()
}
