//! `train`: one run with per-epoch output; a checkpointed run resumed later
//! ends exactly where an uninterrupted run ends; divergence is recorded.

mod common;

use common::{einorm, ok, scratch, stderr, stdout};
use experiments::run::record::RunRecord;

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

    // Temporaries a killed save left, in this version's naming and earlier ones'.
    for left in ["ck.tmp", "ck.tmp.4242", "ck.tmp.4242.0"] {
        std::fs::write(dir.join(left), "half").unwrap();
    }
    let mut first = RUN.to_vec();
    first.extend_from_slice(&["--epochs", "2", "--checkpoint", "ck"]);
    ok(&einorm(&dir, &first));
    for left in ["ck.tmp", "ck.tmp.4242", "ck.tmp.4242.0"] {
        assert!(!dir.join(left).exists(), "{left} left behind");
    }
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

/// The bytes of a checkpoint file: (run state JSON, einet checkpoint).
fn split_checkpoint(path: &std::path::Path) -> (Vec<u8>, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let header = b"EINORM-TRAIN 1\n".len();
    let end = header + bytes[header..].iter().position(|&b| b == b'\n').unwrap();
    (bytes[header..end].to_vec(), bytes[end + 1..].to_vec())
}

#[test]
fn a_checkpoint_and_a_run_state_that_do_not_belong_together_are_refused_naming_both() {
    let dir = scratch("train-mismatch");
    let run = |epochs: &str, ck: &str, config: &str| {
        let mut args = RUN.to_vec();
        args.extend_from_slice(&["--epochs", epochs, "--checkpoint", ck, "--config", config]);
        ok(&einorm(&dir, &args));
    };
    run("1", "a1", "2");
    run("2", "a2", "2");
    run("2", "b2", "3");
    let (state_a1, _) = split_checkpoint(&dir.join("a1"));
    let (state_a2, net_a2) = split_checkpoint(&dir.join("a2"));
    let (state_b2, _) = split_checkpoint(&dir.join("b2"));
    let resume = |ck: &str| {
        einorm(
            &dir,
            &[
                "train", "--resume", ck, "--epochs", "3", "--quiet", "--record", "r.json",
            ],
        )
    };
    // Earlier versions kept the state beside the network, renamed one after
    // the other; a kill between the renames left them an epoch apart.
    let legacy = |name: &str, state: &[u8]| {
        std::fs::write(dir.join(name), &net_a2).unwrap();
        std::fs::write(dir.join(format!("{name}.state.json")), state).unwrap();
    };
    legacy("apart", &state_a1);
    legacy("foreign", &state_b2);
    for (ck, why) in [("apart", "steps"), ("foreign", "rates or another seed")] {
        let out = resume(ck);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{ck}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!(
                "{ck}: does not belong with the run state {ck}.state.json"
            )),
            "{err}"
        );
        assert!(err.contains(why), "{err}");
        assert!(!dir.join("r.json").exists());
    }
    // One file whose parts disagree (made by hand) names the file.
    let mut spliced = b"EINORM-TRAIN 1\n".to_vec();
    spliced.extend_from_slice(&state_a1);
    spliced.push(b'\n');
    spliced.extend_from_slice(&net_a2);
    std::fs::write(dir.join("spliced"), spliced).unwrap();
    let err = stderr(&resume("spliced"));
    assert!(
        err.contains("spliced: the network and the run state disagree"),
        "{err}"
    );
    // A consistent pair of an earlier version still resumes, and the run
    // ends where an uninterrupted one does.
    legacy("old", &state_a2);
    ok(&resume("old"));
    let mut whole = RUN.to_vec();
    whole.extend_from_slice(&["--epochs", "3", "--config", "2", "--record", "whole.json"]);
    ok(&einorm(&dir, &whole));
    assert_eq!(record(&dir.join("r.json")), record(&dir.join("whole.json")));
    assert!(
        !dir.join("old.state.json").exists(),
        "the stale state file is removed"
    );
}

