//! The grid: `--jobs` does not change results, shards add up to the whole
//! grid, an interrupted grid resumes without losing or duplicating runs,
//! and a finished grid gets its report.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_same, einorm, merged, ok, records, scratch, stdout, tiny_grid, TINY, TINY_RUNS};

#[test]
fn jobs_1_and_jobs_2_write_the_same_results() {
    let dir = scratch("jobs");
    ok(&tiny_grid(
        &dir,
        &["--out", "one", "--jobs", "1", "--quiet", "--no-report"],
    ));
    ok(&tiny_grid(
        &dir,
        &["--out", "two", "--jobs", "2", "--quiet", "--no-report"],
    ));
    let (a, b) = (merged(&dir.join("one")), merged(&dir.join("two")));
    assert_eq!(a.len(), TINY_RUNS);
    assert_same(&a, &b);
    let ids: Vec<&str> = a.iter().map(|r| r.spec.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "runs.jsonl is sorted by run id");
}

#[test]
fn the_union_of_shards_is_the_whole_grid() {
    let dir = scratch("shards");
    for i in 0..3 {
        let shard = format!("{i}/3");
        let out = tiny_grid(
            &dir,
            &["--out", "sharded", "--shard", &shard, "--jobs", "1", "--quiet"],
        );
        ok(&out);
        if i < 2 {
            assert!(stdout(&out).contains("not complete"), "{}", stdout(&out));
        }
    }
    ok(&tiny_grid(
        &dir,
        &["--out", "whole", "--jobs", "2", "--quiet", "--no-report"],
    ));
    let sharded = records(&dir.join("sharded"));
    assert_eq!(sharded.len(), TINY_RUNS);
    assert_same(&sharded, &records(&dir.join("whole")));
    assert_same(&merged(&dir.join("sharded")), &sharded);
    // The last shard completed the grid and wrote its report.
    assert!(dir.join("sharded/report.md").exists());
}

#[test]
fn an_interrupted_grid_resumes_without_loss_or_duplicates() {
    let dir = scratch("resume");
    // A slower grid, so the kill lands mid-way.
    let mut args: Vec<&str> = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&[
        "--width",
        "24",
        "--epochs",
        "3",
        "--train-subset",
        "1200",
        "--out",
        "g",
        "--jobs",
        "2",
        "--quiet",
        "--no-report",
    ]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_einorm"))
        .args(&args)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let runs = dir.join("g/runs");
    let t0 = Instant::now();
    loop {
        let n = std::fs::read_dir(&runs).map_or(0, |d| d.count());
        if n >= 3 || t0.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = records(&dir.join("g"));
    // Leftovers of a kill mid-write are temporary files, never records.
    std::fs::write(dir.join("g/runs.tmp.99999.0.runs_half.json"), "{\"spec\": {").unwrap();

    let out = einorm(&dir, &args);
    ok(&out);
    let after = records(&dir.join("g"));
    assert_eq!(after.len(), TINY_RUNS);
    for r in &before {
        assert!(after.contains(r), "{} lost or changed", r.spec.id);
    }
    let text = stdout(&out);
    assert!(
        text.contains(&format!("skipped {}", before.len())),
        "expected {} skipped: {text}",
        before.len()
    );
    let lines = merged(&dir.join("g"));
    assert_eq!(lines.len(), TINY_RUNS, "one line per run, no duplicates");
    assert_same(&lines, &after);

    // The resumed grid equals an uninterrupted one.
    let mut clean: Vec<&str> = args.clone();
    let k = clean.iter().position(|a| *a == "g").unwrap();
    clean[k] = "clean";
    ok(&einorm(&dir, &clean));
    assert_same(&records(&dir.join("clean")), &after);

    // A third run has nothing left to do.
    let again = einorm(&dir, &args);
    ok(&again);
    assert!(stdout(&again).contains(&format!("ran 0 runs (0 diverged), skipped {TINY_RUNS}")));
}

#[test]
fn a_finished_grid_gets_a_report_with_claims_and_figures() {
    let dir = scratch("report");
    ok(&tiny_grid(&dir, &["--out", "g", "--quiet"]));
    let g = dir.join("g");
    let report = std::fs::read_to_string(g.join("report.md")).unwrap();
    for needle in [
        "## Protocol",
        "## Claims of the paper (protocol §7)",
        "| claim | verdict |",
        "## Moments of the normalized pre-ReLU output",
        "## Alignment with layer norm",
        "### Trained at ε = 0.75, tested at fixed offsets δ",
        "## Selection on test vs on validation",
        "2 epochs instead of 50",
    ] {
        assert!(report.contains(needle), "`{needle}` missing from report.md");
    }
    for fig in [
        "fig4_inorm_vs_ln.svg",
        "fig5_inorm_full_vs_ln.svg",
        "fig3_moments.svg",
        "alignment_inorm.svg",
        "offsets.svg",
    ] {
        let svg = std::fs::read_to_string(g.join("figures").join(fig)).unwrap();
        assert!(svg.starts_with("<svg"), "{fig}");
    }
    let csv = std::fs::read_to_string(g.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), TINY_RUNS + 1);

    // `report` alone regenerates it from the files, no training.
    std::fs::remove_file(g.join("report.md")).unwrap();
    let out = einorm(&dir, &["report", "g"]);
    ok(&out);
    assert!(g.join("report.md").exists());
    assert!(stdout(&out).contains("from 16 of 16 runs"), "{}", stdout(&out));
}

