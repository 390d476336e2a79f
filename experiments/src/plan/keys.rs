//! The settings a user gives, each declared once: every key struct derives
//! clap's `Args` (a flag, `--val-size`) and serde's `Deserialize` (a TOML
//! key, `val_size`; `val-size` reads too), and a field carries its help, its default and its
//! parser. A preset, a TOML file and the flags each give some keys; one
//! generic step ([`resolve`]) lays the given ones over the preset's grid.

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, FromArgMatches};
use einet::{Condition, UpdateRule};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::lists::{self, Tokens};
use super::{DatasetChoice, GridSpec, LocalLossChoice, LumKind, OrderKind, PrecisionChoice, SpecError};
use crate::files;
use crate::plan::paper::{PAPER_BATCH, PAPER_EPOCHS};
use crate::plan::presets;

/// The data every run of a grid sees; a run record's `data`.
#[derive(Args, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataSpec {
    /// Where the images come from.
    #[arg(long, value_enum, default_value_t = DatasetChoice::FashionMnist)]
    pub dataset: DatasetChoice,
    /// Train on a seeded subset of this many training images (default: all).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train_subset: Option<usize>,
    /// Test on a seeded subset of this many test images (default: all).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_subset: Option<usize>,
    /// Hold out this many training images for validation.
    #[arg(long, default_value_t = 0)]
    pub val_size: usize,
}

/// How every run trains, apart from the grid's axes; `train` and `grid`
/// read the same flags.
#[derive(Args, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunKeys {
    /// How brightness varies (additive: the paper's).
    #[arg(long, value_enum, default_value_t = LumKind::Additive)]
    pub luminosity: LumKind,
    /// Order of the training set (fixed: the paper's; shuffled: a seeded permutation per epoch).
    #[arg(long, value_enum, default_value_t = OrderKind::Fixed)]
    pub order: OrderKind,
    /// Arithmetic of the training steps (f16-autocast: CUDA fp16 autocast emulated, no loss scaling; f16-autocast-f32-bias: the same with biases added in f32, as the paper's authors' layers do).
    #[arg(long, value_enum, default_value_t = PrecisionChoice::F32)]
    pub precision: PrecisionChoice,
    /// Epochs.
    #[arg(long, default_value_t = PAPER_EPOCHS)]
    pub epochs: usize,
    /// Batch size.
    #[arg(long, default_value_t = PAPER_BATCH)]
    pub batch: usize,
    /// Probe rows for the moments and alignment.
    #[arg(long, default_value_t = 256)]
    pub probe: usize,
    /// After the last epoch, also test at these fixed offsets (e.g. -0.75,-0.5,0,0.5,0.75).
    #[arg(long, allow_hyphen_values = true)]
    pub eval_offsets: Option<List<Offsets>>,
    /// Folder with the IDX files (default: $FASHION_MNIST_DIR, /usr/share/datasets/fashion-mnist, ./data/fashion-mnist); not part of a run's identity.
    #[arg(long)]
    #[serde(skip_serializing)]
    pub data_dir: Option<PathBuf>,
}

/// How the network learns beyond the three rates: the optimizer (einet's
/// `Hyper`) and the I-Norm local loss. A run record leaves out the keys at
/// their defaults, so it reads as before they existed.
#[derive(Args, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimKeys {
    /// Update rule (sgd: the paper's projected SGD; see einet's optim).
    #[arg(long, default_value_t = UpdateRule::Sgd, value_parser = one_of::<UpdateRule>(UpdateRule::ALL.map(|r| r.id())))]
    #[serde(skip_serializing_if = "is_sgd")]
    pub rule: UpdateRule,
    /// Decoupled weight decay of W_ex and b, in [0, 1).
    #[arg(long, default_value_t)]
    #[serde(skip_serializing_if = "Fraction::is_zero")]
    pub weight_decay: Fraction,
    /// Momentum of the excitatory groups (W_ex, b), in [0, 1).
    #[arg(long, default_value_t)]
    #[serde(skip_serializing_if = "Fraction::is_zero")]
    pub momentum: Fraction,
    /// What the I-Norm local loss asks of its output (moments: mean 0 and variance 1, the paper's; ln-mse: layer norm of the excitation, by mean squared error).
    #[arg(long, value_enum, default_value_t)]
    #[serde(skip_serializing_if = "LocalLossChoice::is_moments")]
    pub local_loss: LocalLossChoice,
}

