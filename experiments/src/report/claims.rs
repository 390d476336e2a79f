//! The claims of SPEC §7, each checked against our runs with the two-sided
//! Mann–Whitney U test at α = 0.05 (additive luminosity only, the paper's).
//!
//! Every row of a claim has an outcome: **yes** (the claimed direction, p <
//! α; for a "same as" claim, p ≥ α), **weak** (the claimed direction, not
//! significant), **no** (significant the other way, or for "same as", p < α).
//! A claim is *reproduced* when every counted row is yes, *not reproduced*
//! when none is yes or weak, and *partly* otherwise.

use crate::spec::lists::condition;
use crate::spec::LumKind;
use crate::stats::{mann_whitney_u, quantile, MannWhitney, Method};
use einet::Condition;

use super::groups::Groups;
use super::targets::{self, Target};

pub const ALPHA: f64 = 0.05;

/// A run below this test accuracy (%) has collapsed (chance is 10 %).
pub const COLLAPSE_BELOW: f64 = 20.0;

/// With fewer runs per group than this, a claim is at most "partly".
pub const MIN_RUNS: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Yes,
    Weak,
    No,
    /// Shown for context, not part of the verdict.
    Info,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Reproduced,
    Partly,
    NotReproduced,
    NoData,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Reproduced => "reproduced",
            Verdict::Partly => "partly",
            Verdict::NotReproduced => "not reproduced",
            Verdict::NoData => "no data",
        })
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Outcome::Yes => "yes",
            Outcome::Weak => "weak",
            Outcome::No => "no",
            Outcome::Info => "(info)",
        })
    }
}

/// One line of evidence for a claim.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// `ε = 0.75`, `top 10 pooled`, ...
    pub label: String,
    pub paper: String,
    pub ours: String,
    pub test: Option<MannWhitney>,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    pub id: &'static str,
    pub statement: &'static str,
    pub rows: Vec<Row>,
    pub verdict: Verdict,
    /// Caveats worth reading beside the verdict.
    pub notes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Above,
    Below,
    Same,
    AtOrAbove,
}

fn c(id: &str) -> Condition {
    condition(id).expect("claim condition ids are valid")
}

fn fmt_med(v: &[f64]) -> String {
    quantile(v, 0.5).map_or_else(|| "–".to_string(), |m| format!("{m:.2}"))
}

fn paper_pair(a: &str, b: &str, eps: f32) -> String {
    let show = |t: Option<Target>| t.map_or_else(|| "–".to_string(), |t| t.to_string());
    format!(
        "{} vs {}",
        show(targets::accuracy_at(a, eps)),
        show(targets::accuracy_at(b, eps))
    )
}

/// Compares samples `a` and `b` in the claimed direction.
fn compare(label: String, paper: String, a: &[f64], b: &[f64], dir: Direction) -> Option<Row> {
    let test = mann_whitney_u(a, b, Method::Auto)?;
    let up = test.rank_biserial() > 0.0;
    let down = test.rank_biserial() < 0.0;
    let sig = test.p < ALPHA;
    let outcome = match dir {
        Direction::Above if up && sig => Outcome::Yes,
        Direction::Above if up => Outcome::Weak,
        Direction::Below if down && sig => Outcome::Yes,
        Direction::Below if down => Outcome::Weak,
        Direction::Same if !sig => Outcome::Yes,
        Direction::AtOrAbove if !(down && sig) => Outcome::Yes,
        _ => Outcome::No,
    };
    Some(Row {
        label,
        paper,
        ours: format!("{} vs {}", fmt_med(a), fmt_med(b)),
        test: Some(test),
        outcome,
    })
}

