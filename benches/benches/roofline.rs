//! The roofline report: for each training step, its counted matmul FLOP,
//! its time, the GFLOP/s it achieves, and the ratio to sgemm measured in
//! this same process at the same layer shapes; then what a real epoch adds
//! to the bare steps, and the `paper` preset projected from these times.
//!
//! FLOP counting: the tape counts `2·m·k·n` for every matrix product it
//! runs, forward and backward (`autograd::Tape::matmul_flops`); products
//! that are skipped (no gradient for data or frozen parameters) are not
//! counted. Elementwise work, reductions, the loss and the optimizer are
//! not counted: they are the overhead the ratio exposes. The sgemm
//! ceiling runs the dense-layer products a step of the same width runs
//! (`x·W`, `xᵀ·g`, and `g·Wᵀ` above the first layer), each weight operand
//! in the layout sgemm packs fastest (`benches::model_gemm_shapes`),
//! weighted by their FLOP. `sgemm₀` and `ratio₀` are the same against
//! the ceiling this report first used (`benches::first_gemm_shapes`: `W`
//! stored (out, in), so its `x·Wᵀ` takes matrixmultiply's slow packing
//! path, and the first layer's error, which a step never runs, included),
//! for comparison with earlier measurements.
//!
//! Timing: one thread (matrixmultiply is built without its `threading`
//! feature), on-CPU time (`benches::thread_seconds`: on a shared machine a
//! wait for a core is not part of a step), 20 warm-up steps, then the best of `TRIALS` runs of `STEPS`
//! steps on the same batch (short runs, so that on a shared machine some
//! of them run undisturbed). The ceiling is the better of two measurements
//! taken before and after each width's steps, so a slow moment on a busy
//! machine does not flatter the ratio. `epoch s` is ms/step × 1875 (one
//! epoch of 60 000 images at batch 32, training steps only).
//!
//! `eval %`: the counted matmul FLOP of an epoch's test evaluation (10 000
//! images, forward only, in passes of `EVAL_BATCH` rows) over those of its
//! 1 875 training steps: what the evaluation adds at the step's GFLOP/s,
//! a floor under `epoch +%` that the protocol sets (it tests every epoch).
//!
//! `epoch +%`: a real epoch (`experiments::train::Run::epoch`: batches
//! written with their luminosity jitter, the steps, evaluation on the test
//! set, the probe's moments and alignment) against the same number of bare
//! steps on one fixed batch, best of `EPOCH_TRIALS` each, alternating. The
//! data are the `paper` preset's cut by `EPOCH_CUT` (7 500 training and
//! 1 250 test images of Fashion-MNIST, or synthetic images when it is not
//! installed, a probe of 32 rows), so every part keeps its share of a
//! full epoch.
//!
//! The projection: each family's time per step is fitted as linear in the
//! multiply-adds per image (`784·W + W² + 10·W`) through its two widths,
//! each of the `paper` preset's 1 440 runs gets its condition's family
//! (`-detached` variants and `inorm-sub` the nearest) and its width, 50
//! epochs of 1 875 steps, plus the family's mean `epoch +%`; the sum is
//! divided by 2 cores (perfect scaling; `benches/results/runs-per-hour.txt`
//! measured 1.76× for two runs at a time). Network initialization and the
//! fixed-offset tests are left out (well under 1 %).
//!
//! `cargo bench -p benches --bench roofline [-- CONDITION... WIDTH...]`,
//! e.g. `-- inorm-full ei-ln 234 500`; default: five conditions at W = 234, 500.

use benches::{first_gemm_shapes, model_gemm_shapes, random_batch, sgemm_gflops, thread_seconds, BATCH};
use einet::{Condition, ErrorMode, Hyper, NetSpec, Trainer};
use experiments::plan::{DatasetChoice, GridSpec, RunSpec};
use experiments::run::data::GridData;
use experiments::run::train::{Run, Silent, EVAL_BATCH};

