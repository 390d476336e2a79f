//! The results folder under concurrency and after kills (issue 12): one lock
//! per folder and a claim per run, so duplicate commands split the work and
//! racing grids cannot both start; what a killed process leaves is cleaned
//! up; derived files are rebuilt from `runs/`, only when stale.

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use common::{einorm, merged, ok, records, scratch, stderr, stdout, TINY, TINY_RUNS};

/// The tiny grid, a little slower so that two processes overlap.
fn slow_grid(out: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<&str> = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&[
        "--width",
        "24",
        "--train-subset",
        "1200",
        "--out",
        out,
        "--jobs",
        "1",
    ]);
    args.extend_from_slice(extra);
    args.iter().map(|a| a.to_string()).collect()
}

fn spawn(dir: &Path, args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_einorm"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the einorm binary runs")
}

/// `ran N runs` of a grid's summary line.
fn ran(out: &Output) -> usize {
    let text = stdout(out);
    let rest = text
        .split("ran ")
        .nth(1)
        .unwrap_or_else(|| panic!("no summary: {text}"));
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

/// Files under `dir` whose name marks a temporary.
fn temporaries(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["", "runs", "figures"] {
        if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if experiments::files::temporary_target(&name).is_some() || name.starts_with("runs.tmp.") {
                    out.push(format!("{sub}/{name}"));
                }
            }
        }
    }
    out
}

#[test]
fn two_identical_grids_at_once_train_each_run_exactly_once() {
    let dir = scratch("twins");
    let args = slow_grid("g", &[]);
    let (a, b) = (spawn(&dir, &args), spawn(&dir, &args));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    ok(&a);
    ok(&b);
    assert_eq!(ran(&a) + ran(&b), TINY_RUNS, "{}\n{}", stdout(&a), stdout(&b));
    let g = dir.join("g");
    let done = records(&g);
    assert_eq!(done.len(), TINY_RUNS);
    // The derived file holds every run, whichever process rebuilt it last.
    common::assert_same(&merged(&g), &done);
    assert!(g.join("report.md").exists());
    assert_eq!(
        std::fs::read_dir(g.join("claims")).unwrap().count(),
        0,
        "claims left"
    );
    assert!(temporaries(&g).is_empty(), "{:?}", temporaries(&g));
    // Each run was trained once: one start time per run, one thread each.
    let (store, grid) = experiments::run::store::Store::open(&g).unwrap();
    for r in store.finished_of(&grid).unwrap().values() {
        let p = r.provenance.as_ref().expect("a new record has provenance");
        assert_eq!(p.threads, 1);
        assert_eq!(p.version, env!("CARGO_PKG_VERSION"));
    }
}

#[test]
fn two_different_grids_racing_on_a_fresh_folder_one_wins_and_the_folder_stays_usable() {
    let dir = scratch("race");
    let tiny = |eps: &str| {
        let mut args: Vec<String> = vec!["grid".into()];
        args.extend(TINY.iter().map(|a| a.to_string()));
        for a in [
            "--epochs",
            "1",
            "--train-subset",
            "60",
            "--val-size",
            "10",
            "--eps",
            eps,
            "--out",
            "g",
            "--quiet",
        ] {
            args.push(a.to_string());
        }
        args
    };
    for attempt in 0..12 {
        let here = dir.join(format!("try{attempt}"));
        std::fs::create_dir_all(&here).unwrap();
        let (a, b) = (tiny("0,0.75"), tiny("0.5"));
        let (pa, pb) = (spawn(&here, &a), spawn(&here, &b));
        let outs = [pa.wait_with_output().unwrap(), pb.wait_with_output().unwrap()];
        let winners: Vec<usize> = (0..2).filter(|&k| outs[k].status.success()).collect();
        assert_eq!(
            winners.len(),
            1,
            "attempt {attempt}: {} / {}",
            stderr(&outs[0]),
            stderr(&outs[1])
        );
        let loser = &outs[1 - winners[0]];
        assert_eq!(loser.status.code(), Some(2));
        assert!(
            stderr(loser).contains("holds a different grid"),
            "{}",
            stderr(loser)
        );
        // The folder works for the winner's grid and its report.
        let again = einorm(
            &here,
            &[a, b][winners[0]].iter().map(String::as_str).collect::<Vec<_>>(),
        );
        ok(&again);
        assert!(stdout(&again).contains("ran 0 runs"), "{}", stdout(&again));
        ok(&einorm(&here, &["report", "g"]));
    }
}

