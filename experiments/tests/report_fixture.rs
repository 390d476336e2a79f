//! The report is regenerated from committed result files by one command:
//! `einorm report <grid folder>`. The smoke fixture is a small committed grid
//! (synthetic data, two configs) with its committed report; `results/quick-long`
//! is a real committed grid. A synthetic `central` grid with missing cells
//! checks the paired statistics and the partial-grid report.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::{einorm, ok, scratch};
use einet::Condition;
use experiments::plan::presets;
use experiments::run::record::{EpochMetrics, Eval, LayerAlignment, LayerMoments, RunRecord};
use experiments::run::store::Store;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/smoke-grid");
const QUICK_LONG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/quick-long");
const CENTRAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/central");
const SCALE_PRECISION: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/scale-precision");
const LN_PRECISION: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/ln-precision");
const CENTRAL_REST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/central-rest");
const SCALE_PRECISION_BIAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/scale-precision-bias");
const LOCAL_LN_MSE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/local-ln-mse");
const CENTRAL_BASELINES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/central-baselines");
const CENTRAL_MODES_REST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/central-modes-rest");
const CENTRAL_MODES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/central-modes");
const CENTRAL_REST_MID: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/central-rest-mid");
const CENTRAL_REST_ALL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/central-rest-all");
const CENTRAL_CLAIMS_REST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/central-claims-rest");
const CENTRAL_SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/central-seeds");

/// Every file the report writes, relative to the grid folder, with its bytes.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for name in ["report.md", "epochs.csv"] {
        out.insert(name.to_string(), fs::read(dir.join(name)).expect(name));
    }
    for e in fs::read_dir(dir.join("figures"))
        .expect("figures folder")
        .filter_map(Result::ok)
    {
        let name = format!("figures/{}", e.file_name().to_string_lossy());
        out.insert(name, fs::read(e.path()).expect("figure readable"));
    }
    out
}

/// Copies the committed inputs of `from` (and of the grids pooled in with
/// `--extra`) to scratch grids, reports there, and asserts every output
/// equals the committed one byte for byte.
fn regenerates_byte_for_byte_with(from: &str, extra: &[&str], name: &str) -> BTreeMap<String, Vec<u8>> {
    let dir = scratch(name);
    let mut args = vec!["report".to_string(), "grid".to_string()];
    for (i, src) in std::iter::once(&from).chain(extra).enumerate() {
        let copy = if i == 0 {
            "grid".to_string()
        } else {
            format!("extra{i}")
        };
        fs::create_dir_all(dir.join(&copy)).expect("scratch folder");
        for file in ["grid.toml", "runs.jsonl"] {
            fs::copy(Path::new(src).join(file), dir.join(&copy).join(file)).expect("committed file");
        }
        if i > 0 {
            args.extend(["--extra".to_string(), copy]);
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&einorm(&dir, &args));
    let grid = dir.join("grid");
    let got = outputs(&grid);
    let want = outputs(Path::new(from));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{from}: the same files"
    );
    for (file, bytes) in &want {
        assert!(got[file] == *bytes, "{from}/{file} differs from its regeneration");
    }
    let committed = fs::read_to_string(Path::new(from).join("runs.jsonl")).expect("committed runs");
    assert_eq!(
        fs::read_to_string(grid.join("runs.jsonl")).expect("runs.jsonl"),
        committed
    );
    got
}

fn regenerates_byte_for_byte(from: &str, name: &str) -> BTreeMap<String, Vec<u8>> {
    regenerates_byte_for_byte_with(from, &[], name)
}

#[test]
fn the_smoke_fixture_report_regenerates_byte_for_byte() {
    let files = regenerates_byte_for_byte(FIXTURE, "fixture-report");
    let report = String::from_utf8(files["report.md"].clone()).expect("utf-8");
    assert!(report.contains("48 of 48 runs"), "every fixture run is read");
    assert!(report.contains("## Claims of the paper"), "claims table present");
    for claim in ["`inorm-full`", "`inorm-decorrelate`", "`inorm-scale`", "`ei-ln`"] {
        assert!(report.contains(claim), "claims table names {claim}");
    }
    let svgs: Vec<&String> = files.keys().filter(|k| k.ends_with(".svg")).collect();
    assert!(svgs.len() >= 8, "only {} figures", svgs.len());
    let headline = String::from_utf8_lossy(&files["figures/accuracy_vs_eps.svg"]);
    assert!(
        !headline.contains("paper"),
        "short runs are not marked with the paper's 50-epoch medians"
    );
    for f in svgs {
        let svg = String::from_utf8_lossy(&files[f]);
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{f} is a whole SVG"
        );
    }
}