fn verdict(rows: &[Row]) -> Verdict {
    let counted: Vec<Outcome> = rows
        .iter()
        .map(|r| r.outcome)
        .filter(|o| *o != Outcome::Info)
        .collect();
    if counted.is_empty() {
        Verdict::NoData
    } else if counted.iter().all(|o| *o == Outcome::Yes) {
        Verdict::Reproduced
    } else if counted.iter().all(|o| *o == Outcome::No) {
        Verdict::NotReproduced
    } else {
        Verdict::Partly
    }
}

/// Caps the verdict at "partly" when a test had fewer than [`MIN_RUNS`] per group.
fn cap_small(claim: &mut Claim) {
    let small = claim
        .rows
        .iter()
        .filter(|r| r.outcome != Outcome::Info)
        .filter_map(|r| r.test)
        .any(|t| t.n1.min(t.n2) < MIN_RUNS);
    if small && claim.verdict == Verdict::Reproduced {
        claim.verdict = Verdict::Partly;
        claim.notes.push(format!(
            "fewer than {MIN_RUNS} runs per group: the verdict is capped at partly"
        ));
    }
}

fn small_n_note(rows: &[Row]) -> Option<String> {
    let n = rows.iter().filter_map(|r| r.test.map(|t| t.n1.min(t.n2))).min()?;
    (n < 20).then(|| {
        format!("only {n} runs per group: a non-significant difference is weak evidence of sameness, and small gaps cannot reach significance")
    })
}

/// A pairwise claim `a` vs `b`, one row per ε.
fn per_eps(
    g: &Groups,
    id: &'static str,
    statement: &'static str,
    a: &str,
    b: &str,
    dir: impl Fn(f32) -> Direction,
) -> Claim {
    let lum = LumKind::Additive;
    let rows: Vec<Row> = g
        .eps_levels(lum)
        .into_iter()
        .filter_map(|eps| {
            let (xa, xb) = (g.accs(lum, c(a), eps), g.accs(lum, c(b), eps));
            compare(format!("ε = {eps}"), paper_pair(a, b, eps), &xa, &xb, dir(eps))
        })
        .collect();
    let mut notes: Vec<String> = small_n_note(&rows).into_iter().collect();
    let v = verdict(&rows);
    if v != Verdict::NoData && rows.len() < 4 {
        notes.push(format!("tested at {} of the paper's 4 levels of ε", rows.len()));
    }
    Claim {
        id,
        statement,
        rows,
        verdict: v,
        notes,
    }
}

/// Every claim of SPEC §7, in its order.
pub fn evaluate(g: &Groups) -> Vec<Claim> {
    let mut claims = vec![
        inorm_below_ln(g),
        inorm_full_at_or_above(g),
        per_eps(
            g,
            "center-same",
            "`inorm-center` is the same as LN+ (n.s.)",
            "inorm-center",
            "e-ln",
            |_| Direction::Same,
        ),
        per_eps(
            g,
            "lateral-same",
            "`inorm-lateral` is the same as LN+ (n.s.)",
            "inorm-lateral",
            "e-ln",
            |_| Direction::Same,
        ),
        per_eps(
            g,
            "decorrelate-below",
            "`inorm-decorrelate` is below LN+ (p < 1e-8)",
            "inorm-decorrelate",
            "e-ln",
            |_| Direction::Below,
        ),
        scale_collapses(g),
        ei_ln_above_ei(g),
        ei_ln_same_as_e_ln(g),
    ];
    claims.iter_mut().for_each(cap_small);
    claims
}