#[test]
fn a_kill_during_the_first_write_of_grid_toml_leaves_a_folder_the_same_command_recovers() {
    let dir = scratch("first-write");
    // What a kill between creating runs/ and renaming grid.toml into place
    // leaves, in this version's naming and in earlier versions'.
    let g = dir.join("g");
    std::fs::create_dir_all(g.join("runs")).unwrap();
    std::fs::write(g.join("runs.tmp.4242.0.grid.toml"), "name = \"cus").unwrap();
    std::fs::write(g.join("grid.toml.tmp.4242.1"), "name = \"cus").unwrap();
    let mut args: Vec<&str> = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--epochs", "1", "--out", "g", "--quiet", "--no-report"]);
    let out = einorm(&dir, &args);
    ok(&out);
    assert_eq!(records(&g).len(), TINY_RUNS);
    assert!(temporaries(&g).is_empty(), "{:?}", temporaries(&g));
}

#[test]
fn leftovers_are_removed_and_a_damaged_runs_jsonl_is_rebuilt_from_runs() {
    let dir = scratch("leftovers");
    let mut args: Vec<&str> = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--epochs", "1", "--out", "g", "--quiet"]);
    ok(&einorm(&dir, &args));
    let g = dir.join("g");
    let id = records(&g)[0].spec.id.clone();
    for left in [
        format!("runs/{id}.json.tmp.4242.0"),
        "runs.jsonl.tmp.4242.1".to_string(),
        "runs.tmp.4242.2.summary.csv".to_string(),
        "figures/offsets.svg.tmp.4242.3".to_string(),
    ] {
        std::fs::write(g.join(left), "half").unwrap();
    }
    std::fs::write(g.join("runs.jsonl"), "{\"spec\": {\n").unwrap();
    let out = einorm(&dir, &args);
    ok(&out);
    assert!(
        stdout(&out).contains(&format!("skipped {TINY_RUNS}")),
        "{}",
        stdout(&out)
    );
    assert!(temporaries(&g).is_empty(), "{:?}", temporaries(&g));
    common::assert_same(&merged(&g), &records(&g));
}

#[test]
fn report_rewrites_the_derived_files_only_when_stale_and_says_so() {
    let dir = scratch("stale");
    let mut args: Vec<&str> = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--epochs", "1", "--out", "g", "--quiet", "--no-report"]);
    ok(&einorm(&dir, &args));
    let g = dir.join("g");
    let runs_file = g.join("runs.jsonl");
    let modified = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let (text, when) = (std::fs::read_to_string(&runs_file).unwrap(), modified(&runs_file));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = einorm(&dir, &["report", "g"]);
    ok(&out);
    assert!(!stdout(&out).contains("rebuilt"), "{}", stdout(&out));
    assert_eq!(
        modified(&runs_file),
        when,
        "an up-to-date runs.jsonl was rewritten"
    );
    // One row short, as a lost rename once left it: rebuilt, and said so.
    let short: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(&runs_file, short).unwrap();
    let out = einorm(&dir, &["report", "g"]);
    ok(&out);
    assert_eq!(stdout(&out).matches("rebuilt").count(), 1, "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(&runs_file).unwrap(), text);
    std::fs::remove_file(g.join("summary.csv")).unwrap();
    let out = einorm(&dir, &["report", "g"]);
    assert!(stdout(&out).contains("rebuilt"), "{}", stdout(&out));
}

#[test]
fn an_unwritable_results_folder_is_found_before_any_training() {
    let dir = scratch("unwritable");
    std::fs::write(dir.join("f"), "a file").unwrap();
    let mut args: Vec<&str> = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--out", "f/g", "--quiet"]);
    let out = einorm(&dir, &args);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("f/g") && err.matches("Not a directory").count() == 1,
        "{err}"
    );
    // /proc takes no new folders, even from root.
    let mut args: Vec<&str> = vec!["grid"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(&["--out", "/proc/einorm-results", "--quiet"]);
    let out = einorm(&dir, &args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("/proc/einorm-results"), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("ran "),
        "trained before failing: {}",
        stdout(&out)
    );
}