#[test]
fn the_committed_quick_long_report_regenerates_byte_for_byte() {
    regenerates_byte_for_byte(QUICK_LONG, "quick-long-report");
}

#[test]
fn the_committed_50_epoch_reports_regenerate_byte_for_byte() {
    regenerates_byte_for_byte(CENTRAL, "central-report");
    // the precision study pools the f32 twins of `central`
    let files = regenerates_byte_for_byte_with(SCALE_PRECISION, &[CENTRAL], "scale-precision-report");
    let report = String::from_utf8(files["report.md"].clone()).expect("utf-8");
    assert!(report.contains("## Precision and the collapse"));
    // the biases added in f32: its own precision against central's f32 twins
    let files =
        regenerates_byte_for_byte_with(SCALE_PRECISION_BIAS, &[CENTRAL], "scale-precision-bias-report");
    let report = String::from_utf8(files["report.md"].clone()).expect("utf-8");
    assert!(report.contains("| `inorm-scale` | 0.75 | f16-autocast-f32-bias | 10 |"));
    // LN+ in f16, paired with scale-precision's f16 inorm-full
    let files =
        regenerates_byte_for_byte_with(LN_PRECISION, &[SCALE_PRECISION, CENTRAL], "ln-precision-report");
    // The paper's row (its medians) is paired with ten f16 runs of each condition.
    let row = inorm_full_claim_at_075(&files);
    assert!(row.contains("| 10, 10 |"), "{row}");
    // central's configurations 0-9 and central-rest's 10-29: at ε = 0.75, all 30 paired
    let files = regenerates_byte_for_byte_with(CENTRAL_REST, &[CENTRAL], "central-rest-report");
    let row = inorm_full_claim_at_075(&files);
    assert!(row.contains("| 30, 30 |") && row.contains("/30 ahead)"), "{row}");
    // ... and central-rest-mid's at ε 0.25 and 0.5: all 30 paired at every ε > 0
    let files = regenerates_byte_for_byte_with(
        CENTRAL_REST_MID,
        &[CENTRAL_REST, CENTRAL],
        "central-rest-mid-report",
    );
    for paper in [
        "| ε = 0.25 | 88.12 vs 87.73",
        "| ε = 0.5 | 87.32 vs 86.90",
        "| ε = 0.75 | 85.61 vs 85.14",
    ] {
        let row = inorm_full_claim_at(&files, paper);
        assert!(row.contains("| 30, 30 |") && row.contains("/30 ahead)"), "{row}");
    }
    // ... and central-rest-all's: central's four conditions at every ε over all 30
    let files = regenerates_byte_for_byte_with(
        CENTRAL_REST_ALL,
        &[CENTRAL_REST_MID, CENTRAL_REST, CENTRAL],
        "central-rest-all-report",
    );
    let report = String::from_utf8(files["report.md"].clone()).expect("utf-8");
    let inorm_rows: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("| additive | `inorm` |"))
        .collect();
    assert_eq!(inorm_rows.len(), 4, "{inorm_rows:?}");
    for row in inorm_rows {
        assert!(
            row.contains("| 30, 30 |") && row.contains("(0/30 ahead)"),
            "{row}"
        );
    }
    let row = inorm_full_claim_at(&files, "| ε = 0 | 88.57 vs 88.42");
    assert!(row.contains("| 30, 30 |"), "{row}");
    // every claim's conditions on all 30 configurations, pooled with every central grid
    let files = regenerates_byte_for_byte_with(
        CENTRAL_CLAIMS_REST,
        &[
            CENTRAL_MODES_REST,
            CENTRAL_MODES,
            CENTRAL_BASELINES,
            CENTRAL_REST_ALL,
            CENTRAL_REST_MID,
            CENTRAL_REST,
            CENTRAL,
        ],
        "central-claims-rest-report",
    );
    let report = String::from_utf8(files["report.md"].clone()).expect("utf-8");
    for (ours, rows) in [
        ("`inorm-center` vs `e-ln`", 2),
        ("`inorm-lateral` vs `e-ln`", 2),
        ("`inorm-decorrelate` vs `e-ln`", 2),
        ("`ei-ln` vs `ei`", 2),
    ] {
        let header = format!("| | paper | ours ({ours}) |");
        let start = report.find(&header).unwrap_or_else(|| panic!("{header}"));
        let table: Vec<&str> = report[start..]
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .collect();
        assert_eq!(table.len(), rows, "{table:?}");
        for row in table {
            assert!(row.contains("| 30, 30 |"), "{row}");
        }
    }
    // the other error modes, paired with central's LN+
    let modes = regenerates_byte_for_byte_with(CENTRAL_MODES, &[CENTRAL], "central-modes-report");
    let report = String::from_utf8(modes["report.md"].clone()).expect("utf-8");
    assert!(report.contains("| `inorm-decorrelate` | I-Norm w/ GradNorm (decorrelate) | 0.75 | 10 |"));
    // center and lateral over all 30 configurations at ε 0.75
    let files = regenerates_byte_for_byte_with(
        CENTRAL_MODES_REST,
        &[CENTRAL_MODES, CENTRAL_REST, CENTRAL],
        "central-modes-rest-report",
    );
    let report = String::from_utf8(files["report.md"].clone()).expect("utf-8");
    assert!(report.contains("| ε = 0.75 | 85.11 vs 85.14 | 85.02 vs 85.33 | 30, 30 |"));
    // the other baselines: every condition at ε 0 and 0.75 with central's
    let files = regenerates_byte_for_byte_with(CENTRAL_BASELINES, &[CENTRAL], "central-baselines-report");
    let report = String::from_utf8(files["report.md"].clone()).expect("utf-8");
    assert!(report.contains("| `ei-ln-detached` | E-I LN detached | 0.75 | 10 |"));
    // central's main conditions at ε 0.75 with seeds 1 and 2 beside central's seed 0
    let files = regenerates_byte_for_byte_with(CENTRAL_SEEDS, &[CENTRAL], "central-seeds-report");
    let report = String::from_utf8(files["report.md"].clone()).expect("utf-8");
    let seeds = &report[report.find("## Seeds").expect("a Seeds section")..];
    for condition in ["e-ln", "inorm", "inorm-full"] {
        // complete: 10 configurations, each with seeds 0, 1 and 2
        let row = format!("| additive | `{condition}` | 0.75 | 10, 30 |");
        assert!(seeds.contains(&row), "{row}");
    }
    // inorm-full with the other local loss, paired with central's LN+ alone
    let files = regenerates_byte_for_byte_with(LOCAL_LN_MSE, &[CENTRAL], "local-ln-mse-report");
    let row = inorm_full_claim_at_075(&files);
    assert!(row.contains("| 10, 10 |"), "{row}");
}

