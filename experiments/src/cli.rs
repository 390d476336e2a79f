//! The command line: `einorm train | grid | report | list`. Flags of `grid`
//! share their names with the keys of a grid TOML file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::spec::lists::Tokens;
use crate::spec::GridOverrides;

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
    /// List the conditions, presets and the paper's configurations.
    List,
}

/// The keys a single run and a grid share.
#[derive(Args, Debug, Default, Clone)]
pub struct DataArgs {
    /// fashion-mnist, mnist or synthetic.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Folder with the IDX files (default: $FASHION_MNIST_DIR, /usr/share/datasets/fashion-mnist, ./data/fashion-mnist).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Luminosity kind: additive (the paper's) or multiplicative.
    #[arg(long)]
    pub luminosity: Option<String>,
    /// Training order: fixed (the paper's) or shuffled.
    #[arg(long)]
    pub order: Option<String>,
    /// Arithmetic of the training steps: f32 (default) or f16-autocast (CUDA fp16 autocast emulated, no loss scaling).
    #[arg(long)]
    pub precision: Option<String>,
    /// Train on a seeded subset of this many training images.
    #[arg(long)]
    pub train_subset: Option<usize>,
    /// Test on a seeded subset of this many test images.
    #[arg(long)]
    pub test_subset: Option<usize>,
    /// Hold out this many training images for validation.
    #[arg(long)]
    pub val_size: Option<usize>,
    /// Batch size.
    #[arg(long)]
    pub batch: Option<usize>,
    /// Epochs.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Probe rows for the moments and alignment.
    #[arg(long)]
    pub probe: Option<usize>,
    /// After the last epoch, also test at these fixed offsets (e.g. -0.75,-0.5,0,0.5,0.75).
    #[arg(long, allow_hyphen_values = true)]
    pub eval_offsets: Option<String>,
}

#[derive(Args, Debug)]
#[command(args_override_self = true)]
pub struct TrainArgs {
    /// Condition id (see `einorm list`).
    #[arg(long)]
    pub condition: Option<String>,
    /// Luminosity level eps in [0, 1].
    #[arg(long)]
    pub eps: Option<f32>,
    /// One of the paper's 30 configurations (0-29); explicit flags override its fields.
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
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Write the per-epoch metrics here (JSON lines, rewritten after every epoch).
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// Write the finished run's record here (JSON).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Save a checkpoint here after every epoch (plus <file>.state.json).
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Continue from a checkpoint written by --checkpoint (its run spec is used; --epochs may extend it).
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args, Debug, Default)]
#[command(args_override_self = true)]
pub struct GridArgs {
    /// Start from a preset: smoke, quick, paper, quick-mul, paper-mul.
    #[arg(long)]
    pub preset: Option<String>,
    /// Read the grid from a TOML file (same keys as these flags; flags win).
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Name of the grid (default: the preset's, or `custom`).
    #[arg(long)]
    pub name: Option<String>,
    /// Condition ids, comma-separated, or `all`.
    #[arg(long)]
    pub conditions: Option<String>,
    /// Luminosity levels, comma-separated, each in [0, 1].
    #[arg(long)]
    pub eps: Option<String>,
    /// Paper configurations: indices and ranges (0-9,12) or `all`.
    #[arg(long)]
    pub configs: Option<String>,
    /// Seeds: integers and ranges (0-4).
    #[arg(long)]
    pub seeds: Option<String>,
    /// Replace every configuration's hidden width.
    #[arg(long)]
    pub width: Option<usize>,
    /// Conditions tested at --eval-offsets (default: all).
    #[arg(long)]
    pub offset_conditions: Option<String>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Results folder (default: results/<name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs at a time (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only slice i of n (0-based), e.g. 3/8; shards may share one --out folder.
    #[arg(long)]
    pub shard: Option<String>,
    /// Do not write the report when the grid is complete.
    #[arg(long)]
    pub no_report: bool,
    /// Print what would run and its estimated time; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
#[command(args_override_self = true)]
pub struct ReportArgs {
    /// The grid folder (holds grid.toml and runs/).
    pub dir: PathBuf,
    /// Pool in the runs of further grid folders (e.g. a multiplicative-luminosity grid).
    #[arg(long)]
    pub extra: Vec<PathBuf>,
}

impl GridArgs {
    /// The flags as grid keys.
    pub fn overrides(&self) -> GridOverrides {
        let tok = |s: &Option<String>| s.as_deref().map(Tokens::from);
        GridOverrides {
            preset: self.preset.clone(),
            name: self.name.clone(),
            notes: None,
            dataset: self.data.dataset.clone(),
            data_dir: self.data.data_dir.clone(),
            train_subset: self.data.train_subset,
            test_subset: self.data.test_subset,
            val_size: self.data.val_size,
            conditions: tok(&self.conditions),
            luminosity: self.data.luminosity.clone(),
            eps: tok(&self.eps),
            configs: tok(&self.configs),
            width: self.width,
            epochs: self.data.epochs,
            batch: self.data.batch,
            seeds: tok(&self.seeds),
            order: self.data.order.clone(),
            precision: self.data.precision.clone(),
            probe: self.data.probe,
            eval_offsets: tok(&self.data.eval_offsets),
            offset_conditions: tok(&self.offset_conditions),
        }
    }
}
