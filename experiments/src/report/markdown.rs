//! The text of `report.md`: protocol, tables, claims, beyond-paper results,
//! figure links. Pure string building from grouped runs.

use std::fmt::Write;

use crate::paper::{PAPER_BATCH, PAPER_CONFIGS, PAPER_EPOCHS, PAPER_EPS};
use crate::spec::{DatasetChoice, GridSpec, LumKind, OrderKind};
use crate::stats::quantile;
use einet::Condition;

use super::claims::{Claim, Verdict};
use super::figures::{self, Figure};
use super::groups::Groups;
use super::targets::{self, AlignmentScope};

/// What the report is built from.
pub struct Inputs<'a> {
    pub grid: &'a GridSpec,
    /// Grids whose runs were pooled in with `--extra`.
    pub extra: &'a [GridSpec],
    pub finished: usize,
    pub expected: usize,
    pub groups: &'a Groups<'a>,
    pub claims: &'a [Claim],
    pub figures: &'a [Figure],
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"))
}

/// A number for a table: fixed point, or scientific when far from 1.
fn num(v: f64) -> String {
    if v.is_finite() && v != 0.0 && !(1e-3..1e4).contains(&v.abs()) {
        format!("{v:.2e}")
    } else {
        format!("{v:.3}")
    }
}

/// A p-value: three decimals, scientific below 0.001.
fn p_value(p: f64) -> String {
    if p < 1e-3 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

fn list<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}