/// The report's row of the `inorm-full` claim at ε = 0.75 (the paper's medians first).
fn inorm_full_claim_at_075(files: &BTreeMap<String, Vec<u8>>) -> String {
    inorm_full_claim_at(files, "| ε = 0.75 | 85.61 vs 85.14")
}

/// The report's row of the `inorm-full` claim that starts with `start`
/// (its ε, then the paper's medians).
fn inorm_full_claim_at(files: &BTreeMap<String, Vec<u8>>, start: &str) -> String {
    let report = String::from_utf8(files["report.md"].clone()).expect("utf-8");
    let row = report.lines().find(|l| l.starts_with(start));
    row.unwrap_or_else(|| panic!("the inorm-full claim row {start}"))
        .to_string()
}

/// (label, colour) of every legend entry of an SVG: a filled swatch
/// `<rect … fill="#RRGGBB" …/>` directly followed by its `<text>` label.
fn legend_entries(svg: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let elements: Vec<&str> = svg.split('<').collect();
    for pair in elements.windows(2) {
        let (rect, text) = (pair[0], pair[1]);
        if !rect.starts_with("rect ") || !text.starts_with("text ") {
            continue;
        }
        let Some(fill) = rect.split("fill=\"").nth(1).and_then(|s| s.split('"').next()) else {
            continue;
        };
        let label = text.split('>').nth(1).unwrap_or("").trim();
        out.push((label.to_string(), fill.to_string()));
    }
    out
}

