//! `train`: one run with per-epoch output; a checkpointed run resumed later
//! ends exactly where an uninterrupted run ends; divergence is recorded.

mod common;

use common::{einorm, ok, scratch, stdout};
use experiments::record::RunRecord;

const RUN: &[&str] = &[
    "train",
    "--dataset",
    "synthetic",
    "--condition",
    "inorm-full",
    "--eps",
    "0.5",
    "--config",
    "2",
    "--width",
    "12",
    "--train-subset",
    "300",
    "--test-subset",
    "100",
    "--probe",
    "16",
    "--quiet",
];

fn record(path: &std::path::Path) -> RunRecord {
    let r: RunRecord = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    r.without_times()
}

#[test]
fn a_resumed_run_ends_where_an_uninterrupted_run_ends() {
    let dir = scratch("train-resume");
    let mut whole = RUN.to_vec();
    whole.extend_from_slice(&["--epochs", "3", "--record", "whole.json", "--metrics", "m.jsonl"]);
    let out = einorm(&dir, &whole);
    ok(&out);
    assert!(stdout(&out).contains("epoch   3/3"), "{}", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("m.jsonl"))
            .unwrap()
            .lines()
            .count(),
        3
    );

    let mut first = RUN.to_vec();
    first.extend_from_slice(&["--epochs", "2", "--checkpoint", "ck"]);
    ok(&einorm(&dir, &first));
    // One file holds the network and the run state (issue 12, defect 1).
    assert!(dir.join("ck").exists() && !dir.join("ck.state.json").exists());
    ok(&einorm(
        &dir,
        &[
            "train",
            "--resume",
            "ck",
            "--epochs",
            "3",
            "--record",
            "resumed.json",
            "--quiet",
        ],
    ));
    assert_eq!(record(&dir.join("resumed.json")), record(&dir.join("whole.json")));
}

#[test]
fn a_huge_learning_rate_is_recorded_as_diverged() {
    let dir = scratch("train-diverge");
    let args = [
        "train",
        "--dataset",
        "synthetic",
        "--condition",
        "ei",
        "--lr",
        "1e30",
        "--lr-wei",
        "1e3",
        "--lr-wix",
        "1e3",
        "--width",
        "8",
        "--epochs",
        "3",
        "--train-subset",
        "300",
        "--test-subset",
        "100",
        "--quiet",
        "--record",
        "r.json",
    ];
    let out = einorm(&dir, &args);
    ok(&out);
    let r = record(&dir.join("r.json"));
    assert!(r.diverged, "{}", stdout(&out));
    assert!(r.divergence.is_some());
    assert_eq!(r.final_test_acc, 0.1);
    assert!(stdout(&out).contains("DIVERGED"));
}
