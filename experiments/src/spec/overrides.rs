//! Partial grid specs: a TOML file and the command line each give some keys
//! (same kebab-case names in both); [`GridOverrides::resolve`] lays them over
//! a preset, parses and validates the result.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::lists::{self, Tokens};
use super::{GridSpec, SpecError};
use crate::presets;

/// Every key of a grid, all optional. `preset` names the starting point
/// (default: the paper protocol under the name `custom`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct GridOverrides {
    pub preset: Option<String>,
    pub name: Option<String>,
    pub notes: Option<Vec<String>>,
    pub dataset: Option<String>,
    /// Where the data files are; not part of the grid's identity.
    pub data_dir: Option<PathBuf>,
    pub train_subset: Option<usize>,
    pub test_subset: Option<usize>,
    pub val_size: Option<usize>,
    pub conditions: Option<Tokens>,
    pub luminosity: Option<String>,
    pub eps: Option<Tokens>,
    pub configs: Option<Tokens>,
    pub width: Option<usize>,
    pub epochs: Option<usize>,
    pub batch: Option<usize>,
    pub seeds: Option<Tokens>,
    pub order: Option<String>,
    pub precision: Option<String>,
    pub probe: Option<usize>,
    pub eval_offsets: Option<Tokens>,
    pub offset_conditions: Option<Tokens>,
}

/// Reads a grid TOML file; a syntax error or unknown key is one line naming
/// the file and line.
pub fn load_toml(path: &Path) -> Result<GridOverrides, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::Unreadable {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        SpecError::Toml {
            path: path.to_path_buf(),
            line,
            message: e.message().replace('\n', " ").trim().to_string(),
        }
    })
}

macro_rules! take_higher {
    ($low:ident, $high:ident, $($field:ident),+) => {
        GridOverrides { $($field: $high.$field.or($low.$field)),+ }
    };
}

impl GridOverrides {
    /// `self` with every key that `higher` sets replaced by `higher`'s.
    pub fn merge(self, higher: GridOverrides) -> GridOverrides {
        let low = self;
        take_higher!(
            low,
            higher,
            preset,
            name,
            notes,
            dataset,
            data_dir,
            train_subset,
            test_subset,
            val_size,
            conditions,
            luminosity,
            eps,
            configs,
            width,
            epochs,
            batch,
            seeds,
            order,
            precision,
            probe,
            eval_offsets,
            offset_conditions
        )
    }

    /// The grid these keys describe, normalized and validated.
    pub fn resolve(&self) -> Result<GridSpec, SpecError> {
        let mut g = match &self.preset {
            Some(p) => presets::get(p)?,
            None => {
                let mut g = presets::get("paper")?;
                g.name = "custom".to_string();
                g.notes.clear();
                g
            }
        };
        if let Some(v) = &self.name {
            g.name = v.clone();
        }
        if let Some(v) = &self.notes {
            g.notes = v.clone();
        }
        if let Some(v) = &self.dataset {
            g.dataset = v.parse()?;
        }
        if let Some(v) = &self.luminosity {
            g.luminosity = v.parse()?;
        }
        if let Some(v) = &self.order {
            g.order = v.parse()?;
        }
        if let Some(v) = &self.precision {
            g.precision = v.parse()?;
        }
        if let Some(v) = &self.conditions {
            g.conditions = lists::conditions("conditions", v)?;
        }
        if let Some(v) = &self.offset_conditions {
            g.offset_conditions = if v.tokens().is_empty() {
                Vec::new()
            } else {
                lists::conditions("offset-conditions", v)?
            };
        }
        if let Some(v) = &self.eps {
            g.eps = lists::reals("eps", v, lists::check_eps)?;
        }
        if let Some(v) = &self.eval_offsets {
            g.eval_offsets = lists::reals("eval-offsets", v, lists::check_offset)?;
        }
        if let Some(v) = &self.configs {
            g.configs = lists::configs(v)?;
        }
        if let Some(v) = &self.seeds {
            g.seeds = lists::integers("seeds", v, None)?;
        }
        if self.train_subset.is_some() {
            g.train_subset = self.train_subset;
        }
        if self.test_subset.is_some() {
            g.test_subset = self.test_subset;
        }
        if self.width.is_some() {
            g.width = self.width;
        }
        macro_rules! set {
            ($($field:ident),+) => { $(if let Some(v) = self.$field { g.$field = v; })+ };
        }
        set!(val_size, epochs, batch, probe);
        g.normalize();
        g.validate()?;
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use einet::Condition;

    fn parse(text: &str) -> Result<GridOverrides, SpecError> {
        let dir = std::env::temp_dir().join(format!("einorm-spec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("g{}.toml", text.len()));
        std::fs::write(&path, text).unwrap();
        let parsed = load_toml(&path);
        let _ = std::fs::remove_file(&path);
        parsed
    }

    #[test]
    fn toml_keys_match_flag_names_and_lists_take_both_forms() {
        let o = parse(
            "preset = \"smoke\"\nconditions = [\"ei\", \"inorm-full\"]\neps = \"0,0.75\"\nconfigs = [0, \"2-3\"]\nval-size = 10\n",
        )
        .unwrap();
        let g = o.resolve().unwrap();
        assert_eq!(g.name, "smoke");
        assert_eq!(g.conditions.len(), 2);
        assert_eq!(g.conditions[0], Condition::Ei);
        assert_eq!(g.eps, vec![0.0, 0.75]);
        assert_eq!(g.configs, vec![0, 2, 3]);
        assert_eq!(g.val_size, 10);
    }

    #[test]
    fn flags_override_toml_which_overrides_the_preset() {
        let toml = GridOverrides {
            preset: Some("smoke".into()),
            epochs: Some(3),
            batch: Some(8),
            ..Default::default()
        };
        let flags = GridOverrides {
            epochs: Some(4),
            ..Default::default()
        };
        let g = toml.merge(flags).resolve().unwrap();
        assert_eq!((g.epochs, g.batch), (4, 8));
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
        let g = GridOverrides::default().resolve().unwrap();
        assert_eq!(g.name, "custom");
        assert_eq!(g.runs().len(), 12 * 4 * 30);
        assert_eq!(g.epochs, 50);
        assert!(GridOverrides {
            preset: Some("nope".into()),
            ..Default::default()
        }
        .resolve()
        .is_err());
    }
}