#[test]
fn each_condition_has_one_colour_across_every_figure() {
    let files = regenerates_byte_for_byte(FIXTURE, "fixture-colours");
    let ids: Vec<String> = Condition::ALL.iter().map(ToString::to_string).collect();
    let mut colour_of: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut figures_with_legend = 0;
    for (file, bytes) in files.iter().filter(|(k, _)| k.ends_with(".svg")) {
        let svg = String::from_utf8_lossy(bytes);
        let entries: Vec<(String, String)> = legend_entries(&svg)
            .into_iter()
            .filter(|(l, _)| ids.contains(l))
            .collect();
        figures_with_legend += usize::from(!entries.is_empty());
        for (label, fill) in entries {
            // the colour of the key is the colour of the data it names
            let drawn = svg.matches(&format!("stroke=\"{fill}\"")).count()
                + svg.matches(&format!("fill=\"{fill}\"")).count();
            assert!(
                drawn > 1,
                "{file}: `{label}` ({fill}) is in the legend but not drawn"
            );
            match colour_of.get(&label) {
                Some((c, first)) => assert_eq!(c, &fill, "`{label}` is {c} in {first} but {fill} in {file}"),
                None => {
                    colour_of.insert(label, (fill, file.clone()));
                }
            }
        }
    }
    assert!(
        figures_with_legend >= 8,
        "only {figures_with_legend} figures have a legend"
    );
    assert_eq!(
        colour_of.len(),
        Condition::ALL.len(),
        "every condition of the fixture appears in a legend"
    );
    let mut colours: Vec<&String> = colour_of.values().map(|(c, _)| c).collect();
    colours.sort();
    colours.dedup();
    assert_eq!(colours.len(), colour_of.len(), "no two conditions share a colour");
}

/// A synthetic finished run: accuracy `acc` (fraction) after every epoch.
fn record(spec: experiments::plan::RunSpec, acc: f64) -> RunRecord {
    let epochs = (1..=spec.epochs)
        .map(|k| EpochMetrics {
            epoch: k,
            train_loss: 1.0 / k as f64,
            test: Eval {
                loss: 0.5,
                acc: acc - 0.002 * (spec.epochs - k) as f64,
            },
            val: None,
            moments: vec![LayerMoments { mean: 0.0, var: 1.0 }; 2],
            alignment: vec![
                LayerAlignment {
                    output_cos: 0.9,
                    grad_cos: 0.3
                };
                2
            ],
            seconds: 1.0,
        })
        .collect();
    RunRecord {
        spec,
        epochs,
        final_test_acc: acc,
        final_val_acc: None,
        diverged: false,
        divergence: None,
        offsets: Vec::new(),
        wall_seconds: 50.0,
        provenance: None,
    }
}

