//! The twelve experimental conditions of protocol §4: which hidden layer, which
//! forward normalization, which error normalization.
//!
//! A condition is named by a short string id (`ei`, `inorm-full`, ...), used
//! on the command line, in file names and in checkpoints (serde goes through
//! the id too, so stored results stay readable).

use std::fmt;
use std::str::FromStr;

use autograd::ErrorMode;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One row of protocol §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Condition {
    /// E-I dense hidden layers, no normalization.
    Ei,
    /// E-I dense hidden layers followed by layer norm with its exact gradient.
    EiLn,
    /// E-I dense hidden layers, layer norm forward, identity backward.
    EiLnDetached,
    /// Excitatory-only hidden layers followed by layer norm (exact gradient).
    ELn,
    /// Excitatory-only hidden layers, layer norm forward, identity backward.
    ELnDetached,
    /// I-Norm hidden layers with the given error normalization.
    INorm(ErrorMode),
    /// Subtractive-only I-Norm hidden layers, no error normalization.
    INormSub,
}

/// Conditions rank in protocol §4 order (the order of [`Condition::ALL`]).
impl Ord for Condition {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |c: &Condition| Condition::ALL.iter().position(|a| a == c);
        rank(self).cmp(&rank(other))
    }
}

impl PartialOrd for Condition {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Which kind of hidden layer a condition builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiddenKind {
    /// `z = x·(W_ex − W_ei·W_ix)ᵀ + b`.
    Ei,
    /// `z = x·W_exᵀ + b`.
    E,
    /// Learned subtractive and divisive inhibition, then the error node.
    INorm(ErrorMode),
    /// Learned subtractive inhibition only.
    INormSub,
}

/// Layer norm after the dense layer, and what its backward does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerNormKind {
    None,
    /// Exact gradient ("LN+").
    Exact,
    /// Forward normalizes, backward passes the error unchanged.
    Detached,
}

impl Condition {
    /// Every condition, in protocol §4 order.
    pub const ALL: [Condition; 12] = [
        Condition::Ei,
        Condition::EiLn,
        Condition::EiLnDetached,
        Condition::ELn,
        Condition::ELnDetached,
        Condition::INorm(ErrorMode::None),
        Condition::INorm(ErrorMode::Full),
        Condition::INorm(ErrorMode::Center),
        Condition::INorm(ErrorMode::Scale),
        Condition::INorm(ErrorMode::Decorrelate),
        Condition::INorm(ErrorMode::Lateral),
        Condition::INormSub,
    ];