fn inorm_below_ln(g: &Groups) -> Claim {
    let mut claim = per_eps(
        g,
        "inorm-below",
        "`inorm` (forward normalization only) is below LN+, and the gap grows with ε",
        "inorm",
        "e-ln",
        |_| Direction::Below,
    );
    let lum = LumKind::Additive;
    let gap = |eps: f32| {
        let a = quantile(&g.accs(lum, c("e-ln"), eps), 0.5)?;
        let b = quantile(&g.accs(lum, c("inorm"), eps), 0.5)?;
        Some(a - b)
    };
    let levels: Vec<f32> = g
        .eps_levels(lum)
        .into_iter()
        .filter(|&e| gap(e).is_some())
        .collect();
    if let (Some(&lo), Some(&hi)) = (levels.first(), levels.last()) {
        if lo < hi {
            let (glo, ghi) = (gap(lo).unwrap_or(0.0), gap(hi).unwrap_or(0.0));
            claim.rows.push(Row {
                label: format!("gap ε = {lo} → {hi}"),
                paper: "1.6 → 4.1".to_string(),
                ours: format!("{glo:.2} → {ghi:.2}"),
                test: None,
                outcome: if ghi > glo { Outcome::Yes } else { Outcome::No },
            });
            claim.verdict = verdict(&claim.rows);
        }
    }
    claim
}

fn inorm_full_at_or_above(g: &Groups) -> Claim {
    let mut claim = per_eps(
        g,
        "full-above",
        "`inorm-full` (with error normalization) is at or above LN+, above for ε > 0",
        "inorm-full",
        "e-ln",
        |eps| {
            if eps > 0.0 {
                Direction::Above
            } else {
                Direction::AtOrAbove
            }
        },
    );
    for row in &mut claim.rows {
        let eps: Option<f32> = row.label.trim_start_matches("ε = ").parse().ok();
        let k = eps.and_then(|e| crate::paper::PAPER_EPS.iter().position(|&p| p == e));
        if let Some(p) = k.and_then(|k| targets::INORM_FULL_VS_LN_P[k]) {
            row.paper.push_str(&format!(" (p ≈ {p})"));
        }
    }
    claim
}

fn scale_collapses(g: &Groups) -> Claim {
    let lum = LumKind::Additive;
    let rows: Vec<Row> = g
        .eps_levels(lum)
        .into_iter()
        .filter_map(|eps| {
            let accs = g.accs(lum, c("inorm-scale"), eps);
            if accs.is_empty() {
                return None;
            }
            let collapsed = accs.iter().filter(|&&a| a < COLLAPSE_BELOW).count();
            let frac = collapsed as f64 / accs.len() as f64;
            let (paper, outcome) = if eps >= 0.5 {
                let o = if frac >= 0.25 {
                    Outcome::Yes
                } else if collapsed > 0 {
                    Outcome::Weak
                } else {
                    Outcome::No
                };
                ("≥ 25 % collapse to 10 %".to_string(), o)
            } else {
                let p = targets::accuracy_at("inorm-scale", eps)
                    .map_or_else(|| "–".to_string(), |t| t.to_string());
                (p, Outcome::Info)
            };
            Some(Row {
                label: format!("ε = {eps}"),
                paper,
                ours: format!(
                    "{collapsed}/{} collapsed (< {COLLAPSE_BELOW} %), median {}",
                    accs.len(),
                    fmt_med(&accs)
                ),
                test: None,
                outcome,
            })
        })
        .collect();
    let mut notes = Vec::new();
    if !rows.is_empty() && rows.iter().all(|r| r.outcome == Outcome::Info) {
        notes.push("the paper's collapse appears from ε = 0.5; no such level was run".to_string());
    }
    Claim {
        id: "scale-collapses",
        statement: "`inorm-scale` collapses at high ε: from ε = 0.5 a quarter or more of runs fall to chance",
        verdict: verdict(&rows),
        rows,
        notes,
    }
}