#[test]
fn a_partial_central_grid_reports_paired_tests_collapse_and_what_is_missing() {
    let dir = scratch("central-partial");
    let folder = dir.join("central");
    let grid = presets::get("central").expect("central preset");
    let store = Store::create(&folder, &grid).expect("grid folder");
    let mut written = 0;
    for spec in grid.runs() {
        let config = spec.config.expect("paper configs") as f64;
        let scale = spec.condition.to_string() == "inorm-scale";
        // inorm-scale: ε 0.75 not run at all, ε 0.5 only configs 0-5
        if scale && (spec.eps == 0.75 || (spec.eps == 0.5 && config > 5.0)) {
            continue;
        }
        // inorm is 1 to 1.27 points below e-ln in every config, inorm-full 0.1 above;
        // inorm-scale collapses to chance in configs 0-2 at ε 0.5
        let base = 0.85 - 0.01 * f64::from(spec.eps) + 0.001 * config;
        let acc = match spec.condition.to_string().as_str() {
            "inorm" => base - 0.01 - 0.0003 * config,
            "inorm-full" => base + 0.001,
            "inorm-scale" if spec.eps == 0.5 && config <= 2.0 => 0.1,
            _ => base,
        };
        store.write_run(&record(spec, acc)).expect("run written");
        written += 1;
    }
    assert_eq!(written, 160 - 10 - 4);
    ok(&einorm(&dir, &["report", "central"]));
    let report = fs::read_to_string(folder.join("report.md")).expect("report.md");
    assert!(report.contains("146 of 160 runs"), "{}", &report[..400]);
    assert!(
        report.contains("**Incomplete grid:**"),
        "the report says the grid is incomplete"
    );
    assert!(
        report.contains("`inorm-scale` additive ε = 0.5 (6 of 10)"),
        "names the short cell"
    );
    assert!(
        report.contains("`inorm-scale` additive ε = 0.75 (0 of 10)"),
        "names the missing cell"
    );
    // inorm below e-ln in all 10 pairs (by 1.00 to 1.27 points): W = 0, exact p = 2/1024
    let row = "(0/10 ahead) | W = 0, r = -1.00, p = 0.002 (exact)";
    assert!(report.contains(row), "paired row");
    assert!(report.contains("Mann–Whitney"), "the unpaired test is beside it");
    assert!(report.contains("Holm"), "the correction is said");
    // collapse: 3 of the 6 inorm-scale runs at ε 0.5
    assert!(report.contains("| 0.5 | 6 | 3 | 0 |"), "collapse count per ε");
    assert!(
        report.contains("is all of them"),
        "top 10 is all with 10 runs per cell"
    );
    let figs = folder.join("figures");
    for f in [
        "accuracy_vs_eps.svg",
        "scale_runs.svg",
        "curves_add.svg",
        "alignment_curves.svg",
    ] {
        assert!(figs.join(f).exists(), "{f} drawn");
    }
    let scale = fs::read_to_string(figs.join("scale_runs.svg")).expect("scale figure");
    assert!(scale.contains("ε = 0.75 (not run)"), "the empty cell says so");
    // 50 epochs, the paper's length: its medians are marked, one diamond
    // per box the paper gives a median for, and one in the legend
    let diamonds = |f: &str| {
        let svg = fs::read_to_string(figs.join(f)).expect("figure");
        assert!(
            svg.contains("the paper&apos;s median") || svg.contains("the paper's median"),
            "{f}: legend"
        );
        svg.matches("<polygon opacity=\"1\" fill=\"#FFFFFF\"").count()
    };
    assert_eq!(
        diamonds("accuracy_vs_eps.svg"),
        3 * 4 + 1,
        "e-ln, inorm, inorm-full at 4 ε"
    );
    assert_eq!(
        diamonds("fig6_modes.svg"),
        2 * 4 + 1,
        "inorm-scale has IQRs (ε ≤ 0.25) or nothing"
    );
    // epochs.csv: one row per run and epoch, plus the header
    let csv = fs::read_to_string(folder.join("epochs.csv")).expect("epochs.csv");
    assert_eq!(csv.lines().count(), 1 + 146 * 50);
    let header = csv.lines().next().expect("header");
    for column in [
        "id",
        "precision",
        "condition",
        "eps",
        "config",
        "seed",
        "epoch",
        "test_acc",
        "grad_cos_l2",
    ] {
        assert!(header.split(',').any(|c| c == column), "{column} in {header}");
    }
}