fn is_sgd(rule: &UpdateRule) -> bool {
    *rule == UpdateRule::Sgd
}

/// A number in [0, 1), checked wherever it is read (flag or TOML).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Fraction(pub f32);

impl Serialize for Fraction {
    /// As the decimal it was written as (`0.01`): TOML has only f64, in which
    /// the f32 would print as `0.009999999776482582`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0.to_string().parse().unwrap_or(f64::from(self.0)))
    }
}

impl Fraction {
    fn is_zero(&self) -> bool {
        self.0 == 0.0
    }
}

impl FromStr for Fraction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().parse::<f32>() {
            Ok(v) if (0.0..1.0).contains(&v) => Ok(Fraction(v)),
            _ => Err(format!("`{s}` is not a number in [0, 1)")),
        }
    }
}

impl std::fmt::Display for Fraction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f32::deserialize(d)?;
        v.to_string().parse().map_err(serde::de::Error::custom)
    }
}

/// Every key of a grid. Flags and TOML give some of them; the rest come from
/// the preset.
#[derive(Args, Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GridKeys {
    /// Start from a preset (default: the paper's protocol, named `custom`).
    #[arg(long, value_parser = PossibleValuesParser::new(presets::NAMES))]
    #[serde(skip_serializing)]
    pub preset: Option<String>,
    /// Name of the grid (default: the preset's, or `custom`).
    #[arg(long)]
    pub name: Option<String>,
    #[arg(skip)]
    pub notes: Option<Vec<String>>,
    /// Condition ids, comma-separated, or `all` (see `einorm list`).
    #[arg(long)]
    pub conditions: Option<List<Conditions>>,
    /// Luminosity levels, comma-separated.
    #[arg(long)]
    pub eps: Option<List<Levels>>,
    /// Paper configurations: indices and ranges (0-9,12) or `all`.
    #[arg(long)]
    pub configs: Option<List<Configs>>,
    /// Seeds: integers and ranges (0-4).
    #[arg(long)]
    pub seeds: Option<List<Seeds>>,
    /// Replace every configuration's hidden width.
    #[arg(long)]
    pub width: Option<usize>,
    /// Conditions tested at --eval-offsets (default: all).
    #[arg(long)]
    pub offset_conditions: Option<List<OffsetConditions>>,
    #[command(flatten)]
    #[serde(flatten)]
    pub data: DataSpec,
    #[command(flatten)]
    #[serde(flatten)]
    pub run: RunKeys,
    #[command(flatten)]
    #[serde(flatten)]
    pub optim: OptimKeys,
}

/// A key struct at the defaults its flags declare.
pub fn defaults<T: Args + FromArgMatches>() -> T {
    let cmd = T::augment_args(clap::Command::new("defaults"));
    T::from_arg_matches(&cmd.get_matches_from(["defaults"])).expect("every key has a default or is optional")
}

impl Default for DataSpec {
    fn default() -> Self {
        defaults()
    }
}

impl Default for RunKeys {
    fn default() -> Self {
        defaults()
    }
}

impl Default for OptimKeys {
    fn default() -> Self {
        defaults()
    }
}

