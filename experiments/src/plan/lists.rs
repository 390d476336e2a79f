//! Parsing of list values shared by flags and TOML: a comma-separated string
//! (`0,0.25`, `0-9,12`, `all`) or a TOML array of the same tokens.

use std::str::FromStr;

use einet::Condition;
use serde::Deserialize;

use super::SpecError;
use crate::plan::paper::PAPER_CONFIGS;

/// A TOML value that is either one string or an array of scalars; both
/// become the same tokens a flag would give.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Tokens {
    Text(String),
    List(Vec<Scalar>),
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Tokens {
    /// The individual tokens, split on commas and trimmed.
    pub fn tokens(&self) -> Vec<String> {
        match self {
            Tokens::Text(s) => split(s),
            Tokens::List(items) => items
                .iter()
                .flat_map(|s| match s {
                    Scalar::Int(i) => vec![i.to_string()],
                    Scalar::Float(f) => vec![f.to_string()],
                    Scalar::Text(t) => split(t),
                })
                .collect(),
        }
    }
}

impl From<&str> for Tokens {
    fn from(s: &str) -> Self {
        Tokens::Text(s.to_string())
    }
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// Condition ids, or `all`; sorted in protocol §4 order, duplicates dropped.
pub fn conditions(key: &'static str, t: &Tokens) -> Result<Vec<Condition>, SpecError> {
    let mut out = Vec::new();
    for tok in t.tokens() {
        if tok == "all" {
            out.extend(Condition::ALL);
        } else {
            out.push(condition(&tok)?);
        }
    }
    out.sort();
    out.dedup();
    non_empty(key, out)
}

/// One condition id.
pub fn condition(tok: &str) -> Result<Condition, SpecError> {
    Condition::from_str(tok).map_err(|_| SpecError::UnknownCondition {
        given: tok.to_string(),
        valid: Condition::ALL.map(|c| c.to_string()).join(", "),
    })
}

/// Reals, sorted ascending, duplicates dropped; each checked by `check`.
pub fn reals(
    key: &'static str,
    t: &Tokens,
    check: impl Fn(f32) -> Result<(), SpecError>,
) -> Result<Vec<f32>, SpecError> {
    let tokens = t.tokens();
    crate::plan::limits::check_list(key, tokens.len() as u128)?;
    let mut out = Vec::new();
    for tok in tokens {
        let v: f32 = tok.parse().map_err(|_| SpecError::BadValue {
            key,
            given: tok.clone(),
            what: "number",
        })?;
        if !v.is_finite() {
            return Err(SpecError::BadValue {
                key,
                given: tok,
                what: "finite number",
            });
        }
        check(v)?;
        out.push(v);
    }
    out.sort_by(f32::total_cmp);
    out.dedup();
    Ok(out)
}

/// Non-negative integers and inclusive ranges `a-b`, or `all` (only with
/// `all_of`), sorted ascending, duplicates dropped.
pub fn integers(key: &'static str, t: &Tokens, all_of: Option<u64>) -> Result<Vec<u64>, SpecError> {
    let bad = |tok: &str| SpecError::BadValue {
        key,
        given: tok.to_string(),
        what: "non-negative integer or range a-b",
    };
    let mut out = Vec::new();
    // Counted before expanding, so `0-4000000000` allocates nothing.
    let mut count = 0u128;
    for tok in t.tokens() {
        if tok == "all" {
            count += u128::from(all_of.unwrap_or(0));
        } else if let Some((a, b)) = tok.split_once('-') {
            let a: u64 = a.trim().parse().map_err(|_| bad(&tok))?;
            let b: u64 = b.trim().parse().map_err(|_| bad(&tok))?;
            count += u128::from(b.saturating_sub(a)) + 1;
        } else {
            count += 1;
        }
    }
    crate::plan::limits::check_list(key, count)?;
    for tok in t.tokens() {
        if tok == "all" {
            match all_of {
                Some(n) => out.extend(0..n),
                None => return Err(bad(&tok)),
            }
        } else if let Some((a, b)) = tok.split_once('-') {
            let a: u64 = a.trim().parse().map_err(|_| bad(&tok))?;
            let b: u64 = b.trim().parse().map_err(|_| bad(&tok))?;
            if a > b {
                return Err(bad(&tok));
            }
            out.extend(a..=b);
        } else {
            out.push(tok.parse().map_err(|_| bad(&tok))?);
        }
    }
    out.sort_unstable();
    out.dedup();
    non_empty(key, out)
}

/// Indices into the 30 paper configurations.
pub fn configs(t: &Tokens) -> Result<Vec<usize>, SpecError> {
    let n = PAPER_CONFIGS.len();
    let out = integers("configs", t, Some(n as u64))?;
    out.into_iter()
        .map(|i| {
            let i = usize::try_from(i).unwrap_or(usize::MAX);
            if i < n {
                Ok(i)
            } else {
                Err(SpecError::UnknownConfig { given: i })
            }
        })
        .collect()
}

fn non_empty<T>(key: &'static str, v: Vec<T>) -> Result<Vec<T>, SpecError> {
    if v.is_empty() {
        Err(SpecError::Empty { key })
    } else {
        Ok(v)
    }
}

/// A fixed test offset `δ ∈ [−1, 1]`.
pub fn check_offset(v: f32) -> Result<(), SpecError> {
    in_range("eval-offsets", v, -1.0, 1.0)
}

fn in_range(key: &'static str, v: f32, lo: f64, hi: f64) -> Result<(), SpecError> {
    if (lo..=hi).contains(&f64::from(v)) {
        Ok(())
    } else {
        Err(SpecError::OutOfRange {
            key,
            given: v.to_string(),
            lo,
            hi,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_lists_and_all_expand() {
        assert_eq!(
            integers("seeds", &"3, 0-2,2".into(), None).unwrap(),
            vec![0, 1, 2, 3]
        );
        assert_eq!(configs(&"all".into()).unwrap().len(), 30);
        assert!(matches!(
            configs(&"30".into()),
            Err(SpecError::UnknownConfig { given: 30 })
        ));
        assert!(integers("seeds", &"all".into(), None).is_err());
        assert!(integers("seeds", &"5-2".into(), None).is_err());
        assert!(integers("seeds", &"".into(), None).is_err());
        assert!(matches!(
            integers("seeds", &"0-4000000000".into(), None),
            Err(SpecError::TooMany { key: "seeds", .. })
        ));
    }

    #[test]
    fn toml_arrays_give_the_same_tokens_as_strings() {
        let list = Tokens::List(vec![Scalar::Int(0), Scalar::Float(0.75)]);
        assert_eq!(list.tokens(), vec!["0", "0.75"]);
        let any = |_| Ok(());
        assert_eq!(
            reals("eps", &list, any).unwrap(),
            reals("eps", &"0.75,0".into(), any).unwrap()
        );
    }

    #[test]
    fn reals_outside_their_range_or_not_finite_are_refused() {
        assert!(matches!(
            reals("eval-offsets", &"0,1.5".into(), check_offset),
            Err(SpecError::OutOfRange { .. })
        ));
        assert!(reals("eval-offsets", &"-1.1".into(), check_offset).is_err());
        assert!(reals("eps", &"nan".into(), |_| Ok(())).is_err());
        assert!(reals("eps", &"abc".into(), |_| Ok(())).is_err());
    }

    #[test]
    fn conditions_sort_in_spec_order_and_unknown_ids_list_the_valid_ones() {
        let c = conditions("conditions", &"inorm-full,ei,ei".into()).unwrap();
        assert_eq!(c, vec![Condition::Ei, condition("inorm-full").unwrap()]);
        let err = conditions("conditions", &"inorm-bogus".into()).unwrap_err();
        assert!(err.to_string().contains("inorm-bogus"));
        assert!(err.to_string().contains("inorm-lateral"));
        assert_eq!(conditions("conditions", &"all".into()).unwrap().len(), 12);
    }
}
