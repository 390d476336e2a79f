//! The claims of protocol §7, each checked against our runs (additive luminosity
//! only, the paper's). A row's decisive test is the Wilcoxon signed-rank test
//! when the runs pair up by configuration and seed, Mann–Whitney otherwise;
//! the p-values of every decisive test in the table are Holm-corrected
//! together, and outcomes use the corrected p at α = 0.05.
//!
//! Every row of a claim has an outcome: **yes** (the claimed direction, p <
//! α; for a "same as" claim, p ≥ α), **weak** (the claimed direction, not
//! significant), **no** (significant the other way, or for "same as", p < α).
//! A claim is *reproduced* when every counted row is yes, *not reproduced*
//! when none is yes or weak, and *partly* otherwise.

use einet::{Condition, ErrorMode};

use crate::plan::LumKind;
use crate::stats::holm;

use super::compare::Comparison;
use super::groups::Groups;
use super::targets::{self, Target};

pub const ALPHA: f64 = 0.05;

/// A run at or below this test accuracy (%) has collapsed (chance is 10 %).
pub const COLLAPSE_AT_OR_BELOW: f64 = 15.0;

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

/// What one row of a claim looks at.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    Eps(f32),
    /// The LN+ − `inorm` gap of medians from the lowest to the highest ε.
    GapGrowth {
        lo: f32,
        hi: f32,
        gap_lo: f64,
        gap_hi: f64,
    },
    /// The top 10 runs per ε, pooled over the ε levels both conditions have.
    Top10Pooled {
        eps: Vec<f32>,
        on_validation: bool,
    },
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Eps(e) => write!(f, "ε = {e}"),
            Scope::GapGrowth { lo, hi, .. } => write!(f, "gap ε = {lo} → {hi}"),
            Scope::Top10Pooled { eps, on_validation } => {
                let levels: Vec<String> = eps.iter().map(f32::to_string).collect();
                let by = if *on_validation { "validation" } else { "test" };
                write!(
                    f,
                    "top 10 per ε pooled (ε {}), selected on {by}",
                    levels.join(", ")
                )
            }
        }
    }
}

/// Collapsed `inorm-scale` runs at one ε.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Collapse {
    pub eps: f32,
    pub collapsed: usize,
    pub diverged: usize,
    pub n: usize,
    pub median: f64,
}

/// One line of evidence for a claim.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub scope: Scope,
    pub paper: String,
    pub comparison: Option<Comparison>,
    pub collapse: Option<Collapse>,
    /// Holm-corrected p of the decisive test.
    pub p_holm: Option<f64>,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    pub statement: &'static str,
    pub a: Condition,
    pub b: Condition,
    pub rows: Vec<Row>,
    pub verdict: Verdict,
    /// Caveats worth reading beside the verdict.
    pub notes: Vec<String>,
}

