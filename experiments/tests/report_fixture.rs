//! The report is regenerated from committed result files by one command:
//! `einorm report <grid folder>`. The fixture is a small committed grid
//! (synthetic data, two configs) in the same layout as `results/<grid>/`.

mod common;

use std::fs;
use std::path::Path;

use common::{einorm, ok, scratch};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/smoke-grid");

#[test]
fn report_regenerates_from_committed_result_files() {
    let dir = scratch("fixture-report");
    let grid = dir.join("grid");
    fs::create_dir_all(&grid).expect("scratch folder");
    for file in ["grid.toml", "runs.jsonl"] {
        fs::copy(Path::new(FIXTURE).join(file), grid.join(file)).expect("fixture file");
    }
    ok(&einorm(&dir, &["report", "grid"]));

    let report = fs::read_to_string(grid.join("report.md")).expect("report.md written");
    assert!(report.contains("48 of 48 runs"), "every fixture run is read");
    assert!(report.contains("## Claims of the paper"), "claims table present");
    for claim in ["`inorm-full`", "`inorm-decorrelate`", "`inorm-scale`", "`ei-ln`"] {
        assert!(report.contains(claim), "claims table names {claim}");
    }
    let figures: Vec<_> = fs::read_dir(grid.join("figures"))
        .expect("figures folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "svg"))
        .collect();
    assert!(figures.len() >= 8, "only {} figures", figures.len());
    for f in &figures {
        let svg = fs::read_to_string(f.path()).expect("svg readable");
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{:?} is a whole SVG",
            f.path()
        );
    }
    // The committed inputs are left as they were.
    let committed = fs::read_to_string(Path::new(FIXTURE).join("runs.jsonl")).expect("fixture");
    assert_eq!(
        fs::read_to_string(grid.join("runs.jsonl")).expect("runs.jsonl"),
        committed
    );
}
