//! The images a grid trains and evaluates on, loaded once and shared by all
//! its runs.

use std::path::Path;

use datasets::{DataError, Dataset, Split};

use crate::plan::{DataSpec, SYNTHETIC_TEST, SYNTHETIC_TRAIN};
use crate::run::seeds::{derive, Purpose};

/// The seed of every data split: fixed, so all runs of all grids hold out
/// the same validation images.
const DATA_SEED: u64 = 0;

#[derive(thiserror::Error, Debug)]
pub enum LoadError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("{what}: asked for {asked} images, the data has {available}")]
    TooFew {
        what: &'static str,
        asked: usize,
        available: usize,
    },
}

/// Training, validation (if any) and test sets.
#[derive(Debug)]
pub struct GridData {
    pub train: Dataset,
    pub val: Option<Dataset>,
    pub test: Dataset,
}

/// Loads (or generates) the data `spec` describes.
pub fn load(spec: &DataSpec, dir: Option<&Path>) -> Result<GridData, LoadError> {
    let (train, test) = match spec.dataset.kind() {
        None => (
            Dataset::synthetic(spec.train_subset.unwrap_or(SYNTHETIC_TRAIN), 1),
            Dataset::synthetic(spec.test_subset.unwrap_or(SYNTHETIC_TEST), 2),
        ),
        Some(kind) => {
            let train = Dataset::load(kind, Split::Train, dir)?;
            let test = Dataset::load(kind, Split::Test, dir)?;
            (
                subset("train-subset", train, spec.train_subset, 1)?,
                subset("test-subset", test, spec.test_subset, 2)?,
            )
        }
    };
    let (train, val) = match spec.val_size {
        0 => (train, None),
        n if n < train.len() => {
            let (t, v) = train.split_validation(n, derive(DATA_SEED, Purpose::DataSplit, &[0]));
            (t, Some(v))
        }
        n => {
            return Err(LoadError::TooFew {
                what: "val-size",
                asked: n + 1,
                available: train.len(),
            })
        }
    };
    Ok(GridData { train, val, test })
}

/// A seeded subset of `n` images, kept in file order.
fn subset(what: &'static str, data: Dataset, n: Option<usize>, salt: u64) -> Result<Dataset, LoadError> {
    match n {
        None => Ok(data),
        Some(n) if n > data.len() => Err(LoadError::TooFew {
            what,
            asked: n,
            available: data.len(),
        }),
        Some(n) => {
            let order = datasets::epoch_order(
                data.len(),
                datasets::Order::Shuffled {
                    seed: derive(DATA_SEED, Purpose::DataSplit, &[salt]),
                },
                0,
            );
            let mut keep = order[..n].to_vec();
            keep.sort_unstable();
            Ok(data.subset(&keep))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::DatasetChoice;

    #[test]
    fn synthetic_data_is_split_for_validation() {
        let spec = DataSpec {
            dataset: DatasetChoice::Synthetic,
            train_subset: Some(100),
            test_subset: Some(40),
            val_size: 30,
        };
        let d = load(&spec, None).unwrap();
        assert_eq!((d.train.len(), d.test.len()), (70, 40));
        assert_eq!(d.val.map(|v| v.len()), Some(30));
        let too_many = DataSpec {
            val_size: 100,
            ..spec
        };
        assert!(load(&too_many, None).is_err());
    }
}