impl Claim {
    /// The rows that held (for a "partly" verdict).
    pub fn held(&self) -> Vec<&Scope> {
        self.rows
            .iter()
            .filter(|r| r.outcome == Outcome::Yes)
            .map(|r| &r.scope)
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Above,
    Below,
    Same,
    AtOrAbove,
}

const E_LN: Condition = Condition::ELn;
const INORM: Condition = Condition::INorm(ErrorMode::None);
const FULL: Condition = Condition::INorm(ErrorMode::Full);
const SCALE: Condition = Condition::INorm(ErrorMode::Scale);

fn show(t: Option<Target>) -> String {
    t.map_or_else(|| "–".to_string(), |t| t.to_string())
}

/// A row whose outcome waits for the Holm correction.
fn row(scope: Scope, paper: String, comparison: Comparison) -> Row {
    Row {
        scope,
        paper,
        comparison: Some(comparison),
        collapse: None,
        p_holm: None,
        outcome: Outcome::Info,
    }
}

fn outcome(c: &Comparison, p: f64, dir: Direction) -> Outcome {
    let effect = c.decisive().effect;
    let (up, down, sig) = (effect > 0.0, effect < 0.0, p < ALPHA);
    match dir {
        Direction::Above if up && sig => Outcome::Yes,
        Direction::Above if up => Outcome::Weak,
        Direction::Below if down && sig => Outcome::Yes,
        Direction::Below if down => Outcome::Weak,
        Direction::Same if !sig => Outcome::Yes,
        Direction::AtOrAbove if !(down && sig) => Outcome::Yes,
        _ => Outcome::No,
    }
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

/// A claim before correction: rows with their claimed direction.
struct Draft {
    claim: Claim,
    directions: Vec<Option<Direction>>,
}

/// A pairwise claim `a` vs `b`, one row per ε.
fn per_eps(
    g: &Groups,
    statement: &'static str,
    a: Condition,
    b: Condition,
    dir: impl Fn(f32) -> Direction,
) -> Draft {
    let lum = LumKind::Additive;
    let mut rows = Vec::new();
    let mut directions = Vec::new();
    for eps in g.eps_levels(lum) {
        let pairs = (g.by_config(lum, a, eps), g.by_config(lum, b, eps));
        let Some(c) = Comparison::of(
            &g.accs(lum, a, eps),
            &g.accs(lum, b, eps),
            Some((&pairs.0, &pairs.1)),
        ) else {
            continue;
        };
        let mut paper = format!(
            "{} vs {}",
            show(targets::accuracy_at(a, eps)),
            show(targets::accuracy_at(b, eps))
        );
        if (a, b) == (FULL, E_LN) {
            if let Some(p) = targets::inorm_full_vs_ln_p(eps) {
                paper.push_str(&format!(" (p ≈ {p})"));
            }
        }
        rows.push(row(Scope::Eps(eps), paper, c));
        directions.push(Some(dir(eps)));
    }
    let mut notes = Vec::new();
    if !rows.is_empty() && rows.len() < 4 {
        notes.push(format!("tested at {} of the paper's 4 levels of ε", rows.len()));
    }
    Draft {
        claim: Claim {
            statement,
            a,
            b,
            rows,
            verdict: Verdict::NoData,
            notes,
        },
        directions,
    }
}

/// Every claim of protocol §7, in its order, Holm-corrected across the table.
pub fn evaluate(g: &Groups, collapse: &[Collapse]) -> Vec<Claim> {
    let mut drafts = vec![
        inorm_below_ln(g),
        per_eps(
            g,
            "`inorm-full` (with error normalization) is at or above LN+, above for ε > 0",
            FULL,
            E_LN,
            |eps| {
                if eps > 0.0 {
                    Direction::Above
                } else {
                    Direction::AtOrAbove
                }
            },
        ),
        per_eps(
            g,
            "`inorm-center` is the same as LN+ (n.s.)",
            Condition::INorm(ErrorMode::Center),
            E_LN,
            |_| Direction::Same,
        ),
        per_eps(
            g,
            "`inorm-lateral` is the same as LN+ (n.s.)",
            Condition::INorm(ErrorMode::Lateral),
            E_LN,
            |_| Direction::Same,
        ),
        per_eps(
            g,
            "`inorm-decorrelate` is below LN+ (p < 1e-8)",
            Condition::INorm(ErrorMode::Decorrelate),
            E_LN,
            |_| Direction::Below,
        ),
        scale_collapses(collapse),
        per_eps(
            g,
            "`ei-ln` (E-I with layer norm) is above `ei` (E-I without), paired by config",
            Condition::EiLn,
            Condition::Ei,
            |_| Direction::Above,
        ),
        ei_ln_same_as_e_ln(g),
    ];
    correct(&mut drafts);
    drafts.into_iter().map(|d| finish(d.claim)).collect()
}

/// Holm-corrects every decisive test of the table and sets the outcomes.
fn correct(drafts: &mut [Draft]) {
    let mut slots = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        for (j, (r, dir)) in d.claim.rows.iter().zip(&d.directions).enumerate() {
            if let (Some(c), Some(_)) = (&r.comparison, dir) {
                slots.push((i, j, c.decisive().p));
            }
        }
    }
    let adjusted = holm(&slots.iter().map(|s| s.2).collect::<Vec<_>>());
    for (&(i, j, _), p) in slots.iter().zip(adjusted) {
        let dir = drafts[i].directions[j].expect("slots hold directed rows");
        let r = &mut drafts[i].claim.rows[j];
        r.p_holm = Some(p);
        if let Some(c) = &r.comparison {
            r.outcome = outcome(c, p, dir);
        }
    }
}

/// Sets the verdict, capped at "partly" when a group had fewer than [`MIN_RUNS`].
fn finish(mut claim: Claim) -> Claim {
    claim.verdict = verdict(&claim.rows);
    let counted = claim.rows.iter().filter(|r| r.outcome != Outcome::Info);
    let n = counted
        .filter_map(|r| r.comparison.as_ref())
        .map(|c| c.mann_whitney.n1.min(c.mann_whitney.n2))
        .min();
    if let Some(n) = n {
        if n < MIN_RUNS && claim.verdict == Verdict::Reproduced {
            claim.verdict = Verdict::Partly;
            claim.notes.push(format!(
                "fewer than {MIN_RUNS} runs per group: the verdict is capped at partly"
            ));
        }
        if n < 20 {
            claim.notes.push(format!(
                "only {n} runs per group: a non-significant difference is weak evidence of sameness, and small gaps cannot reach significance"
            ));
        }
    }
    claim
}

fn inorm_below_ln(g: &Groups) -> Draft {
    let mut d = per_eps(
        g,
        "`inorm` (forward normalization only) is below LN+, and the gap grows with ε",
        INORM,
        E_LN,
        |_| Direction::Below,
    );
    let gaps: Vec<(f32, f64)> = d
        .claim
        .rows
        .iter()
        .filter_map(|r| match (&r.scope, &r.comparison) {
            (Scope::Eps(e), Some(c)) => Some((*e, c.median_b - c.median_a)),
            _ => None,
        })
        .collect();
    if let (Some(&(lo, gap_lo)), Some(&(hi, gap_hi))) = (gaps.first(), gaps.last()) {
        if lo < hi {
            d.claim.rows.push(Row {
                scope: Scope::GapGrowth {
                    lo,
                    hi,
                    gap_lo,
                    gap_hi,
                },
                paper: "1.6 → 4.1".to_string(),
                comparison: None,
                collapse: None,
                p_holm: None,
                outcome: if gap_hi > gap_lo {
                    Outcome::Yes
                } else {
                    Outcome::No
                },
            });
            d.directions.push(None);
        }
    }
    d
}

/// Collapsed `inorm-scale` runs per ε: at or below [`COLLAPSE_AT_OR_BELOW`] % or diverged.
pub fn collapse(g: &Groups) -> Vec<Collapse> {
    let lum = LumKind::Additive;
    g.eps_levels(lum)
        .into_iter()
        .filter_map(|eps| {
            let runs = g.runs(lum, SCALE, eps);
            let accs = g.accs(lum, SCALE, eps);
            Some(Collapse {
                eps,
                collapsed: runs
                    .iter()
                    .filter(|r| r.diverged || 100.0 * r.final_test_acc <= COLLAPSE_AT_OR_BELOW)
                    .count(),
                diverged: runs.iter().filter(|r| r.diverged).count(),
                n: runs.len(),
                median: crate::stats::quantile(&accs, 0.5)?,
            })
        })
        .collect()
}

fn scale_collapses(collapse: &[Collapse]) -> Draft {
    let rows: Vec<Row> = collapse
        .iter()
        .map(|c| {
            let frac = c.collapsed as f64 / c.n as f64;
            let (paper, outcome) = if c.eps >= 0.5 {
                let o = if frac >= 0.25 {
                    Outcome::Yes
                } else if c.collapsed > 0 {
                    Outcome::Weak
                } else {
                    Outcome::No
                };
                ("≥ 25 % collapse to 10 %".to_string(), o)
            } else {
                (show(targets::accuracy_at(SCALE, c.eps)), Outcome::Info)
            };
            Row {
                scope: Scope::Eps(c.eps),
                paper,
                comparison: None,
                collapse: Some(*c),
                p_holm: None,
                outcome,
            }
        })
        .collect();
    let mut notes = Vec::new();
    let unrun: Vec<String> = crate::plan::paper::PAPER_EPS
        .iter()
        .filter(|&&e| e >= 0.5 && !collapse.iter().any(|c| c.eps == e))
        .map(f32::to_string)
        .collect();
    if !rows.is_empty() && !unrun.is_empty() {
        notes.push(format!(
            "the paper's collapse appears from ε = 0.5; not run here at ε = {}",
            unrun.join(", ")
        ));
    }
    Draft {
        directions: vec![None; rows.len()],
        claim: Claim {
            statement:
                "`inorm-scale` collapses at high ε: from ε = 0.5 a quarter or more of runs fall to chance",
            a: SCALE,
            b: SCALE,
            rows,
            verdict: Verdict::NoData,
            notes,
        },
    }
}

fn ei_ln_same_as_e_ln(g: &Groups) -> Draft {
    let lum = LumKind::Additive;
    let (a, b) = (Condition::EiLn, E_LN);
    // Only the ε levels both conditions ran, so neither side pools more levels.
    let eps: Vec<f32> = g
        .eps_levels(lum)
        .into_iter()
        .filter(|&e| !g.runs(lum, a, e).is_empty() && !g.runs(lum, b, e).is_empty())
        .collect();
    let pooled = |c: Condition, on_validation: bool| -> Option<Vec<f64>> {
        let mut v = Vec::new();
        for &e in &eps {
            if on_validation {
                v.extend(g.top_by_val(lum, c, e, 10)?);
            } else {
                v.extend(g.top_by_test(lum, c, e, 10));
            }
        }
        Some(v)
    };
    let (pm, pp) = targets::TOP10_EI_LN_VS_E_LN;
    let mut rows = Vec::new();
    let mut directions = Vec::new();
    for on_validation in [false, true] {
        let samples = pooled(a, on_validation).zip(pooled(b, on_validation));
        if let Some(c) = samples.and_then(|(x, y)| Comparison::of(&x, &y, None)) {
            let paper = if on_validation {
                "–".to_string()
            } else {
                format!("{pm} vs {pm} (p = {pp})")
            };
            rows.push(row(
                Scope::Top10Pooled {
                    eps: eps.clone(),
                    on_validation,
                },
                paper,
                c,
            ));
            // Selection on validation is shown beside the paper's way, not counted.
            directions.push((!on_validation).then_some(Direction::Same));
        }
    }
    Draft {
        claim: Claim {
            statement: "`ei-ln` is the same as `e-ln` (LN+) among the top 10 runs per ε",
            a,
            b,
            rows,
            verdict: Verdict::NoData,
            notes: Vec::new(),
        },
        directions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(o: Outcome) -> Row {
        Row {
            scope: Scope::Eps(0.0),
            paper: String::new(),
            comparison: None,
            collapse: None,
            p_holm: None,
            outcome: o,
        }
    }

    #[test]
    fn verdicts_combine_row_outcomes() {
        use Outcome::*;
        let v = |os: &[Outcome]| verdict(&os.iter().map(|&o| info(o)).collect::<Vec<_>>());
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
        let c = Comparison::of(&hi, &lo, None).unwrap();
        let p = c.decisive().p;
        assert_eq!(outcome(&c, p, Direction::Above), Outcome::Yes);
        assert_eq!(outcome(&c, p, Direction::Below), Outcome::No);
        assert_eq!(outcome(&c, p, Direction::Same), Outcome::No);
        assert_eq!(outcome(&c, p, Direction::AtOrAbove), Outcome::Yes);
        // after a correction that lifts p above α, the direction alone is weak
        assert_eq!(outcome(&c, 0.2, Direction::Above), Outcome::Weak);
    }
}
