//! `einorm report`: from result files only, the tables, paired and unpaired
//! tests, claims with verdicts and SVG figures, written to `report.md`,
//! `epochs.csv` and `figures/*.svg` in the grid folder.
//!
//! [`analysis`] computes every finding once; [`markdown`] and [`figures`]
//! only render them.

pub mod analysis;
mod claims;
mod compare;
mod epochs_csv;
mod figures;
mod groups;
mod markdown;
pub mod palette;
mod plot;
mod precision;
mod protocol;
mod sections;
mod seeds;
pub mod targets;
mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use analysis::Analysis;
pub use claims::{Claim, Outcome, Verdict};
pub use figures::Figure;
pub use groups::Groups;
pub use plot::PlotError;
pub use protocol::deviations;

use crate::plan::GridSpec;
use crate::run::record::RunRecord;
use crate::run::store::{Store, StoreError};

pub const REPORT_FILE: &str = "report.md";
pub const FIGURES_DIR: &str = "figures";
pub const EPOCHS_FILE: &str = "epochs.csv";

#[derive(thiserror::Error, Debug)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Plot(#[from] PlotError),
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("run `{id}` is in {} and in {} with different specs", .a.display(), .b.display())]
    Conflict { id: String, a: PathBuf, b: PathBuf },
}

/// What a written report holds.
#[derive(Debug)]
pub struct Written {
    pub report: PathBuf,
    pub finished: usize,
    pub expected: usize,
    pub claims: Vec<Claim>,
    pub figures: Vec<Figure>,
    /// Which of `runs.jsonl` and `summary.csv` were stale and rebuilt.
    pub rebuilt: Vec<&'static str>,
}

/// Writes the report of the grid in `dir`, pooling in the runs of the grid
/// folders `extra` (e.g. a multiplicative-luminosity grid), under the
/// folder's lock. Also rebuilds `runs.jsonl` and `summary.csv` of `dir` from
/// its finished runs if they are stale.
pub fn write(dir: &Path, extra: &[PathBuf]) -> Result<Written, ReportError> {
    let (store, grid) = Store::open(dir)?;
    // A damaged folder is refused before anything, even its lock, is written.
    store.finished_of(&grid)?;
    let _lock = store.lock()?;
    let own = store.finished_of(&grid)?;
    let rebuilt = store.refresh_derived(&own)?;
    let expected = grid.runs().len();
    let finished = own.len();
    let mut pooled: BTreeMap<String, (PathBuf, RunRecord)> = own
        .into_iter()
        .map(|(id, r)| (id, (dir.to_path_buf(), r)))
        .collect();
    let mut extra_grids: Vec<GridSpec> = Vec::new();
    for e in extra {
        let (s, g) = Store::open(e)?;
        for (id, r) in s.finished_of(&g)? {
            match pooled.get(&id) {
                Some((_, mine)) if mine.spec == r.spec => {}
                Some((path, _)) => {
                    return Err(ReportError::Conflict {
                        id,
                        a: path.clone(),
                        b: e.clone(),
                    })
                }
                None => {
                    pooled.insert(id, (e.clone(), r));
                }
            }
        }
        extra_grids.push(g);
    }
    let analysis = Analysis::new(pooled.values().map(|(_, r)| r), &grid);
    let fig_dir = dir.join(FIGURES_DIR);
    std::fs::create_dir_all(&fig_dir).map_err(|source| ReportError::Io {
        path: fig_dir.clone(),
        source,
    })?;
    let figures = figures::write_all(&analysis, &fig_dir)?;
    let text = markdown::render(&markdown::Inputs {
        grid: &grid,
        extra: &extra_grids,
        finished,
        expected,
        analysis: &analysis,
        figures: &figures,
    });
    store.write_atomic(EPOCHS_FILE, &epochs_csv::render(pooled.values().map(|(_, r)| r)))?;
    store.write_atomic(REPORT_FILE, text.as_bytes())?;
    Ok(Written {
        report: dir.join(REPORT_FILE),
        finished,
        expected,
        claims: analysis.claims,
        figures,
        rebuilt,
    })
}