/// A flag taking one of `ids`, listed in the help, parsed by `T::from_str`.
pub fn one_of<T>(ids: impl IntoIterator<Item = &'static str>) -> impl TypedValueParser<Value = T>
where
    T: FromStr + Clone + Send + Sync + 'static,
    T::Err: std::fmt::Debug,
{
    PossibleValuesParser::new(ids).map(|s| s.parse().expect("a listed id parses"))
}

// ---------------------------------------------------------------- layers

/// Some keys of a grid: a TOML file's or the command line's, with the
/// names of those given (the fields' names, e.g. `val_size`).
#[derive(Clone, Debug, Default)]
pub struct Layer {
    pub keys: GridKeys,
    pub given: BTreeSet<String>,
}

impl Layer {
    /// Every key `keys` sets (is not null).
    pub fn all(keys: GridKeys) -> Layer {
        let Ok(Value::Object(values)) = serde_json::to_value(&keys) else {
            unreachable!("a key struct serializes to a map")
        };
        let given = values
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k)
            .collect();
        Layer { keys, given }
    }

    /// The given keys as JSON, by name.
    fn values(&self) -> Map<String, Value> {
        let Ok(Value::Object(all)) = serde_json::to_value(&self.keys) else {
            unreachable!("a key struct serializes to a map")
        };
        all.into_iter().filter(|(k, _)| self.given.contains(k)).collect()
    }
}

/// The grid that `layers` describe, each overriding the ones before it,
/// over the preset the last of them names (default: the paper's protocol
/// under the name `custom`); normalized and validated. Also the data folder.
pub fn resolve(layers: &[Layer]) -> Result<(GridSpec, Option<PathBuf>), SpecError> {
    let preset = layers.iter().rev().find_map(|l| l.keys.preset.clone());
    let data_dir = layers.iter().rev().find_map(|l| l.keys.run.data_dir.clone());
    let base = match &preset {
        Some(p) => presets::get(p)?,
        None => GridSpec {
            name: "custom".to_string(),
            notes: Vec::new(),
            ..presets::get("paper")?
        },
    };
    let Ok(Value::Object(mut merged)) = serde_json::to_value(&base) else {
        unreachable!("a grid serializes to a map")
    };
    for layer in layers {
        merged.extend(layer.values());
    }
    let mut grid: GridSpec =
        serde_json::from_value(Value::Object(merged)).map_err(|e| SpecError::Conflict {
            what: format!("the keys do not form a grid: {e}"),
        })?;
    grid.normalize();
    grid.validate()?;
    Ok((grid, data_dir))
}

/// Reads a grid TOML file as a layer; a syntax error or unknown key is one
/// line naming the file and line.
pub fn load_toml(path: &Path) -> Result<Layer, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::Unreadable {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| SpecError::Toml {
        path: path.to_path_buf(),
        line: e.span().map_or(1, |s| line_of(&text, s.start)),
        message: one_line(e.message()),
    })?;
    let read = files::from_toml::<GridKeys>;
    let keys = read(table.clone()).map_err(|whole| {
        // Parts of a flattened struct report errors without their key:
        // find the key by reading the keys one at a time.
        let first = table.iter().find_map(|(k, v)| {
            let error = read(toml::Table::from_iter([(k.clone(), v.clone())])).err()?;
            Some((k.as_str(), one_line(&error)))
        });
        let (line, message) = match first {
            Some((key, m)) if m.contains(&format!("`{key}`")) => (key_line(&text, key), m),
            Some((key, m)) => (key_line(&text, key), format!("{key}: {m}")),
            None => (1, one_line(&whole)),
        };
        SpecError::Toml {
            path: path.to_path_buf(),
            line,
            message,
        }
    })?;
    Ok(Layer {
        keys,
        given: table.keys().map(|k| k.replace('-', "_")).collect(),
    })
}

fn one_line(message: &str) -> String {
    message.replace('\n', " ").trim().to_string()
}

/// The 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// The line on which top-level `key` is set (1 if not found).
fn key_line(text: &str, key: &str) -> usize {
    let set = |line: &str| {
        let rest = line.trim_start().trim_start_matches('"').strip_prefix(key);
        rest.is_some_and(|r| r.trim_start_matches('"').trim_start().starts_with('='))
    };
    text.lines().position(set).map_or(1, |k| k + 1)
}

// ---------------------------------------------------------------- lists

/// What a list key holds and how its tokens parse.
pub trait ListKind {
    type Item: Clone + std::fmt::Debug + PartialEq + Serialize + Send + Sync + 'static;
    fn parse(t: &Tokens) -> Result<Vec<Self::Item>, SpecError>;
}