const STEPS: usize = 100;
const TRIALS: usize = 10;
const STEPS_PER_EPOCH: f64 = 60_000.0 / BATCH as f64;
const EPOCH_TRIALS: usize = 3;
/// The real epoch's data are the `paper` preset's divided by this.
const EPOCH_CUT: usize = 8;

fn trainer(id: &str, width: usize) -> Trainer {
    let condition: Condition = id.parse().expect("built-in condition id");
    Trainer::new(
        &NetSpec::paper(condition, width),
        &Hyper::paper(0.005, 0.0005, 0.1),
        1,
    )
}

/// Counted matmul FLOP per step and the best time per step (seconds).
fn time_steps(id: &str, width: usize, x: &[f32], y: &[usize]) -> (f64, f64) {
    let mut t = trainer(id, width);
    for _ in 0..20 {
        t.step(x, y); // warm the tape's buffers and the caches
    }
    let flops_before = t.matmul_flops();
    let mut best = f64::INFINITY;
    for _ in 0..TRIALS {
        let start = thread_seconds();
        for _ in 0..STEPS {
            t.step(x, y);
        }
        best = best.min((thread_seconds() - start) / STEPS as f64);
    }
    let per_step = (t.matmul_flops() - flops_before) as f64 / (TRIALS * STEPS) as f64;
    (per_step, best)
}

/// Counted matmul FLOP of evaluating the 10 000 test images, as a run does.
fn eval_flops(id: &str, width: usize) -> f64 {
    let mut t = trainer(id, width);
    let (x, y) = random_batch(EVAL_BATCH, 2);
    t.evaluate(&x, &y);
    t.matmul_flops() as f64 * (10_000 / EVAL_BATCH) as f64
}

/// The `paper` grid with its data cut by [`EPOCH_CUT`] (synthetic images
/// when Fashion-MNIST is not installed).
fn reduced_paper_grid() -> GridSpec {
    let mut g = experiments::plan::presets::get("paper").expect("the paper preset exists");
    if datasets::find_data_dir(datasets::DatasetKind::FashionMnist, None).is_err() {
        g.dataset = DatasetChoice::Synthetic;
    }
    g.train_subset = Some(60_000 / EPOCH_CUT);
    g.test_subset = Some(10_000 / EPOCH_CUT);
    g.probe /= EPOCH_CUT;
    g.eval_offsets.clear();
    g.epochs = 2 * EPOCH_TRIALS;
    g
}

/// A real epoch's time over the bare steps' time, minus one.
fn epoch_overhead(grid: &GridSpec, data: &GridData, id: &str, width: usize) -> f64 {
    let condition: Condition = id.parse().expect("built-in condition id");
    let mut spec: RunSpec = grid.runs().into_iter().next().expect("the paper grid has runs");
    spec.condition = condition;
    spec.hyper.width = width;
    let mut run = Run::new(&spec, data);
    let mut bare = experiments::run::train::build_trainer(&spec);
    let (x, y) = random_batch(spec.batch, 3);
    let steps = data.train.len().div_ceil(spec.batch);
    let (mut best_real, mut best_bare) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..EPOCH_TRIALS {
        let start = thread_seconds();
        for _ in 0..steps {
            bare.step(&x, &y);
        }
        best_bare = best_bare.min(thread_seconds() - start);
        let start = thread_seconds();
        run.epoch(&mut Silent)
            .expect("a paper run does not diverge in its first epochs");
        best_real = best_real.min(thread_seconds() - start);
    }
    best_real / best_bare - 1.0
}

/// One measured row of the table.
struct Row {
    id: String,
    width: usize,
    secs: f64,
    overhead: f64,
}

/// The family measured for `c`: the one whose step does the same work, or the nearest.
fn family(c: Condition) -> &'static str {
    match c {
        Condition::Ei | Condition::INormSub => "ei",
        Condition::EiLn | Condition::EiLnDetached => "ei-ln",
        Condition::ELn | Condition::ELnDetached => "e-ln",
        Condition::INorm(ErrorMode::Full | ErrorMode::Decorrelate) => "inorm-full",
        Condition::INorm(_) => "inorm",
    }
}

