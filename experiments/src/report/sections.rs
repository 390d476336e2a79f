//! The report's sections after the claims: every condition against LN+,
//! the `inorm-scale` collapse, precision and the collapse, moments,
//! alignment, beyond the paper.

use std::fmt::Write;

use crate::plan::LumKind;

use super::analysis::Analysis;
use super::claims::COLLAPSE_AT_OR_BELOW;
use super::precision::collapse_epoch;
use super::text::{mann_whitney, opt, p_value, paired, spread, yes_no};

pub fn versus_ln(s: &mut String, a: &Analysis) {
    if a.versus_ln.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "## Every condition against LN+ (`e-ln`), configuration by configuration\n"
    );
    let _ = writeln!(s, "Uncorrected tests, one per row, for reading effect sizes; Δ is the condition minus `e-ln` (accuracy points), paired by configuration and seed.\n");
    let _ = writeln!(s, "| luminosity | condition | ε | n | median vs `e-ln` | median paired Δ [95 % CI] | Wilcoxon | Mann–Whitney |\n|---|---|---|---|---|---|---|---|");
    for v in &a.versus_ln {
        let c = &v.comparison;
        let (diff, w) = paired(c);
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {}, {} | {:.2} vs {:.2} | {diff} | {w} | {} |",
            v.lum,
            v.condition,
            v.eps,
            c.mann_whitney.n1,
            c.mann_whitney.n2,
            c.median_a,
            c.median_b,
            mann_whitney(c)
        );
    }
    let _ = writeln!(s);
}

pub fn seeds(s: &mut String, a: &Analysis) {
    if a.seeds.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Seeds\n");
    let _ = writeln!(s, "Where a configuration ran with several seeds (a seed draws the initial weights and every random draw of its run, such as the luminosity jitter): the standard deviation of final test accuracy over seeds within a configuration, pooled over the configurations, beside the standard deviation of the configurations' means, in accuracy points; then the same for the difference to `e-ln` (LN+), paired by configuration and seed. Seed noise alone moves the median over n configurations of one seed each by about 1.25 · within / √n (for normal noise).\n");
    let _ = writeln!(s, "| luminosity | condition | ε | configurations, runs | within | between | Δ to `e-ln`: within | between |\n|---|---|---|---|---|---|---|---|");
    let sd = |v: Option<f64>| opt(v, |x| format!("{x:.2}"));
    for r in &a.seeds {
        let d = r.versus_ln();
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {}, {} | {:.2} | {} | {} | {} |",
            r.lum,
            r.condition,
            r.eps,
            r.configs,
            r.runs,
            r.accuracy.within,
            sd(r.accuracy.between),
            sd(d.map(|d| d.within)),
            sd(d.and_then(|d| d.between)),
        );
    }
    let _ = writeln!(s);
}

pub fn collapse(s: &mut String, a: &Analysis) {
    if a.collapse.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Collapse of `inorm-scale`\n");
    let curves = if a.precision.is_some() {
        "scale_runs_by_precision.svg"
    } else {
        "scale_runs.svg"
    };
    let _ = writeln!(s, "A run has collapsed when its final test accuracy is at most {COLLAPSE_AT_OR_BELOW} % or it diverged; the learning curve of every `inorm-scale` run is in `{curves}`.\n");
    let _ = writeln!(
        s,
        "| ε | runs | collapsed | of which diverged | median |\n|---|---|---|---|---|"
    );
    for k in &a.collapse {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.2} |",
            k.eps, k.n, k.collapsed, k.diverged, k.median
        );
    }
    let _ = writeln!(s);
}

pub fn precision(s: &mut String, a: &Analysis) {
    let Some(st) = &a.precision else {
        return;
    };
    let _ = writeln!(
        s,
        "## Precision and the collapse
"
    );
    let _ = writeln!(s, "Conditions trained in emulated fp16 autocast (`{}`, without loss scaling, as the paper trained) beside f32 runs of the same cells. A run has collapsed when it diverged or ended at or below {COLLAPSE_AT_OR_BELOW} %. Unlike the rest of this report, this section pools in f32 runs; runs in another half precision are left out.\n", st.half);
    let _ = writeln!(
        s,
        "| condition | ε | precision | runs | collapsed | of which diverged | median |\n|---|---|---|---|---|---|---|"
    );
    for c in &st.cells {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {:.2} |",
            c.condition, c.eps, c.precision, c.n, c.collapsed, c.diverged, c.median
        );
    }
    let _ = writeln!(s);
    if st.tests.is_empty() {
        let _ = writeln!(s, "No f32 runs of these cells are pooled in, so there is no test of f16 against f32: add them with `einorm report <this folder> --extra <an f32 grid folder>`, e.g. `--extra results/central`.\n");
    } else {
        let _ = writeln!(s, "Two tests of f16 against f32, both two-sided and exact. Fisher's compares the collapsed and surviving runs of the two precisions as two samples. McNemar's uses the pairing: a configuration trained at one ε in both precisions is one pair, and only the pairs that collapsed in one precision alone count. Rows pooling several ε ignore the levels.\n");
        let _ = writeln!(
            s,
            "| condition | ε | f16 collapsed | f32 collapsed | Fisher p | pairs | collapsed in f16 only / f32 only | McNemar p |\n|---|---|---|---|---|---|---|---|"
        );
        for t in &st.tests {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} of {} | {} of {} | {} | {} | {} / {} | {} |",
                t.condition,
                t.levels,
                t.f16.0,
                t.f16.1,
                t.f32.0,
                t.f32.1,
                p_value(t.p),
                t.pairs,
                t.f16_only,
                t.f32_only,
                p_value(t.p_paired)
            );
        }
        let _ = writeln!(s);
    }
    if st.collapsed.is_empty() {
        return;
    }
    let _ = writeln!(s, "Every collapsed run: when it collapsed, and where its first non-finite value appeared (epoch, 0-based batch and tensor).\n");
    let _ = writeln!(
        s,
        "| run | test accuracy reached | collapsed in epoch | first non-finite value |\n|---|---|---|---|"
    );
    for r in &st.collapsed {
        let reached = r
            .divergence
            .as_ref()
            .and_then(|d| d.acc_reached)
            .or_else(|| r.epochs.iter().map(|e| e.test.acc).reduce(f64::max));
        let first = r.divergence.as_ref().map_or_else(
            || "none (ended at chance)".to_string(),
            |d| {
                format!(
                    "epoch {}, batch {}: {}",
                    d.epoch,
                    d.batch,
                    d.tensor.as_deref().unwrap_or("not recorded")
                )
            },
        );
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {first} |",
            r.spec.id,
            opt(reached, |v| format!("{:.2}", 100.0 * v)),
            opt(collapse_epoch(r), |e| e.to_string()),
        );
    }
    let _ = writeln!(s);
}

