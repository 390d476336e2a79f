//! The text of `report.md`, rendered from the [`Analysis`]: header, protocol,
//! tables, claims, comparisons with LN+, beyond-paper results, figure links.

use std::fmt::Write;

use crate::plan::GridSpec;

use super::analysis::Analysis;
use super::claims::{Claim, Outcome, Scope, Verdict, ALPHA, COLLAPSE_AT_OR_BELOW};
use super::compare::MIN_PAIRS;
use super::figures::Figure;
use super::protocol::{list, protocol};
use super::sections::{alignment, collapse, moments, offsets, precision, seeds, selection, versus_ln};
use super::text::{mann_whitney, opt, p_value, paired};

/// What the report is built from.
pub struct Inputs<'a> {
    pub grid: &'a GridSpec,
    /// Grids whose runs were pooled in with `--extra`.
    pub extra: &'a [GridSpec],
    pub finished: usize,
    pub expected: usize,
    pub analysis: &'a Analysis<'a>,
    pub figures: &'a [Figure],
}

/// The whole report.
pub fn render(inp: &Inputs) -> String {
    let a = inp.analysis;
    let mut s = String::new();
    let g = inp.grid;
    let _ = writeln!(s, "# Report: grid `{}`\n", g.name);
    let extra = if inp.extra.is_empty() {
        String::new()
    } else {
        format!(
            ", plus the runs of {}",
            list(
                &inp.extra
                    .iter()
                    .map(|e| format!("`{}`", e.name))
                    .collect::<Vec<_>>()
            )
        )
    };
    let _ = writeln!(
        s,
        "Written by `einorm report` from the result files alone (no training): {} of {} runs of this grid finished{extra}, {} diverged. Accuracies are final-epoch test accuracies in %; a diverged run counts at chance (10 %). Every run's per-epoch metrics are in `epochs.csv` (one row per run and epoch).\n",
        inp.finished, inp.expected, a.diverged,
    );
    if !a.missing.is_empty() {
        let cells: Vec<String> = a
            .missing
            .iter()
            .map(|m| {
                format!(
                    "`{}` {} ε = {} ({} of {})",
                    m.condition, m.lum, m.eps, m.finished, m.expected
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "**Incomplete grid:** statistics cover the finished runs only; rerun the same `grid` command to finish it. Cells short of runs: {}.\n",
            cells.join("; ")
        );
    }
    protocol(&mut s, g, inp.extra);
    accuracy_tables(&mut s, a);
    claims(&mut s, &a.claims);
    versus_ln(&mut s, a);
    seeds(&mut s, a);
    collapse(&mut s, a);
    precision(&mut s, a);
    selection(&mut s, a);
    moments(&mut s, a);
    alignment(&mut s, a);
    offsets(&mut s, a);
    if !inp.figures.is_empty() {
        let _ = writeln!(s, "## Figures\n");
        for f in inp.figures {
            let _ = writeln!(s, "![{}](figures/{})\n\n{}\n", f.file, f.file, f.caption);
        }
    }
    s
}

fn accuracy_tables(s: &mut String, a: &Analysis) {
    let all = a.top10_is_all;
    for lum in a.groups.lums() {
        let _ = writeln!(s, "## Test accuracy by condition and ε ({lum} luminosity)\n");
        if all {
            let _ = writeln!(s, "Every cell has at most 10 runs, so the paper's \"top 10\" is all of them: the median below is also the top-10 median.\n");
            let _ = writeln!(s, "| condition | paper label | ε | n | median | IQR | diverged | paper |\n|---|---|---|---|---|---|---|---|");
        } else {
            let _ = writeln!(s, "| condition | paper label | ε | n | median | IQR | top-10 median | diverged | top 10 by validation | paper |\n|---|---|---|---|---|---|---|---|---|---|");
        }
        for c in a.cells.iter().filter(|c| c.lum == lum) {
            let m = c.stats.summary;
            let top = if all {
                String::new()
            } else {
                format!(" {:.2} |", m.top10_median)
            };
            let by_val = if all {
                String::new()
            } else {
                format!(" {} |", opt(c.stats.top10_by_val, |v| format!("{v:.2}")))
            };
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {:.2} | {:.2}–{:.2} |{top} {} |{by_val} {} |",
                c.condition,
                c.condition.paper_label(),
                c.eps,
                m.n,
                m.median,
                m.q25,
                m.q75,
                c.stats.diverged,
                opt(c.paper, |t| t.to_string()),
            );
        }
        let _ = writeln!(s);
    }
}

fn verdict_text(c: &Claim) -> String {
    if c.verdict != Verdict::Partly {
        return c.verdict.to_string();
    }
    let held: Vec<String> = c.held().iter().map(|h| h.to_string()).collect();
    if held.is_empty() {
        "partly: the direction holds but no row is significant".to_string()
    } else {
        format!("partly: held at {}", held.join("; "))
    }
}

fn claims(s: &mut String, claims: &[Claim]) {
    let _ = writeln!(s, "## Claims of the paper (protocol §7)\n");
    let _ = writeln!(
        s,
        "Each row compares two conditions two ways: the Wilcoxon signed-rank test on the differences of runs paired by configuration and seed (with the Hodges–Lehmann median difference and its 95 % interval), and the Mann–Whitney U test of the two samples. The paired test decides when every run has a partner and there are at least {MIN_PAIRS} pairs, Mann–Whitney otherwise. p is exact for small samples without ties and a normal approximation with tie correction otherwise; r is the rank-biserial correlation (+1: the first condition ahead in every pair). The decisive p-values of the whole table are Holm-corrected together and a row's outcome uses the corrected p at α = {ALPHA}: *yes* when it shows the claimed direction significantly (for \"same as\": no significant difference), *weak* when the direction is right but not significant, *no* otherwise. A claim is reproduced when all its rows are yes, not reproduced when none is yes or weak, partly otherwise. The correction makes a difference harder to find, so a \"same as\" yes is weak evidence of sameness when the samples are small.\n"
    );
    let _ = writeln!(s, "| claim | verdict |\n|---|---|");
    for c in claims {
        let _ = writeln!(s, "| {} | **{}** |", c.statement, verdict_text(c));
    }
    let _ = writeln!(s);
    for c in claims {
        let _ = writeln!(s, "### {} — {}\n", c.statement, verdict_text(c));
        if c.verdict == Verdict::NoData {
            let _ = writeln!(s, "The grid has no runs for this comparison.\n");
            continue;
        }
        let _ = writeln!(
            s,
            "| | paper | ours{} | n | median paired Δ [95 % CI] | Wilcoxon | Mann–Whitney | Holm p | outcome |\n|---|---|---|---|---|---|---|---|---|",
            if c.a == c.b { String::new() } else { format!(" (`{}` vs `{}`)", c.a, c.b) }
        );
        for r in &c.rows {
            let ours = match (&r.scope, &r.comparison, &r.collapse) {
                (Scope::GapGrowth { gap_lo, gap_hi, .. }, _, _) => format!("{gap_lo:.2} → {gap_hi:.2}"),
                (_, Some(cmp), _) => format!("{:.2} vs {:.2}", cmp.median_a, cmp.median_b),
                (_, _, Some(k)) => format!(
                    "{}/{} collapsed (≤ {COLLAPSE_AT_OR_BELOW} % or diverged), median {:.2}",
                    k.collapsed, k.n, k.median
                ),
                _ => "–".to_string(),
            };
            let (n, diff, w, mw) = r.comparison.as_ref().map_or_else(
                || ("–".to_string(), "–".to_string(), "–".to_string(), "–".to_string()),
                |cmp| {
                    let (diff, w) = paired(cmp);
                    (
                        format!("{}, {}", cmp.mann_whitney.n1, cmp.mann_whitney.n2),
                        diff,
                        w,
                        mann_whitney(cmp),
                    )
                },
            );
            let decisive = r
                .comparison
                .as_ref()
                .map(|c| if c.decisive().paired { " (W)" } else { " (U)" });
            let holm = opt(r.p_holm.zip(decisive), |(p, d)| format!("{}{d}", p_value(p)));
            let outcome = if r.outcome == Outcome::Info {
                "(info)".to_string()
            } else {
                r.outcome.to_string()
            };
            let _ = writeln!(
                s,
                "| {} | {} | {ours} | {n} | {diff} | {w} | {mw} | {holm} | {outcome} |",
                r.scope, r.paper
            );
        }
        let _ = writeln!(s);
        for n in &c.notes {
            let _ = writeln!(s, "- {n}");
        }
        if !c.notes.is_empty() {
            let _ = writeln!(s);
        }
    }
}
