//! The small closed choices of a spec: dataset, luminosity kind, serving
//! order, precision. Each parses from and prints as the same kebab-case id, in flags
//! (whose help lists the ids), TOML and result files.

use std::fmt;
use std::str::FromStr;

use datasets::{DatasetKind, Luminosity};
use serde::{Deserialize, Serialize};

use super::SpecError;

macro_rules! choice {
    ($(#[$doc:meta])* $name:ident, $key:literal, { $($(#[$vdoc:meta])* $variant:ident = $id:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $id)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const VALID: &'static str = concat!($($id, " "),+);

            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $id),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.id())
            }
        }

        impl clap::ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] {
                $name::ALL
            }
            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.id()))
            }
        }

        impl FromStr for $name {
            type Err = SpecError;
            fn from_str(s: &str) -> Result<Self, SpecError> {
                match s {
                    $($id => Ok($name::$variant),)+
                    _ => Err(SpecError::UnknownChoice { key: $key, given: s.to_string(), valid: $name::VALID }),
                }
            }
        }
    };
}

choice!(
    /// Where the images come from.
    DatasetChoice, "dataset", {
        FashionMnist = "fashion-mnist",
        Mnist = "mnist",
        /// `datasets::Dataset::synthetic`: no files, for tests and the smoke preset.
        Synthetic = "synthetic",
    }
);

choice!(
    /// How brightness varies; the level ε of a run sets its range.
    LumKind, "luminosity", {
        /// The paper's: `x ← clamp(x + δ, 0, 1)`, `δ ~ U(−ε, ε)`.
        Additive = "additive",
        /// Beyond the paper: `x ← clamp(g·x, 0, 1)` with `ln g ~ U(−ln γ, ln γ)`
        /// and `γ = 1/(1 − ε)`, so the darkest gain is `1 − ε` (needs ε < 1).
        Multiplicative = "multiplicative",
    }
);

choice!(
    /// The order the training set is served in.
    OrderKind, "order", {
        /// The files' order every epoch (the paper's protocol).
        Fixed = "fixed",
        /// A seeded permutation per epoch.
        Shuffled = "shuffled",
    }
);

choice!(
    /// The arithmetic of the training steps (`einet::Precision`).
    #[derive(Default)]
    PrecisionChoice, "precision", {
        /// Single precision throughout (the default).
        #[default]
        F32 = "f32",
        /// Half precision by CUDA fp16 autocast's rules, without loss scaling.
        F16Autocast = "f16-autocast",
        /// As `f16-autocast`, with each layer's bias added in f32 after the
        /// half product, as the paper's authors' layers do.
        F16AutocastF32Bias = "f16-autocast-f32-bias",
    }
);

choice!(
    /// What the I-Norm local loss asks of its output `o` (`einet::LocalTarget`).
    #[derive(Default)]
    LocalLossChoice, "local-loss", {
        /// Each row at mean 0 and variance 1 (the paper's; the default).
        #[default]
        Moments = "moments",
        /// `o` equal to layer norm of the excitation, by mean squared error
        /// (a version in the history of the authors' code).
        LnMse = "ln-mse",
    }
);

impl LocalLossChoice {
    pub fn is_moments(&self) -> bool {
        *self == LocalLossChoice::Moments
    }

    pub fn target(self) -> einet::LocalTarget {
        match self {
            LocalLossChoice::Moments => einet::LocalTarget::Moments,
            LocalLossChoice::LnMse => einet::LocalTarget::LayerNorm,
        }
    }

    /// What a run id ends with: nothing for the paper's loss, so runs of
    /// both losses pool in one report without clashing.
    pub fn id_suffix(self) -> &'static str {
        match self {
            LocalLossChoice::Moments => "",
            LocalLossChoice::LnMse => "_lnmse",
        }
    }
}

impl PrecisionChoice {
    /// The default, left out of `grid.toml` and run records so that f32
    /// grids and records read as they did before the key existed.
    pub fn is_f32(&self) -> bool {
        *self == PrecisionChoice::F32
    }

    pub fn precision(self) -> einet::Precision {
        match self {
            PrecisionChoice::F32 => einet::Precision::F32,
            PrecisionChoice::F16Autocast => einet::Precision::F16Autocast,
            PrecisionChoice::F16AutocastF32Bias => einet::Precision::F16AutocastF32Bias,
        }
    }

    /// What a run id ends with: nothing for f32, so f16 and f32 runs of
    /// the same cell pool in one report without clashing.
    pub fn id_suffix(self) -> &'static str {
        match self {
            PrecisionChoice::F32 => "",
            PrecisionChoice::F16Autocast => "_f16",
            PrecisionChoice::F16AutocastF32Bias => "_f16bias",
        }
    }
}

impl DatasetChoice {
    /// The file-backed dataset, `None` for synthetic data.
    pub fn kind(self) -> Option<DatasetKind> {
        match self {
            DatasetChoice::FashionMnist => Some(DatasetKind::FashionMnist),
            DatasetChoice::Mnist => Some(DatasetKind::Mnist),
            DatasetChoice::Synthetic => None,
        }
    }
}

impl LumKind {
    /// Short tag used in run ids.
    pub fn tag(self) -> &'static str {
        match self {
            LumKind::Additive => "add",
            LumKind::Multiplicative => "mul",
        }
    }

    /// The transform for level `eps` (`eps = 0` is no jitter).
    pub fn at(self, eps: f32) -> Luminosity {
        if eps == 0.0 {
            return Luminosity::None;
        }
        match self {
            LumKind::Additive => Luminosity::Additive { eps },
            LumKind::Multiplicative => Luminosity::Multiplicative {
                gamma: 1.0 / (1.0 - eps),
            },
        }
    }

    /// The largest level this kind accepts.
    pub fn check_level(self, eps: f32) -> Result<(), SpecError> {
        let ok = match self {
            LumKind::Additive => (0.0..=1.0).contains(&eps),
            LumKind::Multiplicative => (0.0..1.0).contains(&eps),
        };
        if ok {
            Ok(())
        } else {
            Err(SpecError::OutOfRange {
                key: "eps",
                given: eps.to_string(),
                lo: 0.0,
                hi: if self == LumKind::Additive { 1.0 } else { 0.99 },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ids_list_the_valid_ones() {
        for d in DatasetChoice::ALL {
            assert_eq!(d.id().parse::<DatasetChoice>().unwrap(), *d);
        }
        let err = "imagenet".parse::<DatasetChoice>().unwrap_err();
        assert!(err.to_string().contains("fashion-mnist"), "{err}");
    }

    #[test]
    fn precision_ids_are_autograds_names() {
        for p in PrecisionChoice::ALL {
            assert_eq!(p.id(), p.precision().name());
        }
        let err = "f16".parse::<PrecisionChoice>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown precision `f16`; valid: f32 f16-autocast f16-autocast-f32-bias "
        );
    }

    #[test]
    fn multiplicative_level_maps_to_gain_range() {
        assert_eq!(
            LumKind::Multiplicative.at(0.5),
            Luminosity::Multiplicative { gamma: 2.0 }
        );
        assert_eq!(LumKind::Additive.at(0.0), Luminosity::None);
        assert!(LumKind::Multiplicative.check_level(1.0).is_err());
        assert!(LumKind::Additive.check_level(1.0).is_ok());
        for eps in [1.5, -0.1, f32::NAN] {
            assert!(LumKind::Additive.check_level(eps).is_err(), "{eps}");
        }
    }
}
