//! `einorm eval`: a checkpoint's test accuracy, at its run's luminosity or
//! another, and at fixed offsets.

use datasets::Luminosity;

use crate::cli::EvalArgs;
use crate::error::Error;
use crate::plan::estimate::count;
use crate::run::train::Run;
use crate::run::{checkpoint, data};

pub fn run(a: &EvalArgs) -> Result<(), Error> {
    let r = checkpoint::load(&a.checkpoint)?;
    let mut spec = r.spec.clone();
    spec.luminosity = a.luminosity.unwrap_or(spec.luminosity);
    spec.eps = a.eps.unwrap_or(spec.eps);
    spec.validate()?;
    let data = data::load(&spec.data, a.data_dir.as_deref())?;
    r.check_steps(data.train.len().div_ceil(spec.batch))?;
    let done = r.epochs.len();
    let mut run = Run::resume(&spec, &data, r.trainer, r.epochs);
    println!(
        "{}: run {} after {}, {}",
        a.checkpoint.display(),
        r.spec.id,
        count(done, "epoch"),
        count(data.test.len(), "test image")
    );
    let e = run.test(&spec.luminosity.at(spec.eps));
    println!(
        "  {} luminosity, eps {}: test acc {:.2} % (loss {:.4})",
        spec.luminosity,
        spec.eps,
        100.0 * e.acc,
        e.loss
    );
    for &delta in a.offsets.iter().flat_map(|o| &o.0) {
        let e = run.test(&Luminosity::Fixed { delta });
        println!(
            "  at fixed offset δ = {delta:+}: test acc {:.2} % (loss {:.4})",
            100.0 * e.acc,
            e.loss
        );
    }
    Ok(())
}
