//! Numbers and test results as table cells.

use super::analysis::Spread;
use super::compare::Comparison;

pub fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "–".to_string(), f)
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
pub fn p_value(p: f64) -> String {
    if p < 1e-3 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

pub fn exactness(exact: bool) -> &'static str {
    if exact {
        "exact"
    } else {
        "normal"
    }
}

pub fn spread(x: &Spread) -> String {
    format!("{} [{}, {}]", num(x.median), num(x.min), num(x.max))
}

pub fn yes_no(v: Option<bool>) -> &'static str {
    v.map_or("–", |b| if b { "yes" } else { "no" })
}

/// `U, r, p` of the Mann–Whitney test.
pub fn mann_whitney(c: &Comparison) -> String {
    let t = &c.mann_whitney;
    format!(
        "U = {}, r = {:+.2}, p = {} ({})",
        t.u,
        t.rank_biserial(),
        p_value(t.p),
        exactness(t.exact)
    )
}

/// `Δ [CI], W, r, p` of the paired test, or why there is none.
pub fn paired(c: &Comparison) -> (String, String) {
    let Some(p) = &c.paired else {
        return ("–".to_string(), "–".to_string());
    };
    let ci = opt(p.diff.ci, |(lo, hi)| format!("[{lo:+.2}, {hi:+.2}]"));
    let diff = format!("{:+.2} {ci} ({}/{} ahead)", p.diff.estimate, p.ahead, p.n);
    let test = opt(p.wilcoxon, |w| {
        format!(
            "W = {}, r = {:+.2}, p = {} ({})",
            w.w,
            w.rank_biserial(),
            p_value(w.p),
            exactness(w.exact)
        )
    });
    (diff, test)
}