/// `0–7, 12` from sorted indices.
fn ranges(v: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        parts.push(if j > i + 1 {
            format!("{}–{}", v[i], v[j])
        } else if j == i + 1 {
            format!("{}, {}", v[i], v[j])
        } else {
            v[i].to_string()
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// How `g` departs from SPEC §5, one phrase each.
pub fn deviations(g: &GridSpec) -> Vec<String> {
    let mut d = Vec::new();
    if g.dataset != DatasetChoice::FashionMnist {
        d.push(format!("dataset {} instead of Fashion-MNIST", g.dataset));
    }
    if g.conditions.len() < Condition::ALL.len() {
        let missing: Vec<String> = Condition::ALL
            .iter()
            .filter(|c| !g.conditions.contains(c))
            .map(|c| format!("`{c}`"))
            .collect();
        d.push(format!("conditions left out: {}", missing.join(", ")));
    }
    if g.luminosity != LumKind::Additive {
        d.push(format!("{} luminosity instead of additive", g.luminosity));
    }
    if g.eps != PAPER_EPS {
        d.push(format!(
            "ε ∈ {{{}}} instead of {{0, 0.25, 0.5, 0.75}}",
            list(&g.eps)
        ));
    }
    if g.configs.len() < PAPER_CONFIGS.len() {
        d.push(format!(
            "configurations {} ({} of 30)",
            ranges(&g.configs),
            g.configs.len()
        ));
    }
    if let Some(w) = g.width {
        d.push(format!(
            "every hidden width set to {w} instead of the configs' 100–500"
        ));
    }
    if g.epochs != PAPER_EPOCHS {
        d.push(format!("{} epochs instead of {PAPER_EPOCHS}", g.epochs));
    }
    if g.batch != PAPER_BATCH {
        d.push(format!("batch {} instead of {PAPER_BATCH}", g.batch));
    }
    if g.order != OrderKind::Fixed {
        d.push("training set shuffled each epoch instead of served in fixed order".to_string());
    }
    if let Some(n) = g.train_subset {
        d.push(format!("training on a subset of {n} images"));
    }
    if g.val_size > 0 {
        d.push(format!("{} training images held out for validation", g.val_size));
    }
    if let Some(n) = g.test_subset {
        d.push(format!("testing on a subset of {n} images"));
    }
    if g.seeds.len() > 1 {
        d.push(format!("{} seeds per config", g.seeds.len()));
    }
    d
}

/// The whole report.
pub fn render(inp: &Inputs) -> String {
    let mut s = String::new();
    let g = inp.grid;
    let _ = writeln!(s, "# Report: grid `{}`\n", g.name);
    let diverged: usize = inp
        .groups
        .keys()
        .map(|k| {
            inp.groups
                .runs(k.lum, k.condition(), k.eps())
                .iter()
                .filter(|r| r.diverged)
                .count()
        })
        .sum();
    let _ = writeln!(
        s,
        "Written by `einorm report` from the result files alone (no training): {} of {} runs of this grid finished{}, {diverged} diverged. Accuracies are final-epoch test accuracies in %; a diverged run counts at chance (10 %).\n",
        inp.finished,
        inp.expected,
        if inp.extra.is_empty() {
            String::new()
        } else {
            format!(", plus the runs of {}", list(&inp.extra.iter().map(|e| format!("`{}`", e.name)).collect::<Vec<_>>()))
        }
    );
    if inp.finished < inp.expected {
        let _ = writeln!(
            s,
            "**Incomplete grid:** statistics cover the finished runs only; rerun the same `grid` command to finish it.\n"
        );
    }
    protocol(&mut s, g, inp.extra);
    accuracy_tables(&mut s, inp.groups);
    claims(&mut s, inp.claims);
    selection(&mut s, inp.groups);
    moments(&mut s, inp.groups);
    alignment(&mut s, inp.groups);
    beyond(&mut s, inp.groups);
    if !inp.figures.is_empty() {
        let _ = writeln!(s, "## Figures\n");
        for f in inp.figures {
            let _ = writeln!(s, "![{}](figures/{})\n\n{}\n", f.file, f.file, f.caption);
        }
    }
    s
}

fn protocol(s: &mut String, g: &GridSpec, extra: &[GridSpec]) {
    let _ = writeln!(s, "## Protocol\n");
    let _ = writeln!(s, "| | this grid | paper (SPEC §5) |\n|---|---|---|");
    let rows = [
        ("dataset", g.dataset.to_string(), "fashion-mnist"),
        (
            "conditions",
            format!("{} ({})", list(&g.conditions), g.conditions.len()),
            "all 12",
        ),
        ("luminosity", g.luminosity.to_string(), "additive"),
        ("ε", list(&g.eps), "0, 0.25, 0.5, 0.75"),
        (
            "configs",
            format!("{} ({} of 30)", ranges(&g.configs), g.configs.len()),
            "all 30",
        ),
        (
            "hidden width",
            g.width
                .map_or_else(|| "the config's".to_string(), |w| w.to_string()),
            "the config's (100–500)",
        ),
        ("epochs", g.epochs.to_string(), "50"),
        ("seeds", list(&g.seeds), "one run per config"),
        ("batch", g.batch.to_string(), "32"),
        ("training order", g.order.to_string(), "fixed"),
        (
            "training images",
            match (g.train_subset, g.val_size) {
                (None, 0) => "all".to_string(),
                (t, v) => format!(
                    "{}{}",
                    t.map_or_else(|| "all".to_string(), |n| format!("subset of {n}")),
                    if v > 0 {
                        format!(", {v} held out for validation")
                    } else {
                        String::new()
                    }
                ),
            },
            "all 60 000",
        ),
        (
            "test images",
            g.test_subset
                .map_or_else(|| "all".to_string(), |n| format!("subset of {n}")),
            "all 10 000",
        ),
        ("selection", selection_text(g), "final test accuracy"),
        ("arithmetic", "f32".to_string(), "the authors' PyTorch code"),
    ];
    for (k, ours, paper) in rows {
        let _ = writeln!(s, "| {k} | {ours} | {paper} |");
    }
    let _ = writeln!(s);
    let dev = deviations(g);
    if dev.is_empty() {
        let _ = writeln!(s, "The grid follows the paper's protocol.\n");
    } else {
        let _ = writeln!(
            s,
            "**Differences from the paper's protocol:** {}.\n",
            dev.join("; ")
        );
    }
    for n in &g.notes {
        let _ = writeln!(s, "> {n}\n");
    }
    for e in extra {
        let _ = writeln!(
            s,
            "Also pooled in: grid `{}` ({} luminosity, conditions {}, ε {}, {} epochs; differences: {}).\n",
            e.name,
            e.luminosity,
            list(&e.conditions),
            list(&e.eps),
            e.epochs,
            deviations(e).join("; ")
        );
    }
}

fn selection_text(g: &GridSpec) -> String {
    if g.val_size > 0 {
        "final test accuracy (the paper's way), and on validation".to_string()
    } else {
        "final test accuracy".to_string()
    }
}

fn accuracy_tables(s: &mut String, g: &Groups) {
    for lum in g.lums() {
        let _ = writeln!(s, "## Test accuracy by condition and ε ({lum} luminosity)\n");
        let _ = writeln!(
            s,
            "| condition | paper label | ε | n | median | IQR | top-10 median | diverged | top 10 by validation | paper |\n|---|---|---|---|---|---|---|---|---|---|"
        );
        for cond in g.conditions(lum) {
            for eps in g.eps_levels(lum) {
                let Some(st) = g.stats(lum, cond, eps) else {
                    continue;
                };
                let paper = (lum == LumKind::Additive)
                    .then(|| targets::accuracy_at(cond.id(), eps))
                    .flatten()
                    .map_or_else(|| "–".to_string(), |t| t.to_string());
                let m = st.summary;
                let _ = writeln!(
                    s,
                    "| `{cond}` | {} | {eps} | {} | {:.2} | {:.2}–{:.2} | {:.2} | {} | {} | {paper} |",
                    cond.paper_label(),
                    m.n,
                    m.median,
                    m.q25,
                    m.q75,
                    m.top10_median,
                    st.diverged,
                    pct(st.top10_by_val),
                );
            }
        }
        let _ = writeln!(s);
    }
}

fn claims(s: &mut String, claims: &[Claim]) {
    let _ = writeln!(s, "## Claims of the paper (SPEC §7)\n");
    let _ = writeln!(
        s,
        "Two-sided Mann–Whitney U at α = 0.05 (exact for small samples without ties, normal approximation with tie correction otherwise). A row is *yes* when it shows the claimed direction significantly (for \"same as\": no significant difference), *weak* when the direction is right but not significant, *no* otherwise; a claim is reproduced when all its rows are yes, not reproduced when none is yes or weak, partly otherwise.\n"
    );
    let _ = writeln!(s, "| claim | verdict |\n|---|---|");
    for c in claims {
        let _ = writeln!(s, "| {} | **{}** |", c.statement, c.verdict);
    }
    let _ = writeln!(s);
    for c in claims {
        let _ = writeln!(s, "### {} — {}\n", c.statement, c.verdict);
        if c.verdict == Verdict::NoData {
            let _ = writeln!(s, "The grid has no runs for this comparison.\n");
            continue;
        }
        let _ = writeln!(
            s,
            "| | paper | ours | U | p | outcome |\n|---|---|---|---|---|---|"
        );
        for r in &c.rows {
            let (u, p) = r.test.map_or(("–".to_string(), "–".to_string()), |t| {
                (
                    format!("{} (n = {}, {})", t.u, t.n1, t.n2),
                    format!("{}{}", p_value(t.p), if t.exact { " (exact)" } else { "" }),
                )
            });
            let _ = writeln!(
                s,
                "| {} | {} | {} | {u} | {p} | {} |",
                r.label, r.paper, r.ours, r.outcome
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

fn selection(s: &mut String, g: &Groups) {
    let lum = LumKind::Additive;
    let rows: Vec<String> = g
        .conditions(lum)
        .into_iter()
        .flat_map(|cond| g.eps_levels(lum).into_iter().map(move |eps| (cond, eps)))
        .filter_map(|(cond, eps)| {
            let by_val = g.top_by_val(lum, cond, eps, 10)?;
            let by_test = g.top_by_test(lum, cond, eps, 10);
            Some(format!(
                "| `{cond}` | {eps} | {} | {} |",
                pct(quantile(&by_test, 0.5)),
                pct(quantile(&by_val, 0.5))
            ))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Selection on test vs on validation\n");
    let _ = writeln!(
        s,
        "The paper ranks runs by their final test accuracy, so the test set doubles as validation. Here the top 10 runs per cell are also picked by a held-out validation split; both columns report test accuracy.\n"
    );
    let _ = writeln!(s, "| condition | ε | top-10 median, picked on test | top-10 median, picked on validation |\n|---|---|---|---|");
    for r in rows {
        let _ = writeln!(s, "{r}");
    }
    let _ = writeln!(s);
}

fn moments(s: &mut String, g: &Groups) {
    let rows = figures::moments_by_condition(g);
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Moments of the normalized pre-ReLU output (Fig 3)\n");
    let _ = writeln!(
        s,
        "Median over runs and hidden layers after the last epoch (all ε pooled), range in brackets; \"close\" means within 0.1 of the paper.\n"
    );
    let _ = writeln!(
        s,
        "| condition | first moment | paper | variance | paper | close |\n|---|---|---|---|---|---|"
    );
    for (cond, m, v) in rows {
        let stat = |x: &[f64]| {
            let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (quantile(x, 0.5).unwrap_or(f64::NAN), lo, hi)
        };
        let (mm, mlo, mhi) = stat(&m);
        let (vm, vlo, vhi) = stat(&v);
        let paper = targets::moments(cond.id());
        let close = paper.map_or("–", |(pm, pv)| {
            if (mm - pm).abs() <= 0.1 && (vm - pv).abs() <= 0.1 {
                "yes"
            } else {
                "no"
            }
        });
        let _ = writeln!(
            s,
            "| `{cond}` | {} [{}, {}] | {} | {} [{}, {}] | {} | {close} |",
            num(mm),
            num(mlo),
            num(mhi),
            paper.map_or_else(|| "–".to_string(), |p| format!("{:.2}", p.0)),
            num(vm),
            num(vlo),
            num(vhi),
            paper.map_or_else(|| "–".to_string(), |p| format!("{:.2}", p.1)),
        );
    }
    let _ = writeln!(s);
}

fn alignment(s: &mut String, g: &Groups) {
    let lum = LumKind::Additive;
    let Some(eps075) = figures::alignment_eps(g) else {
        return;
    };
    let mut rows = Vec::new();
    for cond in g.conditions(lum) {
        let target = targets::alignment(cond.id());
        let pooled = matches!(target, Some((AlignmentScope::Pooled, _, _)));
        let runs: Vec<_> = if pooled {
            g.eps_levels(lum)
                .into_iter()
                .flat_map(|e| g.runs(lum, cond, e).iter().copied())
                .collect()
        } else {
            g.runs(lum, cond, eps075).to_vec()
        };
        let (out, grad) = figures::final_alignment(&runs);
        if out.is_empty() {
            continue;
        }
        let show = |x: &[f64]| {
            let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{:.3} [{lo:.3}, {hi:.3}]", quantile(x, 0.5).unwrap_or(f64::NAN))
        };
        let within = |x: &[f64], r: Option<targets::Range>| match (quantile(x, 0.5), r) {
            (Some(m), Some(r)) => {
                if m >= r.lo && m <= r.hi {
                    "yes"
                } else {
                    "no"
                }
            }
            _ => "–",
        };
        let (po, pg) = target.map_or((None, None), |t| (t.1, Some(t.2)));
        let scope = if pooled {
            "all ε".to_string()
        } else {
            format!("ε = {eps075}")
        };
        rows.push(format!(
            "| `{cond}` | {scope} | {} | {} | {} | {} | {} | {} |",
            show(&out),
            po.map_or_else(|| "–".to_string(), |r| r.to_string()),
            within(&out, po),
            show(&grad),
            pg.map_or_else(|| "–".to_string(), |r| r.to_string()),
            within(&grad, pg),
        ));
    }
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Alignment with layer norm (Figs 4–6)\n");
    let _ = writeln!(
        s,
        "Per hidden layer on a probe batch after the last epoch: output cosine `cos(relu(LN(z)), relu(z))` and gradient cosine of the `W_ex` gradients (for `lateral` the reference is `center`). Median over runs and layers [min, max]; \"in range\" means our median lies in the paper's range.\n"
    );
    let _ = writeln!(
        s,
        "| condition | runs | output cosine | paper | in range | gradient cosine | paper | in range |\n|---|---|---|---|---|---|---|---|"
    );
    for r in rows {
        let _ = writeln!(s, "{r}");
    }
    let _ = writeln!(s);
}

fn beyond(s: &mut String, g: &Groups) {
    let lum = LumKind::Additive;
    let mut wrote_header = false;
    let mut header = |s: &mut String| {
        if !wrote_header {
            let _ = writeln!(s, "## Beyond the paper\n");
            wrote_header = true;
        }
    };
    for eps in g.eps_levels(lum) {
        let curves = figures::offset_curves(g, eps);
        if curves.is_empty() {
            continue;
        }
        header(s);
        let deltas: Vec<f32> = curves[0].1.iter().map(|p| p.0).collect();
        let _ = writeln!(
            s,
            "### Trained at ε = {eps}, tested at fixed offsets δ\n\nMedian test accuracy (%) when every test image is shifted by δ (`x ← clamp(x + δ, 0, 1)`).\n"
        );
        let _ = writeln!(
            s,
            "| condition | {} |\n|---|{}",
            deltas
                .iter()
                .map(|d| format!("δ = {d}"))
                .collect::<Vec<_>>()
                .join(" | "),
            "---|".repeat(deltas.len())
        );
        for (cond, pts) in curves {
            let _ = writeln!(
                s,
                "| `{cond}` | {} |",
                pts.iter()
                    .map(|p| format!("{:.2}", p.1))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
        }
        let _ = writeln!(s);
    }
    for other in g.lums().into_iter().filter(|&l| l != LumKind::Additive) {
        header(s);
        let _ = writeln!(
            s,
            "### {other} luminosity\n\nLevel ε means gains `g` with `ln g ~ U(−ln γ, ln γ)`, `γ = 1/(1 − ε)`. Median final test accuracy (%) [IQR], n runs; Mann–Whitney p against `e-ln` at the same level.\n"
        );
        let _ = writeln!(
            s,
            "| condition | ε | n | median | IQR | diverged | p vs e-ln |\n|---|---|---|---|---|---|---|"
        );
        let ln = crate::spec::lists::condition("e-ln").ok();
        for cond in g.conditions(other) {
            for eps in g.eps_levels(other) {
                let Some(st) = g.stats(other, cond, eps) else {
                    continue;
                };
                let p = ln
                    .filter(|&l| l != cond)
                    .and_then(|l| {
                        crate::stats::mann_whitney_u(
                            &g.accs(other, cond, eps),
                            &g.accs(other, l, eps),
                            crate::stats::Method::Auto,
                        )
                    })
                    .map_or_else(|| "–".to_string(), |t| p_value(t.p));
                let m = st.summary;
                let _ = writeln!(
                    s,
                    "| `{cond}` | {eps} | {} | {:.2} | {:.2}–{:.2} | {} | {p} |",
                    m.n, m.median, m.q25, m.q75, st.diverged
                );
            }
        }
        let _ = writeln!(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;

    #[test]
    fn the_paper_preset_has_no_deviations_and_quick_lists_its_reductions() {
        assert!(deviations(&presets::get("paper").unwrap()).is_empty());
        let quick = deviations(&presets::get("quick").unwrap()).join("; ");
        for phrase in ["3 epochs", "0–7", "held out"] {
            assert!(quick.contains(phrase), "{phrase} missing from: {quick}");
        }
        assert!(quick.contains("e-ln-detached"), "{quick}");
    }

    #[test]
    fn ranges_compress_runs_of_indices() {
        assert_eq!(ranges(&[0, 1, 2, 3, 7, 9, 10]), "0–3, 7, 9, 10");
        assert_eq!(ranges(&[]), "");
    }
}