pub fn moments(s: &mut String, a: &Analysis) {
    if a.moments.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Moments of the normalized pre-ReLU output (Fig 3)\n");
    let _ = writeln!(s, "Median over runs and hidden layers after the last epoch (all ε pooled), range in brackets; \"close\" means within 0.1 of the paper.\n");
    let _ = writeln!(
        s,
        "| condition | first moment | paper | variance | paper | close |\n|---|---|---|---|---|---|"
    );
    for m in &a.moments {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} |",
            m.condition,
            spread(&m.mean),
            opt(m.paper, |p| format!("{:.2}", p.0)),
            spread(&m.var),
            opt(m.paper, |p| format!("{:.2}", p.1)),
            yes_no(m.close),
        );
    }
    let _ = writeln!(s);
}

pub fn alignment(s: &mut String, a: &Analysis) {
    if a.alignment.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Alignment with layer norm (Figs 4–6)\n");
    let _ = writeln!(
        s,
        "Per hidden layer on a probe batch after the last epoch: output cosine `cos(relu(LN(z)), relu(z))` and gradient cosine of the `W_ex` gradients (for `lateral` the reference is `center`). Median over runs and layers [min, max]; \"in range\" means our median lies in the paper's range.\n"
    );
    let _ = writeln!(s, "| condition | runs | output cosine | paper | in range | gradient cosine | paper | in range |\n|---|---|---|---|---|---|---|---|");
    for r in &a.alignment {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
            r.condition,
            opt(r.eps, |e| format!("ε = {e}")).replace('–', "all ε"),
            spread(&r.output),
            opt(r.paper_output, |x| x.to_string()),
            yes_no(r.output_in_range()),
            spread(&r.grad),
            opt(r.paper_grad, |x| x.to_string()),
            yes_no(r.grad_in_range()),
        );
    }
    let _ = writeln!(s);
}

pub fn offsets(s: &mut String, a: &Analysis) {
    let others: Vec<LumKind> = a
        .groups
        .lums()
        .into_iter()
        .filter(|&l| l != LumKind::Additive)
        .collect();
    if a.offsets.is_empty() && others.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Beyond the paper\n");
    for o in &a.offsets {
        let _ = writeln!(
            s,
            "### Trained at ε = {}, tested at fixed offsets δ\n\nMedian test accuracy (%) when every test image is shifted by δ (`x ← clamp(x + δ, 0, 1)`).\n",
            o.eps
        );
        let head: Vec<String> = o.deltas.iter().map(|d| format!("δ = {d}")).collect();
        let _ = writeln!(
            s,
            "| condition | {} |\n|---|{}",
            head.join(" | "),
            "---|".repeat(head.len())
        );
        for (c, v) in &o.rows {
            let cells: Vec<String> = v.iter().map(|x| format!("{x:.2}")).collect();
            let _ = writeln!(s, "| `{c}` | {} |", cells.join(" | "));
        }
        let _ = writeln!(s);
    }
    for lum in others {
        let _ = writeln!(
            s,
            "### {lum} luminosity\n\nLevel ε means gains `g` with `ln g ~ U(−ln γ, ln γ)`, `γ = 1/(1 − ε)`. The accuracy table above gives every cell; the comparisons with `e-ln` at the same level are in the table against LN+.\n"
        );
    }
}

pub fn selection(s: &mut String, a: &Analysis) {
    let rows: Vec<String> = a
        .cells
        .iter()
        .filter(|c| c.lum == LumKind::Additive)
        .filter_map(|c| {
            let by_val = c.stats.top10_by_val?;
            Some(format!(
                "| `{}` | {} | {:.2} | {by_val:.2} |",
                c.condition, c.eps, c.stats.summary.top10_median
            ))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Selection on test vs on validation\n");
    if a.top10_is_all {
        let _ = writeln!(
            s,
            "The paper ranks runs by their final test accuracy, so the test set doubles as validation; this grid also holds out a validation split. With at most 10 runs per cell, the top 10 picked on test and the top 10 picked on validation are both all the runs, so the choice cannot matter here.\n"
        );
        return;
    }
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