#[test]
fn random_kills_of_a_checkpointed_run_then_resume_end_where_an_uninterrupted_run_ends() {
    use rand::{Rng, SeedableRng};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = scratch("train-kill");
    let epochs = "8";
    let slow: &[&str] = &["--train-subset", "1500", "--width", "24", "--epochs", epochs];
    let mut whole = RUN.to_vec();
    whole.extend_from_slice(slow);
    whole.extend_from_slice(&["--record", "whole.json"]);
    let t0 = Instant::now();
    ok(&einorm(&dir, &whole));
    let span = t0.elapsed().as_secs_f64();
    let expected = record(&dir.join("whole.json"));

    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let (mut kills, mut resumes) = (0, 0);
    // At least 6 attempts, and more until enough kills have landed: on a
    // machine whose load changes, a run may outpace the first run's timing.
    let mut attempt = 0;
    while attempt < 6 || ((kills < 6 || resumes < 3) && attempt < 30) {
        attempt += 1;
        let here = dir.join(format!("try{attempt}"));
        std::fs::create_dir_all(&here).unwrap();
        loop {
            let mut args: Vec<&str> = if here.join("ck").exists() {
                resumes += 1;
                vec!["train", "--resume", "ck", "--epochs", epochs, "--quiet"]
            } else {
                let mut a = RUN.to_vec();
                a.extend_from_slice(slow);
                a.extend_from_slice(&["--checkpoint", "ck"]);
                a
            };
            args.extend_from_slice(&["--record", "r.json"]);
            let mut child = Command::new(env!("CARGO_BIN_EXE_einorm"))
                .args(&args)
                .current_dir(&here)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_secs_f64(rng.gen_range(0.0..span * 0.6)));
            if child.try_wait().unwrap().is_some_and(|s| s.success()) {
                break;
            }
            child.kill().unwrap(); // SIGKILL
            let status = child.wait().unwrap();
            if status.success() {
                break;
            }
            kills += 1;
            assert!(kills < 200, "never finished");
        }
        assert_eq!(record(&here.join("r.json")), expected, "attempt {attempt}");
    }
    assert!(
        kills >= 6 && resumes >= 3,
        "{kills} kills, {resumes} resumes: kills landed too rarely"
    );
}

#[test]
fn a_non_finite_activity_marks_the_run_diverged_and_names_it() {
    let dir = scratch("train-activity");
    // The rate sends the weights and biases near f32::MAX; the next matmul
    // overflows and the layer norm's output turns NaN.
    let out = einorm(
        &dir,
        &[
            "train",
            "--dataset",
            "synthetic",
            "--condition",
            "e-ln",
            "--config",
            "0",
            "--lr",
            "1e38",
            "--train-subset",
            "300",
            "--test-subset",
            "100",
            "--epochs",
            "2",
            "--quiet",
            "--record",
            "r.json",
        ],
    );
    ok(&out);
    let r = record(&dir.join("r.json"));
    assert!(r.diverged, "{}", stdout(&out));
    let d = r.divergence.expect("where it diverged");
    let tensor = d.tensor.unwrap_or_default();
    assert_eq!(d.epoch, 1);
    assert!(
        tensor.starts_with("activity of hidden layer 1; first non-finite node: %"),
        "{tensor}"
    );
}

#[test]
fn a_record_carries_its_provenance() {
    let dir = scratch("train-provenance");
    let mut args = RUN.to_vec();
    args.extend_from_slice(&["--epochs", "1", "--record", "r.json"]);
    ok(&einorm(&dir, &args));
    let r: RunRecord = serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    let p = r.provenance.clone().expect("provenance");
    assert_eq!((p.version.as_str(), p.threads), (env!("CARGO_PKG_VERSION"), 1));
    assert!(!p.host.is_empty() && p.started.starts_with("20") && p.started.ends_with('Z'));
    // Built from a checkout: the commit is the checkout's.
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(head) = head {
        let commit = p.commit.clone().unwrap_or_default();
        assert_eq!(commit.trim_end_matches("-dirty"), head, "{:?}", r.provenance);
    }
    assert_eq!(r.without_times().provenance, None);
}

#[test]
fn eval_of_a_checkpoint_gives_its_last_test_accuracy_and_tests_at_offsets() {
    let dir = scratch("eval");
    let mut run = RUN.to_vec();
    run.extend_from_slice(&["--epochs", "2", "--checkpoint", "ck", "--record", "r.json"]);
    ok(&einorm(&dir, &run));
    let r = record(&dir.join("r.json"));
    let out = einorm(&dir, &["eval", "ck", "--offsets=-0.5,0.5"]);
    ok(&out);
    let text = stdout(&out);
    let own = format!(
        "additive luminosity, eps 0.5: test acc {:.2} % (loss {:.4})",
        100.0 * r.final_test_acc,
        r.epochs[1].test.loss
    );
    assert!(text.contains(&own), "{own} not in:\n{text}");
    assert_eq!(text.matches("at fixed offset").count(), 2, "{text}");
    let mul = einorm(&dir, &["eval", "ck", "--luminosity", "multiplicative"]);
    ok(&mul);
    assert!(
        stdout(&mul).contains("multiplicative luminosity, eps 0.5"),
        "{}",
        stdout(&mul)
    );
}