#[test]
fn a_precision_grid_pooled_with_f32_twins_tests_f16_against_f32() {
    let dir = scratch("precision-pooled");
    // f32 twins: inorm-scale at ε 0.5 in configurations 0-3, none collapsed
    let central = presets::get("central").expect("central preset");
    let twins = Store::create(&dir.join("f32"), &central).expect("f32 folder");
    for spec in central.runs().into_iter().filter(|s| {
        s.condition.to_string() == "inorm-scale" && s.eps == 0.5 && s.config.is_some_and(|c| c < 4)
    }) {
        twins.write_run(&record(spec, 0.82)).expect("run written");
    }
    // f16: the same four cells, three of them diverged in epoch 7
    let grid = presets::get("scale-precision").expect("scale-precision preset");
    let half = Store::create(&dir.join("f16"), &grid).expect("f16 folder");
    for spec in grid.runs().into_iter().filter(|s| {
        s.condition.to_string() == "inorm-scale" && s.eps == 0.5 && s.config.is_some_and(|c| c < 4)
    }) {
        let collapse = spec.config != Some(3);
        let mut r = record(spec, if collapse { 0.1 } else { 0.8 });
        if collapse {
            r.epochs.truncate(6);
            r.diverged = true;
            r.divergence = Some(experiments::run::record::Divergence {
                epoch: 7,
                batch: 42,
                acc_reached: Some(0.79),
                tensor: Some("B_ix of hidden layer 2".to_string()),
            });
        }
        half.write_run(&r).expect("run written");
    }
    ok(&einorm(&dir, &["report", "f16", "--extra", "f32"]));
    let report = fs::read_to_string(dir.join("f16/report.md")).expect("report.md");
    assert!(
        report.contains("## Precision and the collapse"),
        "the section is there"
    );
    assert!(report.contains("| `inorm-scale` | 0.5 | f16-autocast | 4 | 3 | 3 | 10.00 |"));
    assert!(report.contains("| `inorm-scale` | 0.5 | f32 | 4 | 0 | 0 | 82.00 |"));
    // scipy.stats.fisher_exact([[3, 1], [0, 4]]) = 0.142857...
    assert!(
        report.contains("| `inorm-scale` | 0.5 | 3 of 4 | 0 of 4 | 0.143 |"),
        "Fisher row"
    );
    assert!(report.contains(
        "| `inorm-scale_add0.5_c00_s0_f16` | 79.00 | 7 | epoch 7, batch 42: B_ix of hidden layer 2 |"
    ));
    // the rest of the report keeps to the grid's precision: the f32 twins are not in its tables
    assert!(
        report.contains("| I-Norm w/ GradNorm (scale) | 0.5 | 4 | 10.00 |"),
        "the accuracy table pools f16 with f32"
    );
    for f in ["survival.svg", "scale_runs_by_precision.svg"] {
        assert!(dir.join("f16/figures").join(f).exists(), "{f} drawn");
    }
    assert!(
        !dir.join("f16/figures/scale_runs.svg").exists(),
        "replaced by the by-precision figure"
    );
    // without the twins, the section says how to add them
    ok(&einorm(&dir, &["report", "f16"]));
    let alone = fs::read_to_string(dir.join("f16/report.md")).expect("report.md");
    assert!(alone.contains("No f32 runs of these cells are pooled in"));
}

#[test]
fn a_local_loss_grid_pools_only_runs_of_its_own_local_loss() {
    let dir = scratch("local-ln-mse");
    // The extra grid: central's e-ln and inorm-full (the paper's loss, 2
    // points below e-ln) at every ε.
    let central = presets::get("central").expect("central preset");
    let store = Store::create(&dir.join("central"), &central).expect("grid folder");
    for spec in central.runs() {
        let acc = match spec.condition.to_string().as_str() {
            "e-ln" => 0.85,
            "inorm-full" => 0.83,
            _ => continue,
        };
        store.write_run(&record(spec, acc)).expect("run written");
    }
    // The grid: inorm-full with ln-mse, 1 point above e-ln.
    let grid = presets::get("local-ln-mse").expect("local-ln-mse preset");
    let store = Store::create(&dir.join("ln"), &grid).expect("grid folder");
    for spec in grid.runs() {
        store.write_run(&record(spec, 0.86)).expect("run written");
    }
    ok(&einorm(&dir, &["report", "ln", "--extra", "central"]));
    let report = fs::read_to_string(dir.join("ln").join("report.md")).expect("report.md");
    assert!(report.contains("I-Norm local loss `ln-mse` instead of the paper's moments"));
    // Ten runs per cell at 86 %: central's inorm-full runs (83 %) are left out.
    for eps in ["0.25", "0.5", "0.75"] {
        let row = format!("| `inorm-full` | I-Norm w/ GradNorm (full) | {eps} | 10 | 86.00 |");
        assert!(report.contains(&row), "{row} missing");
    }
    assert!(report.contains("| `e-ln` | LN+ | 0.75 | 10 | 85.00 |"));
}