/// A list value: a comma-separated flag, or a TOML string or array of the
/// same tokens; serialized as the parsed list.
#[derive(Clone, Debug, PartialEq)]
pub struct List<K: ListKind>(pub Vec<K::Item>, PhantomData<K>);

impl<K: ListKind> List<K> {
    pub fn new(items: Vec<K::Item>) -> Self {
        List(items, PhantomData)
    }
}

impl<K: ListKind> FromStr for List<K> {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, SpecError> {
        K::parse(&Tokens::from(s)).map(List::new)
    }
}

impl<K: ListKind> Serialize for List<K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, K: ListKind> Deserialize<'de> for List<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let tokens = Tokens::deserialize(d)?;
        K::parse(&tokens).map(List::new).map_err(serde::de::Error::custom)
    }
}

/// The kinds of list, one per list key.
#[derive(Clone, Debug, PartialEq)]
pub enum Conditions {}
#[derive(Clone, Debug, PartialEq)]
pub enum OffsetConditions {}
#[derive(Clone, Debug, PartialEq)]
pub enum Levels {}
#[derive(Clone, Debug, PartialEq)]
pub enum Offsets {}
#[derive(Clone, Debug, PartialEq)]
pub enum Configs {}
#[derive(Clone, Debug, PartialEq)]
pub enum Seeds {}

impl ListKind for Conditions {
    type Item = Condition;
    fn parse(t: &Tokens) -> Result<Vec<Condition>, SpecError> {
        lists::conditions("conditions", t)
    }
}

impl ListKind for OffsetConditions {
    type Item = Condition;
    /// Empty means every condition.
    fn parse(t: &Tokens) -> Result<Vec<Condition>, SpecError> {
        if t.tokens().is_empty() {
            return Ok(Vec::new());
        }
        lists::conditions("offset-conditions", t)
    }
}

impl ListKind for Levels {
    type Item = f32;
    /// Their range depends on the luminosity kind: checked with the runs.
    fn parse(t: &Tokens) -> Result<Vec<f32>, SpecError> {
        let levels = lists::reals("eps", t, |_| Ok(()))?;
        if levels.is_empty() {
            return Err(SpecError::Empty { key: "eps" });
        }
        Ok(levels)
    }
}

impl ListKind for Offsets {
    type Item = f32;
    fn parse(t: &Tokens) -> Result<Vec<f32>, SpecError> {
        lists::reals("eval-offsets", t, lists::check_offset)
    }
}

impl ListKind for Configs {
    type Item = usize;
    fn parse(t: &Tokens) -> Result<Vec<usize>, SpecError> {
        lists::configs(t)
    }
}