fn ei_ln_above_ei(g: &Groups) -> Claim {
    let mut claim = per_eps(
        g,
        "ei-ln-above-ei",
        "`ei-ln` (E-I with layer norm) is above `ei` (E-I without), paired by config",
        "ei-ln",
        "ei",
        |_| Direction::Above,
    );
    let lum = LumKind::Additive;
    for row in &mut claim.rows {
        let Ok(eps) = row.label.trim_start_matches("ε = ").parse::<f32>() else {
            continue;
        };
        let a = g.by_config(lum, c("ei-ln"), eps);
        let b = g.by_config(lum, c("ei"), eps);
        let diffs: Vec<f64> = a
            .iter()
            .filter_map(|(k, va)| b.get(k).map(|vb| va - vb))
            .collect();
        if let Some(m) = quantile(&diffs, 0.5) {
            let wins = diffs.iter().filter(|&&d| d > 0.0).count();
            row.ours.push_str(&format!(
                "; paired Δ median {m:+.2}, ei-ln ahead in {wins}/{}",
                diffs.len()
            ));
        }
    }
    claim
}

fn ei_ln_same_as_e_ln(g: &Groups) -> Claim {
    let lum = LumKind::Additive;
    let pooled = |id: &str, by_val: bool| -> Option<Vec<f64>> {
        let mut v = Vec::new();
        for eps in g.eps_levels(lum) {
            if by_val {
                v.extend(g.top_by_val(lum, c(id), eps, 10)?);
            } else {
                v.extend(g.top_by_test(lum, c(id), eps, 10));
            }
        }
        Some(v)
    };
    let (pm, pp) = targets::TOP10_EI_LN_VS_E_LN;
    let paper = format!("{pm} vs {pm} (p = {pp})");
    let mut rows: Vec<Row> = pooled("ei-ln", false)
        .zip(pooled("e-ln", false))
        .and_then(|(a, b)| {
            compare(
                "top 10 per ε pooled, selected on test".to_string(),
                paper.clone(),
                &a,
                &b,
                Direction::Same,
            )
        })
        .into_iter()
        .collect();
    if let Some(mut row) = pooled("ei-ln", true)
        .zip(pooled("e-ln", true))
        .and_then(|(a, b)| {
            compare(
                "top 10 per ε pooled, selected on validation".to_string(),
                "–".to_string(),
                &a,
                &b,
                Direction::Same,
            )
        })
    {
        row.ours.push_str(&format!(" [{}]", row.outcome));
        row.outcome = Outcome::Info;
        rows.push(row);
    }
    let notes = small_n_note(&rows).into_iter().collect();
    Claim {
        id: "ei-ln-same-e-ln",
        statement: "`ei-ln` is the same as `e-ln` (LN+) among the top 10 runs per ε",
        verdict: verdict(&rows),
        rows,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(o: Outcome) -> Row {
        Row {
            label: String::new(),
            paper: String::new(),
            ours: String::new(),
            test: None,
            outcome: o,
        }
    }

    #[test]
    fn verdicts_combine_row_outcomes() {
        use Outcome::*;
        let v = |os: &[Outcome]| verdict(&os.iter().map(|&o| row(o)).collect::<Vec<_>>());
        assert_eq!(v(&[Yes, Yes, Info]), Verdict::Reproduced);
        assert_eq!(v(&[Yes, Weak]), Verdict::Partly);
        assert_eq!(v(&[No, Weak]), Verdict::Partly);
        assert_eq!(v(&[No, No]), Verdict::NotReproduced);
        assert_eq!(v(&[Info]), Verdict::NoData);
        assert_eq!(v(&[]), Verdict::NoData);
    }

    #[test]
    fn separated_samples_give_yes_in_the_claimed_direction_only() {
        let hi: Vec<f64> = (0..12).map(|i| 88.0 + 0.1 * f64::from(i)).collect();
        let lo: Vec<f64> = (0..12).map(|i| 84.0 + 0.1 * f64::from(i)).collect();
        let r = |d| {
            compare(String::new(), String::new(), &hi, &lo, d)
                .unwrap()
                .outcome
        };
        assert_eq!(r(Direction::Above), Outcome::Yes);
        assert_eq!(r(Direction::Below), Outcome::No);
        assert_eq!(r(Direction::Same), Outcome::No);
        assert_eq!(r(Direction::AtOrAbove), Outcome::Yes);
    }
}
