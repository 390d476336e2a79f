//! The precision key must leave f32 grids and their results as they were
//! (and mark every f16 grid and run), and every committed `grid.toml` and
//! `runs.jsonl` is in the current spelling: it reads and writes the same
//! bytes.

use std::path::Path;

use experiments::files;
use experiments::plan::presets;
use experiments::plan::GridSpec;
use experiments::run::record::RunRecord;

fn results() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../results")
}

#[test]
fn committed_grid_files_and_run_records_read_and_write_the_same_bytes() {
    let mut grids = 0;
    for entry in std::fs::read_dir(results()).expect("results/ is committed") {
        let dir = entry.expect("a readable folder entry").path();
        let Ok(text) = std::fs::read_to_string(dir.join("grid.toml")) else {
            continue;
        };
        let table = toml::from_str(&text).expect("a committed grid is TOML");
        let grid: GridSpec = files::from_toml(table).expect("a committed grid parses");
        assert_eq!(grid.to_toml(), text, "{}", dir.display());
        let half = !grid.precision.is_f32();
        assert_eq!(half, text.contains("precision"), "{}", dir.display());
        grids += 1;
        let runs = std::fs::read_to_string(dir.join("runs.jsonl")).unwrap_or_default();
        for line in runs.lines() {
            let record: RunRecord = files::from_json(line).expect("a committed record parses");
            assert_eq!(serde_json::to_string(&record).unwrap(), line);
            assert_eq!(record.spec.precision, grid.precision, "{}", record.spec.id);
            let suffix = grid.precision.id_suffix();
            assert_eq!(
                record.spec.id.ends_with("_f16"),
                suffix == "_f16",
                "{}",
                record.spec.id
            );
            assert!(record.spec.id.ends_with(suffix), "{}", record.spec.id);
        }
    }
    assert!(grids > 0, "no committed grid found");
}

#[test]
fn only_half_precision_grids_and_runs_carry_the_key_and_a_suffix() {
    let central = presets::get("central").unwrap();
    assert!(!central.to_toml().contains("precision"));
    let f16 = presets::get("scale-precision").unwrap();
    assert!(f16.to_toml().contains("precision = \"f16-autocast\""));
    let back: GridSpec = toml::from_str(&f16.to_toml()).unwrap();
    assert_eq!(back, f16);
    let run = &f16.runs()[0];
    let json = serde_json::to_string(run).unwrap();
    assert!(json.contains("\"precision\":\"f16-autocast\"") && run.id.ends_with("_f16"));
    let promoted = presets::get("scale-precision-bias").unwrap();
    assert!(promoted
        .to_toml()
        .contains("precision = \"f16-autocast-f32-bias\""));
    let run = &promoted.runs()[0];
    let json = serde_json::to_string(run).unwrap();
    assert!(json.contains("\"precision\":\"f16-autocast-f32-bias\"") && run.id.ends_with("_f16bias"));
    assert!(!serde_json::to_string(&central.runs()[0])
        .unwrap()
        .contains("precision"));
}
