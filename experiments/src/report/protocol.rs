//! The protocol section of the report: this grid's settings beside the
//! paper's (protocol §5), and how it departs from them.

use std::fmt::Write;

use crate::plan::paper::{PAPER_BATCH, PAPER_CONFIGS, PAPER_EPOCHS, PAPER_EPS};
use crate::plan::{DatasetChoice, GridSpec, LumKind, OrderKind};
use einet::Condition;

pub fn list<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}

/// `0–7, 12` from sorted indices.
pub fn ranges(v: &[usize]) -> String {
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

/// How `g` departs from protocol §5, one phrase each.
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
    if !g.optim.local_loss.is_moments() {
        d.push(format!(
            "I-Norm local loss `{}` instead of the paper's moments",
            g.optim.local_loss
        ));
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

pub fn protocol(s: &mut String, g: &GridSpec, extra: &[GridSpec]) {
    let _ = writeln!(s, "## Protocol\n");
    let _ = writeln!(s, "| | this grid | paper (protocol §5) |\n|---|---|---|");
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
        (
            "arithmetic",
            g.precision.to_string(),
            "CUDA fp16 autocast, no loss scaling",
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::presets;

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