impl ListKind for Seeds {
    type Item = u64;
    fn parse(t: &Tokens) -> Result<Vec<u64>, SpecError> {
        lists::integers("seeds", t, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Layer, SpecError> {
        let dir = std::env::temp_dir().join(format!("einorm-spec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("g{}.toml", text.len()));
        std::fs::write(&path, text).unwrap();
        let parsed = load_toml(&path);
        let _ = std::fs::remove_file(&path);
        parsed
    }

    fn layer(keys: GridKeys, given: &[&str]) -> Layer {
        Layer {
            keys,
            given: given.iter().map(|k| k.to_string()).collect(),
        }
    }

    #[test]
    fn toml_keys_match_flag_names_and_lists_take_both_forms() {
        let l = parse(
            "preset = \"smoke\"\nconditions = [\"ei\", \"inorm-full\"]\neps = \"0,0.75\"\nconfigs = [0, \"2-3\"]\nval-size = 10\n",
        )
        .unwrap();
        let (g, _) = resolve(&[l]).unwrap();
        assert_eq!(g.name, "smoke");
        assert_eq!(g.conditions.len(), 2);
        assert_eq!(g.conditions[0], Condition::Ei);
        assert_eq!(g.eps, vec![0.0, 0.75]);
        assert_eq!(g.configs, vec![0, 2, 3]);
        assert_eq!(g.val_size, 10);
    }

    #[test]
    fn toml_keys_read_in_snake_case_and_in_the_flags_kebab_case() {
        let snake = parse("preset = \"smoke\"\nval_size = 10\neval_offsets = \"-0.5,0.5\"\n").unwrap();
        let kebab = parse("preset = \"smoke\"\nval-size = 10\neval-offsets = \"-0.5,0.5\"\n").unwrap();
        assert_eq!(snake.given, kebab.given);
        let (g, _) = resolve(&[kebab]).unwrap();
        assert_eq!((g.val_size, g.eval_offsets.clone()), (10, vec![-0.5, 0.5]));
        assert_eq!(resolve(&[snake]).unwrap().0, g);
        let wd = parse("preset = \"smoke\"\nweight_decay = 0.01\n").unwrap();
        assert!(resolve(&[wd])
            .unwrap()
            .0
            .to_toml()
            .contains("weight_decay = 0.01\n"));
        // A grid writes its keys in snake_case only.
        let written = g.to_toml();
        assert!(
            written.contains("val_size = 10") && !written.contains("val-size"),
            "{written}"
        );
    }

    #[test]
    fn flags_override_toml_which_overrides_the_preset() {
        let mut toml = GridKeys {
            preset: Some("smoke".into()),
            ..Default::default()
        };
        toml.run.epochs = 3;
        toml.run.batch = 8;
        let mut flags = GridKeys::default();
        flags.run.epochs = 4;
        let (g, _) = resolve(&[
            layer(toml, &["preset", "epochs", "batch"]),
            layer(flags, &["epochs"]),
        ])
        .unwrap();
        assert_eq!((g.epochs, g.batch), (4, 8));
        // A key at its default but not given leaves the preset's value.
        assert_eq!(g.probe, presets::get("smoke").unwrap().probe);
    }

    #[test]
    fn malformed_toml_and_unknown_keys_name_the_line() {
        let err = parse("epochs = 3\nepoch = 4\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 2") && msg.contains("epoch"), "{msg}");
        assert!(!msg.contains('\n'));
        let err = parse("epochs = = 3\n").unwrap_err();
        assert!(matches!(err, SpecError::Toml { line: 1, .. }), "{err}");
    }

    #[test]
    fn without_a_preset_the_defaults_are_the_paper_protocol() {
        let (g, _) = resolve(&[]).unwrap();
        assert_eq!(g.name, "custom");
        assert_eq!(g.runs().len(), 12 * 4 * 30);
        assert_eq!(g.epochs, 50);
        let nope = GridKeys {
            preset: Some("nope".into()),
            ..Default::default()
        };
        assert!(resolve(&[layer(nope, &["preset"])]).is_err());
    }

    #[test]
    fn optimizer_keys_reach_every_run_and_its_optimizer() {
        let l = parse("preset = \"smoke\"\nrule = \"eg\"\nmomentum = 0.5\nweight-decay = 0.01\n").unwrap();
        let (g, _) = resolve(&[l]).unwrap();
        let run = &g.runs()[0];
        let hyper = crate::run::train::hyper(run);
        assert_eq!(
            (hyper.rule, hyper.momentum, hyper.weight_decay),
            (UpdateRule::ExponentiatedGradient, 0.5, 0.01)
        );
        assert!(parse("momentum = 1.0\n")
            .unwrap_err()
            .to_string()
            .contains("[0, 1)"));
        // At their defaults they leave run records as they were.
        let plain = presets::get("smoke").unwrap().runs()[0].clone();
        assert!(!serde_json::to_string(&plain).unwrap().contains("momentum"));
    }

    #[test]
    fn the_flag_defaults_are_the_paper_presets_settings() {
        let (paper, run) = (presets::get("paper").unwrap(), RunKeys::default());
        assert_eq!(
            (run.epochs, run.batch, run.probe),
            (paper.epochs, paper.batch, paper.probe)
        );
        assert_eq!(
            (run.luminosity, run.order, run.precision),
            (paper.luminosity, paper.order, paper.precision)
        );
        assert_eq!(DataSpec::default(), paper.data());
        assert_eq!(OptimKeys::default(), paper.optim);
    }
}