    /// The string id (`ei`, `inorm-full`, ...).
    pub fn id(&self) -> &'static str {
        match self {
            Condition::Ei => "ei",
            Condition::EiLn => "ei-ln",
            Condition::EiLnDetached => "ei-ln-detached",
            Condition::ELn => "e-ln",
            Condition::ELnDetached => "e-ln-detached",
            Condition::INorm(ErrorMode::None) => "inorm",
            Condition::INorm(ErrorMode::Full) => "inorm-full",
            Condition::INorm(ErrorMode::Center) => "inorm-center",
            Condition::INorm(ErrorMode::Scale) => "inorm-scale",
            Condition::INorm(ErrorMode::Decorrelate) => "inorm-decorrelate",
            Condition::INorm(ErrorMode::Lateral) => "inorm-lateral",
            Condition::INormSub => "inorm-sub",
        }
    }

    /// The label the paper's figures use.
    pub fn paper_label(&self) -> &'static str {
        match self {
            Condition::Ei => "E-I LN−",
            Condition::EiLn => "E-I LN+",
            Condition::EiLnDetached => "E-I LN detached",
            Condition::ELn => "LN+",
            Condition::ELnDetached => "LN detached",
            Condition::INorm(ErrorMode::None) => "I-Norm",
            Condition::INorm(ErrorMode::Full) => "I-Norm w/ GradNorm (full)",
            Condition::INorm(ErrorMode::Center) => "I-Norm w/ GradNorm (center)",
            Condition::INorm(ErrorMode::Scale) => "I-Norm w/ GradNorm (scale)",
            Condition::INorm(ErrorMode::Decorrelate) => "I-Norm w/ GradNorm (decorrelate)",
            Condition::INorm(ErrorMode::Lateral) => "I-Norm w/ lat. inhib. (fa_center)",
            Condition::INormSub => "I-Norm (sub)",
        }
    }

    /// One plain sentence saying what the hidden layers do.
    pub fn description(&self) -> &'static str {
        match self {
            Condition::Ei => "Excitatory-inhibitory layers with no normalization.",
            Condition::EiLn => "Excitatory-inhibitory layers followed by layer norm, trained through its exact gradient.",
            Condition::EiLnDetached => {
                "Excitatory-inhibitory layers followed by layer norm whose backward passes the error unchanged."
            }
            Condition::ELn => "Excitatory-only layers followed by layer norm, trained through its exact gradient.",
            Condition::ELnDetached => {
                "Excitatory-only layers followed by layer norm whose backward passes the error unchanged."
            }
            Condition::INorm(ErrorMode::None) => {
                "Learned inhibition normalizes the forward pass; the error is not normalized."
            }
            Condition::INorm(ErrorMode::Full) => {
                "Learned inhibition normalizes the forward pass and the error is centred, decorrelated and scaled like a layer-norm backward."
            }
            Condition::INorm(ErrorMode::Center) => {
                "Learned inhibition normalizes the forward pass and the error is centred."
            }
            Condition::INorm(ErrorMode::Scale) => {
                "Learned inhibition normalizes the forward pass and the error is divided by the activity's standard deviation."
            }
            Condition::INorm(ErrorMode::Decorrelate) => {
                "Learned inhibition normalizes the forward pass and the error's component along the activity is removed."
            }
            Condition::INorm(ErrorMode::Lateral) => {
                "Learned inhibition normalizes the forward pass and the error loses a fixed random positive average of itself."
            }
            Condition::INormSub => "Learned inhibition only subtracts (no division); the error is not normalized.",
        }
    }

    /// The hidden layer this condition builds.
    pub fn hidden(&self) -> HiddenKind {
        match self {
            Condition::Ei | Condition::EiLn | Condition::EiLnDetached => HiddenKind::Ei,
            Condition::ELn | Condition::ELnDetached => HiddenKind::E,
            Condition::INorm(mode) => HiddenKind::INorm(*mode),
            Condition::INormSub => HiddenKind::INormSub,
        }
    }

    /// The layer norm after the hidden dense layer.
    pub fn layer_norm(&self) -> LayerNormKind {
        match self {
            Condition::EiLn | Condition::ELn => LayerNormKind::Exact,
            Condition::EiLnDetached | Condition::ELnDetached => LayerNormKind::Detached,
            _ => LayerNormKind::None,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// An id that names no condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown condition `{given}`; valid ids: {}", valid_ids())]
pub struct UnknownCondition {
    pub given: String,
}

fn valid_ids() -> String {
    let ids: Vec<&str> = Condition::ALL.iter().map(Condition::id).collect();
    ids.join(", ")
}

impl FromStr for Condition {
    type Err = UnknownCondition;

    fn from_str(s: &str) -> Result<Condition, UnknownCondition> {
        Condition::ALL
            .into_iter()
            .find(|c| c.id() == s)
            .ok_or_else(|| UnknownCondition { given: s.to_string() })
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Condition, D::Error> {
        let id = String::deserialize(d)?;
        id.parse().map_err(serde::de::Error::custom)
    }
}

/// Serde for autograd's [`ErrorMode`] (which has none) through its name,
/// for `#[serde(with = "crate::condition::error_mode_serde")]`.
pub(crate) mod error_mode_serde {
    use autograd::ErrorMode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(mode: &ErrorMode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(mode.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ErrorMode, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_sort_in_protocol_order() {
        let mut all = Condition::ALL;
        all.reverse();
        all.sort();
        assert_eq!(all, Condition::ALL);
    }

    #[test]
    fn every_id_parses_back_to_its_condition() {
        for c in Condition::ALL {
            assert_eq!(c.to_string().parse::<Condition>(), Ok(c));
        }
    }

    #[test]
    fn ids_are_the_twelve_of_the_spec_in_order() {
        let ids: Vec<String> = Condition::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(
            ids,
            [
                "ei",
                "ei-ln",
                "ei-ln-detached",
                "e-ln",
                "e-ln-detached",
                "inorm",
                "inorm-full",
                "inorm-center",
                "inorm-scale",
                "inorm-decorrelate",
                "inorm-lateral",
                "inorm-sub"
            ]
        );
    }

    #[test]
    fn unknown_id_error_lists_every_valid_id() {
        let err = "inorm-ful".parse::<Condition>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("inorm-ful"));
        for c in Condition::ALL {
            assert!(msg.contains(c.id()), "{msg} lacks {c}");
        }
    }

    #[test]
    fn labels_and_descriptions_are_distinct() {
        let mut labels: Vec<&str> = Condition::ALL.iter().map(Condition::paper_label).collect();
        let mut descriptions: Vec<&str> = Condition::ALL.iter().map(Condition::description).collect();
        labels.sort();
        labels.dedup();
        descriptions.sort();
        descriptions.dedup();
        assert_eq!((labels.len(), descriptions.len()), (12, 12));
    }

    #[test]
    fn serde_goes_through_the_id() {
        let c = Condition::INorm(ErrorMode::Decorrelate);
        let bytes = bincode::serde::encode_to_vec(c, bincode::config::standard()).expect("encode");
        let (back, _): (Condition, usize) =
            bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).expect("decode");
        assert_eq!(back, c);
        let (id, _): (String, usize) =
            bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).expect("decode id");
        assert_eq!(id, "inorm-decorrelate");
    }
}
