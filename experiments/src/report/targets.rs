//! The paper's numbers (protocol §7), to set beside ours. Accuracies in %, one
//! entry per paper ε (0, 0.25, 0.5, 0.75); `None` where the paper gives none.

use einet::{Condition, ErrorMode};

use crate::plan::paper::PAPER_EPS;

/// What the paper reports for one condition at one ε.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    Median(f64),
    Iqr(f64, f64),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Median(m) => write!(f, "{m:.2}"),
            Target::Iqr(a, b) => write!(f, "IQR {a:.1}–{b:.1}"),
        }
    }
}

type PerEps = [Option<Target>; 4];

const fn med(v: [f64; 4]) -> PerEps {
    [
        Some(Target::Median(v[0])),
        Some(Target::Median(v[1])),
        Some(Target::Median(v[2])),
        Some(Target::Median(v[3])),
    ]
}

/// Medians over the 30 configs (or interquartile ranges) by condition.
pub fn accuracy(condition: Condition) -> PerEps {
    use ErrorMode as M;
    match condition {
        Condition::ELn => med([88.42, 87.73, 86.90, 85.14]),
        Condition::INorm(M::Full) => med([88.57, 88.12, 87.32, 85.61]),
        Condition::INorm(M::Center) => med([88.23, 87.80, 87.05, 85.11]),
        Condition::INorm(M::Decorrelate) => med([87.3, 86.8, 84.5, 81.6]),
        Condition::INorm(M::None) => med([86.8, 86.0, 82.9, 81.0]),
        Condition::EiLn => med([88.3, 87.8, 86.3, 84.2]),
        Condition::Ei => med([86.7, 86.5, 84.4, 81.7]),
        Condition::INorm(M::Lateral) => [
            Some(Target::Iqr(87.9, 88.7)),
            Some(Target::Iqr(87.2, 88.1)),
            Some(Target::Iqr(86.3, 87.3)),
            Some(Target::Iqr(84.7, 85.5)),
        ],
        Condition::INorm(M::Scale) => [
            Some(Target::Iqr(86.2, 87.5)),
            Some(Target::Iqr(85.5, 86.7)),
            None,
            None,
        ],
        _ => [None; 4],
    }
}

/// The paper's target for `condition` at `eps`, if `eps` is a paper level.
pub fn accuracy_at(condition: Condition, eps: f32) -> Option<Target> {
    accuracy(condition)[paper_level(eps)?]
}

/// The index of `eps` among the paper's levels.
fn paper_level(eps: f32) -> Option<usize> {
    PAPER_EPS.iter().position(|&e| e == eps)
}

/// Mann–Whitney p of `inorm-full` against LN+ at `eps` (the paper gives none at 0).
pub fn inorm_full_vs_ln_p(eps: f32) -> Option<f64> {
    [None, Some(0.004), Some(0.0035), Some(0.0023)][paper_level(eps)?]
}

/// Top 10 per ε pooled: both `ei-ln` and `e-ln` have median 87.67, p = 0.76.
pub const TOP10_EI_LN_VS_E_LN: (f64, f64) = (87.67, 0.76);

/// Fig 3: (first moment, variance) of the normalized pre-ReLU output.
pub fn moments(condition: Condition) -> Option<(f64, f64)> {
    match condition {
        Condition::Ei => Some((-0.56, 1.20)),
        Condition::INormSub => Some((-0.05, 0.83)),
        Condition::INorm(ErrorMode::None) => Some((0.0, 1.00)),
        _ => None,
    }
}

/// A range the paper gives for an alignment cosine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub lo: f64,
    pub hi: f64,
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.hi >= 1.0 {
            write!(f, "≥ {}", self.lo)
        } else {
            write!(f, "{}–{}", self.lo, self.hi)
        }
    }
}

/// Where the paper measured an alignment: at ε = 0.75 or pooled over ε.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlignmentScope {
    Eps075,
    Pooled,
}

/// (output cosine, gradient cosine) ranges per condition (Figs 4–6).
pub fn alignment(condition: Condition) -> Option<(AlignmentScope, Option<Range>, Range)> {
    use ErrorMode as M;
    let r = |lo, hi| Range { lo, hi };
    match condition {
        Condition::INorm(M::None) => Some((AlignmentScope::Eps075, Some(r(0.71, 0.98)), r(0.08, 0.32))),
        Condition::INorm(M::Full) => Some((AlignmentScope::Eps075, Some(r(0.994, 1.0)), r(0.99, 1.0))),
        Condition::INorm(M::Center) => Some((AlignmentScope::Pooled, None, r(0.33, 0.50))),
        Condition::INorm(M::Decorrelate) => Some((AlignmentScope::Pooled, None, r(0.25, 0.46))),
        Condition::INorm(M::Scale) => Some((AlignmentScope::Pooled, None, r(0.10, 0.35))),
        _ => None,
    }
}