#[test]
fn report_pools_a_multiplicative_grid_beside_the_additive_one() {
    let dir = scratch("mul");
    ok(&tiny_grid(&dir, &["--out", "add", "--quiet", "--no-report"]));
    ok(&tiny_grid(
        &dir,
        &[
            "--out",
            "mul",
            "--luminosity",
            "multiplicative",
            "--eps",
            "0.5",
            "--conditions",
            "e-ln,inorm-full",
            "--quiet",
            "--no-report",
        ],
    ));
    ok(&einorm(&dir, &["report", "add", "--extra", "mul"]));
    let report = std::fs::read_to_string(dir.join("add/report.md")).unwrap();
    assert!(report.contains("### multiplicative luminosity"), "{report}");
    assert!(dir.join("add/figures/box_mul.svg").exists());
}

#[test]
fn dry_run_and_list_write_nothing() {
    let dir = scratch("dry");
    let out = einorm(&dir, &["grid", "--preset", "paper", "--dry-run"]);
    ok(&out);
    assert!(
        stdout(&out).contains("1440 runs, 1440 in this shard"),
        "{}",
        stdout(&out)
    );
    let out = einorm(&dir, &["list"]);
    ok(&out);
    for needle in ["inorm-lateral", "I-Norm (sub)", "quick", "paper-mul", "0.831"] {
        assert!(stdout(&out).contains(needle), "{needle}");
    }
    // The presets' columns line up, however long a preset's name.
    let text = stdout(&out);
    let columns: std::collections::BTreeSet<_> = text.lines().filter_map(|l| l.find(" runs ")).collect();
    assert_eq!(columns.len(), 1, "{text}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let _ = TINY;
}

#[test]
fn dry_run_lists_each_run_as_done_or_pending_and_estimates_only_the_pending() {
    let dir = scratch("dry-status");
    ok(&tiny_grid(
        &dir,
        &["--out", "g", "--shard", "0/2", "--quiet", "--no-report"],
    ));
    let before = std::fs::read_dir(dir.join("g/runs")).unwrap().count();
    let out = einorm(&dir, &{
        let mut a = vec!["grid"];
        a.extend_from_slice(TINY);
        a.extend_from_slice(&["--out", "g", "--dry-run"]);
        a
    });
    ok(&out);
    let text = stdout(&out);
    let count = |state: &str| {
        text.lines()
            .filter(|l| !l.starts_with("grid ") && l.contains(state))
            .count()
    };
    assert_eq!(count(" done "), TINY_RUNS / 2, "{text}");
    assert_eq!(count(" pending "), TINY_RUNS - TINY_RUNS / 2, "{text}");
    let summary = format!(
        "{} done, 0 training elsewhere, {} pending",
        TINY_RUNS / 2,
        TINY_RUNS / 2
    );
    assert!(text.contains(&summary), "{text}");
    // The time is scaled by the pace of the runs finished in the folder.
    let pace = format!("at the pace of the {} runs finished here", TINY_RUNS / 2);
    assert!(text.contains(&pace), "{text}");
    assert_eq!(std::fs::read_dir(dir.join("g/runs")).unwrap().count(), before);
}

#[test]
fn report_out_writes_elsewhere_and_leaves_the_grid_folder_untouched() {
    let dir = scratch("report-out");
    ok(&tiny_grid(&dir, &["--out", "g", "--quiet", "--no-report"]));
    let before: Vec<_> = std::fs::read_dir(dir.join("g"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let out = einorm(&dir, &["report", "g", "--out", "copy"]);
    ok(&out);
    assert!(dir.join("copy/report.md").exists(), "{}", stdout(&out));
    assert_eq!(records(&dir.join("copy")), records(&dir.join("g")));
    let after: Vec<_> = std::fs::read_dir(dir.join("g"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after);
    assert!(!dir.join("g/report.md").exists());
}