/// Hours of the `paper` preset on 2 cores, from the measured rows (see the
/// module doc); `None` unless every family was measured at two widths.
fn paper_projection(rows: &[Row]) -> Option<f64> {
    let work = |w: usize| (784 * w + w * w + 10 * w) as f64;
    let per_step = |fam: &str, width: usize| -> Option<f64> {
        let mut points: Vec<&Row> = rows.iter().filter(|r| r.id == fam).collect();
        points.sort_by_key(|r| r.width);
        let (lo, hi) = (points.first()?, points.last()?);
        if lo.width == hi.width {
            return None;
        }
        let slope = (hi.secs - lo.secs) / (work(hi.width) - work(lo.width));
        let overhead = points.iter().map(|r| r.overhead).sum::<f64>() / points.len() as f64;
        Some((lo.secs + slope * (work(width) - work(lo.width))) * (1.0 + overhead))
    };
    let paper = experiments::plan::presets::get("paper").expect("the paper preset exists");
    let mut seconds = 0.0;
    for run in paper.runs() {
        let steps = (60_000usize.div_ceil(run.batch) * run.epochs) as f64;
        seconds += steps * per_step(family(run.condition), run.hyper.width)?;
    }
    Some(seconds / 2.0 / 3600.0)
}

fn main() {
    let Some((ids, widths)) = benches::bench_args(&["ei", "ei-ln", "e-ln", "inorm", "inorm-full"]) else {
        return; // `cargo bench -- --list` asks benches for their names
    };
    let (x, y) = random_batch(BATCH, 1);
    let grid = reduced_paper_grid();
    let data = experiments::run::data::load(&grid.data(), None).expect("the reduced paper data load");
    println!(
        "{:<12} {:>5} {:>11} {:>9} {:>8} {:>8} {:>7} {:>8} {:>7} {:>8} {:>7} {:>8}",
        "condition",
        "W",
        "MFLOP/step",
        "ms/step",
        "GFLOP/s",
        "sgemm",
        "ratio",
        "sgemm₀",
        "ratio₀",
        "epoch s",
        "eval %",
        "epoch +%"
    );
    let mut rows = Vec::new();
    for &width in &widths {
        let (shapes, first) = (model_gemm_shapes(&[width]), first_gemm_shapes(&[width]));
        let before = sgemm_gflops(&shapes, 50, 20);
        let first_before = sgemm_gflops(&first, 50, 20);
        let timed: Vec<(&str, f64, f64)> = ids
            .iter()
            .map(String::as_str)
            .map(|id| {
                let (flops, secs) = time_steps(id, width, &x, &y);
                (id, flops, secs)
            })
            .collect();
        let ceiling = before.max(sgemm_gflops(&shapes, 50, 20));
        let first_ceiling = first_before.max(sgemm_gflops(&first, 50, 20));
        for (id, flops, secs) in timed {
            let gflops = flops / secs / 1e9;
            let overhead = epoch_overhead(&grid, &data, id, width);
            let eval_share = eval_flops(id, width) / (flops * STEPS_PER_EPOCH);
            println!(
                "{id:<12} {width:>5} {:>11.1} {:>9.3} {gflops:>8.1} {ceiling:>8.1} {:>6.0}% {first_ceiling:>8.1} {:>6.0}% {:>8.2} {:>6.1}% {:>7.1}%",
                flops / 1e6,
                secs * 1e3,
                100.0 * gflops / ceiling,
                100.0 * gflops / first_ceiling,
                secs * STEPS_PER_EPOCH,
                100.0 * eval_share,
                100.0 * overhead
            );
            rows.push(Row {
                id: id.to_string(),
                width,
                secs,
                overhead,
            });
        }
    }
    if let Some(hours) = paper_projection(&rows) {
        println!("paper preset (1 440 runs x 50 epochs) projected from these times: {hours:.1} h on 2 cores");
    }
}
