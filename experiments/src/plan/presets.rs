//! The built-in grids: `smoke` (seconds, synthetic data, for CI), `quick` (a
//! faithful reduction of the paper's grid for about 20 minutes on 2 cores),
//! `quick-long` and `quick-mid-eps` (the central conditions with quick's
//! reductions at 15 epochs, and at the two middle levels of ε),
//! `central` (the central comparison at the paper's full training length),
//! `central-rest` and `central-rest-mid` (its LN+ and `inorm-full` on the
//! paper's other 20 configurations, at ε 0.75 and at 0.25 and 0.5),
//! `central-rest-all` (the rest of `central` on those configurations),
//! `central-modes` and `central-baselines` (the other error modes, and
//! the other baselines, on its configurations at ε 0 and 0.75),
//! `central-modes-rest` (`center` and `lateral` on the other 20
//! configurations at ε 0.75), `central-claims-rest` (the other claims'
//! conditions on those configurations, so every claim has all 30),
//! `paper` (protocol §5 in full), the beyond-paper multiplicative-luminosity
//! grids `quick-mul` and `paper-mul`, `scale-precision` (the `scale`
//! collapse under emulated fp16 autocast), `ln-precision` (LN+ under the
//! same arithmetic, for the paper's lead of `inorm-full` over LN+) and
//! `scale-precision-bias` (the collapse with biases added in f32, as the
//! authors' layers add them), and `local-ln-mse` (`inorm-full` with the
//! other local loss of the authors' code history).

use einet::{Condition, ErrorMode};

use crate::plan::paper::{PAPER_CONFIGS, PAPER_EPS};
use crate::plan::{
    DataSpec, DatasetChoice, GridSpec, LocalLossChoice, LumKind, OptimKeys, PrecisionChoice, RunKeys,
    SpecError,
};

pub const NAMES: [&str; 20] = [
    "smoke",
    "quick",
    "quick-long",
    "quick-mid-eps",
    "central",
    "central-rest",
    "central-rest-mid",
    "central-rest-all",
    "central-modes",
    "central-baselines",
    "central-modes-rest",
    "central-claims-rest",
    "paper",
    "quick-mul",
    "paper-mul",
    "scale-precision",
    "ln-precision",
    "scale-precision-bias",
    "local-ln-mse",
    "central-seeds",
];

/// Fixed offsets δ for the out-of-distribution test (beyond the paper).
pub const OFFSETS: [f32; 7] = [-0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75];

const E_LN: Condition = Condition::ELn;
const INORM: Condition = Condition::INorm(ErrorMode::None);
const INORM_FULL: Condition = Condition::INorm(ErrorMode::Full);
const INORM_SCALE: Condition = Condition::INorm(ErrorMode::Scale);

/// The conditions of the beyond-paper evaluations.
pub const BEYOND_CONDITIONS: [Condition; 3] = [E_LN, INORM, INORM_FULL];

/// One line per preset for `list`.
pub fn describe(name: &str) -> &'static str {
    match name {
        "smoke" => "seconds: synthetic data, width 32, 3 epochs, all 12 conditions; for CI",
        "quick" => "Fashion-MNIST reduced: 10 conditions x eps {0, 0.75} x configs 0-7 x 3 epochs",
        "quick-long" => "quick's central comparison at 15 epochs: e-ln, inorm, inorm-full x eps 0.75 x configs 0-7",
        "quick-mid-eps" => "quick at the middle levels: e-ln, inorm, inorm-full x eps {0.25, 0.5} x configs 0-7 x 3 epochs",
        "central" => "the central comparison at full length: e-ln, inorm, inorm-full, inorm-scale x 4 eps x configs 0-9 x 50 epochs",
        "central-rest" => "central's e-ln and inorm-full at eps 0.75 on the paper's other configs (10-29), 50 epochs: with central, all 30",
        "central-rest-mid" => "central-rest at the middle levels: e-ln, inorm-full x eps {0.25, 0.5} x configs 10-29, 50 epochs",
        "central-rest-all" => "the rest of central on configs 10-29: inorm, inorm-scale x 4 eps, e-ln, inorm-full x eps 0, 50 epochs: with central, central-rest and central-rest-mid, all 30",
        "central-modes" => "the other error modes at central's protocol: inorm-center, inorm-decorrelate, inorm-lateral x eps {0, 0.75} x configs 0-9, 50 epochs",
        "central-baselines" => "the other baselines at central's protocol: ei, ei-ln, ei-ln-detached, e-ln-detached, inorm-sub x eps {0, 0.75} x configs 0-9, 50 epochs",
        "central-modes-rest" => "central-modes' inorm-center and inorm-lateral at eps 0.75 on configs 10-29, 50 epochs: with central-modes and central-rest, all 30 paired with LN+",
        "central-claims-rest" => "the other claims on configs 10-29: inorm-decorrelate, ei, ei-ln x eps {0, 0.75}, inorm-center, inorm-lateral x eps 0, 50 epochs: with central-modes, central-modes-rest and central-baselines, all 30",
        "paper" => "protocol §5 in full: 12 conditions x 4 eps x 30 configs x 50 epochs",
        "quick-mul" => "beyond the paper: multiplicative luminosity, quick's reductions",
        "paper-mul" => "beyond the paper: multiplicative luminosity, paper protocol",
        "scale-precision" => "f16 autocast: inorm-scale x 4 eps + controls inorm, inorm-full x eps {0, 0.75}, configs 0-9, 50 epochs (80 runs)",
        "ln-precision" => "f16 autocast: e-ln (LN+) x eps {0, 0.75}, configs 0-9, 50 epochs: the LN+ twins of scale-precision's inorm-full",
        "scale-precision-bias" => "f16 autocast, biases added in f32 as the authors' layers do: inorm-scale, inorm x eps 0.75, configs 0-9, 50 epochs (20 runs)",
        "local-ln-mse" => "beyond the paper: inorm-full with the local loss ln-mse x eps {0.25, 0.5, 0.75}, configs 0-9, 50 epochs: central's twins with the other local loss",
        "central-seeds" => "beyond the paper: central's e-ln, inorm, inorm-full at eps 0.75, configs 0-9, seeds 1 and 2, 50 epochs: how far a run moves with its seed",
        _ => "",
    }
}

/// The preset called `name`.
pub fn get(name: &str) -> Result<GridSpec, SpecError> {
    let mut g = match name {
        "smoke" => smoke(),
        "quick" => quick(),
        "quick-long" => quick_long(),
        "quick-mid-eps" => quick_mid_eps(),
        "central" => central(),
        "central-rest" => central_rest(),
        "central-rest-mid" => central_rest_mid(),
        "central-rest-all" => central_rest_all(),
        "central-modes" => central_modes(),
        "central-baselines" => central_baselines(),
        "central-modes-rest" => central_modes_rest(),
        "central-claims-rest" => central_claims_rest(),
        "paper" => paper(),
        "quick-mul" => multiplicative(quick(), "quick-mul", &[0.5, 0.75]),
        "paper-mul" => multiplicative(paper(), "paper-mul", &[0.25, 0.5, 0.75]),
        "scale-precision" => scale_precision(),
        "ln-precision" => ln_precision(),
        "scale-precision-bias" => scale_precision_bias(),
        "local-ln-mse" => local_ln_mse(),
        "central-seeds" => central_seeds(),
        _ => {
            return Err(SpecError::UnknownPreset {
                given: name.to_string(),
                valid: NAMES.join(", "),
            })
        }
    };
    g.normalize();
    Ok(g)
}

/// The paper's protocol; its settings are the flags' defaults.
fn paper() -> GridSpec {
    let (data, run) = (DataSpec::default(), RunKeys::default());
    GridSpec {
        name: "paper".to_string(),
        notes: vec![
            "The paper's protocol (protocol §5): every condition x eps runs the same 30 configurations for 50 epochs, batch 32, training set in fixed order, selection on the final-epoch test accuracy.".to_string(),
            "Beyond the paper: e-ln, inorm and inorm-full are also tested at fixed offsets after the last epoch (does not change training).".to_string(),
        ],
        dataset: data.dataset,
        train_subset: data.train_subset,
        test_subset: data.test_subset,
        val_size: data.val_size,
        conditions: Condition::ALL.to_vec(),
        luminosity: run.luminosity,
        eps: PAPER_EPS.to_vec(),
        configs: (0..PAPER_CONFIGS.len()).collect(),
        width: None,
        epochs: run.epochs,
        batch: run.batch,
        seeds: vec![0],
        order: run.order,
        precision: run.precision,
        probe: run.probe,
        eval_offsets: OFFSETS.to_vec(),
        offset_conditions: BEYOND_CONDITIONS.to_vec(),
        control_conditions: Vec::new(),
        control_eps: Vec::new(),
        optim: OptimKeys::default(),
    }
}

/// The conditions behind the paper's central claim and its `scale` collapse,
/// with the paper's protocol in full except for the number of configurations.
fn central() -> GridSpec {
    GridSpec {
        name: "central".to_string(),
        notes: vec![
            "The central comparison at the paper's full training length: e-ln (LN+), inorm, inorm-full and inorm-scale at every eps, 50 epochs, batch 32, all 60 000 training images in fixed order, tested on the test set (protocol §5). Reduced: configurations 0-9 instead of all 30, one seed.".to_string(),
            "The four conditions share configurations and seed, so they are compared configuration by configuration (paired).".to_string(),
            "Beyond the paper: e-ln, inorm and inorm-full are also tested at fixed offsets after the last epoch (does not change training).".to_string(),
        ],
        conditions: vec![E_LN, INORM, INORM_FULL, INORM_SCALE],
        configs: (0..10).collect(),
        ..paper()
    }
}

/// Does `inorm-full` lead LN+ at ε = 0.75 (the paper's largest lead) over
/// all 30 configurations? `central` ran 0-9; this runs the other 20.
fn central_rest() -> GridSpec {
    GridSpec {
        name: "central-rest".to_string(),
        notes: vec![
            "The central comparison of inorm-full with LN+ (e-ln) at eps 0.75, where the paper's lead of inorm-full is largest, on the paper's configurations 10-29: with the central grid's configurations 0-9, all 30 of protocol §5. 50 epochs, batch 32, all 60 000 training images in fixed order, one seed.".to_string(),
            "Beyond the paper: e-ln and inorm-full are also tested at fixed offsets after the last epoch (does not change training).".to_string(),
        ],
        conditions: vec![E_LN, INORM_FULL],
        eps: vec![0.75],
        configs: (10..PAPER_CONFIGS.len()).collect(),
        ..paper()
    }
}

/// [`central_rest`] at ε 0.25 and 0.5, where the paper's leads are 0.39
/// and 0.42 point.
fn central_rest_mid() -> GridSpec {
    GridSpec {
        name: "central-rest-mid".to_string(),
        notes: vec![
            "The central comparison of inorm-full with LN+ (e-ln) at eps 0.25 and 0.5 on the paper's configurations 10-29: with the central grid's configurations 0-9, all 30 of protocol §5. 50 epochs, batch 32, all 60 000 training images in fixed order, one seed.".to_string(),
            "Beyond the paper: e-ln and inorm-full are also tested at fixed offsets after the last epoch (does not change training).".to_string(),
        ],
        eps: vec![0.25, 0.5],
        ..central_rest()
    }
}

/// The rest of `central` on configurations 10-29: with `central-rest` and
/// `central-rest-mid`, central's four conditions at every ε over all 30
/// configurations, the paper's own sample.
fn central_rest_all() -> GridSpec {
    GridSpec {
        name: "central-rest-all".to_string(),
        notes: vec![
            "The rest of the central grid on the paper's configurations 10-29: inorm and inorm-scale at every eps, e-ln (LN+) and inorm-full at eps 0 (the central-rest grids ran them at the other levels). With central, central-rest and central-rest-mid: central's four conditions at every eps over all 30 configurations of protocol §5. 50 epochs, batch 32, all 60 000 training images in fixed order, one seed.".to_string(),
            "Beyond the paper: e-ln, inorm and inorm-full are also tested at fixed offsets after the last epoch (does not change training).".to_string(),
        ],
        conditions: vec![E_LN, INORM, INORM_FULL, INORM_SCALE],
        eps: PAPER_EPS.to_vec(),
        control_conditions: vec![E_LN, INORM_FULL],
        control_eps: vec![0.0],
        ..central_rest()
    }
}

/// The error modes `central` leaves out (protocol §7: `center` and
/// `lateral` match LN+, `decorrelate` falls below it), at its protocol and
/// the two ends of ε; its report pools `central` for LN+ and `full`.
fn central_modes() -> GridSpec {
    GridSpec {
        name: "central-modes".to_string(),
        notes: vec![
            "The error modes beside full at the paper's full training length: inorm-center, inorm-decorrelate and inorm-lateral at eps 0 and 0.75, 50 epochs, batch 32, all 60 000 training images in fixed order, tested on the test set (protocol §5). Reduced: configurations 0-9 instead of all 30, eps 0 and 0.75 only, one seed. Their LN+, inorm and inorm-full twins are the central grid's runs.".to_string(),
        ],
        conditions: [ErrorMode::Center, ErrorMode::Decorrelate, ErrorMode::Lateral]
            .map(Condition::INorm)
            .to_vec(),
        eps: vec![0.0, 0.75],
        ..central()
    }
}

/// The baselines `central` leaves out: E-I layers without and with layer
/// norm (protocol §7: with it they rise above `ei`, to E-only LN+), the
/// detached layer norms and the subtractive-only I-Norm. With `central` and
/// `central-modes`, all twelve conditions at the paper's length.
fn central_baselines() -> GridSpec {
    GridSpec {
        name: "central-baselines".to_string(),
        notes: vec![
            "The baselines beside LN+ at the paper's full training length: ei, ei-ln, ei-ln-detached, e-ln-detached and inorm-sub at eps 0 and 0.75, 50 epochs, batch 32, all 60 000 training images in fixed order, tested on the test set (protocol §5). Reduced: configurations 0-9 instead of all 30, eps 0 and 0.75 only, one seed. Their LN+, inorm and inorm-full twins are the central grid's runs.".to_string(),
        ],
        conditions: vec![
            Condition::Ei,
            Condition::EiLn,
            Condition::EiLnDetached,
            Condition::ELnDetached,
            Condition::INormSub,
        ],
        ..central_modes()
    }
}

/// Is the paper's `scale` collapse an fp16 artifact? `central`'s protocol
/// under emulated fp16 autocast; its f32 counterparts are `central`'s runs.
fn scale_precision() -> GridSpec {
    GridSpec {
        name: "scale-precision".to_string(),
        notes: vec![
            "The paper's scale-only collapse under the authors' arithmetic: inorm-scale at every eps, trained under emulated CUDA fp16 autocast without loss scaling (half matmuls with f32 accumulation, autocast's op lists, half gradients), 50 epochs, batch 32, all 60 000 training images in fixed order, tested on the test set (protocol §5). Reduced: configurations 0-9, one seed.".to_string(),
            "Controls under the same precision: inorm and inorm-full at eps 0 and 0.75. The f32 counterparts of every run are the central grid's (run ids without the _f16 suffix).".to_string(),
            "A run whose loss turns non-finite stops there and counts as diverged.".to_string(),
        ],
        conditions: vec![INORM, INORM_FULL, INORM_SCALE],
        control_conditions: vec![INORM, INORM_FULL],
        control_eps: vec![0.0, 0.75],
        precision: PrecisionChoice::F16Autocast,
        eval_offsets: Vec::new(),
        offset_conditions: Vec::new(),
        ..central()
    }
}

/// Is the paper's lead of `inorm-full` over LN+ an fp16 effect? LN+ under
/// the arithmetic of `scale-precision`, at the levels where that grid
/// trained `inorm-full`; its report pools both (and `central`'s f32 runs).
fn ln_precision() -> GridSpec {
    GridSpec {
        name: "ln-precision".to_string(),
        notes: vec![
            "LN+ (e-ln) under emulated CUDA fp16 autocast without loss scaling, as the paper trained, at eps 0 and 0.75, configurations 0-9, one seed, 50 epochs (protocol §5). Its inorm-full twins in the same arithmetic are the scale-precision grid's controls; its f32 twins are the central grid's.".to_string(),
            "A run whose loss turns non-finite stops there and counts as diverged.".to_string(),
        ],
        conditions: vec![E_LN],
        eps: vec![0.0, 0.75],
        control_conditions: Vec::new(),
        control_eps: Vec::new(),
        ..scale_precision()
    }
}

/// Are `center` and `lateral` below LN+ (as over configurations 0–9) or
/// the same (the paper)? Both at ε 0.75 on the configurations `central-rest`
/// trains LN+ on, so that all 30 pair up.
fn central_modes_rest() -> GridSpec {
    GridSpec {
        name: "central-modes-rest".to_string(),
        notes: vec![
            "The error modes center and lateral at eps 0.75 on the paper's configurations 10-29: with the central-modes grid's configurations 0-9, all 30 of protocol §5, each paired with LN+ (e-ln) of the central and central-rest grids. 50 epochs, batch 32, all 60 000 training images in fixed order, one seed.".to_string(),
        ],
        conditions: [ErrorMode::Center, ErrorMode::Lateral]
            .map(Condition::INorm)
            .to_vec(),
        eval_offsets: Vec::new(),
        offset_conditions: Vec::new(),
        ..central_rest()
    }
}

/// The conditions of the paper's other claims (protocol §7) on
/// configurations 10-29, at the two ends of ε: with `central-modes`,
/// `central-modes-rest` and `central-baselines`, each claim is tested over
/// all 30 configurations, paired with the central grids' LN+.
fn central_claims_rest() -> GridSpec {
    GridSpec {
        name: "central-claims-rest".to_string(),
        notes: vec![
            "The paper's other claims on its configurations 10-29: inorm-decorrelate, ei and ei-ln at eps 0 and 0.75, inorm-center and inorm-lateral at eps 0 (central-modes-rest ran them at 0.75). With the central-modes and central-baselines grids' configurations 0-9, all 30 of protocol §5, each paired with LN+ (e-ln) of the central-rest grids. 50 epochs, batch 32, all 60 000 training images in fixed order, one seed.".to_string(),
        ],
        conditions: vec![
            Condition::INorm(ErrorMode::Center),
            Condition::INorm(ErrorMode::Decorrelate),
            Condition::INorm(ErrorMode::Lateral),
            Condition::Ei,
            Condition::EiLn,
        ],
        eps: vec![0.0, 0.75],
        control_conditions: [ErrorMode::Center, ErrorMode::Lateral]
            .map(Condition::INorm)
            .to_vec(),
        control_eps: vec![0.0],
        ..central_modes_rest()
    }
}

/// Is `scale-precision`'s emulation harsher than the authors' GPUs because
/// it adds biases in half? The two cells where it collapsed most often
/// (`inorm-scale` 8 of 10, `inorm` 5 of 10, at ε 0.75), with each layer's
/// bias added in f32 after the half product, as the authors' layers do.
fn scale_precision_bias() -> GridSpec {
    GridSpec {
        name: "scale-precision-bias".to_string(),
        notes: vec![
            "The scale-only collapse under the authors' arithmetic with their bias placement: inorm-scale and inorm at eps 0.75, trained under emulated CUDA fp16 autocast without loss scaling, each layer's bias added in f32 after the half product (matmul(x, W.T) + b promotes to f32, so a layer's output is f32), 50 epochs, batch 32, all 60 000 training images in fixed order, tested on the test set (protocol §5). Reduced: configurations 0-9, one seed, eps 0.75 only, where scale-precision (biases added in half) collapsed most.".to_string(),
            "The f32 twins of every run are the central grid's (run ids without the _f16bias suffix); the twins with biases added in half are scale-precision's (suffix _f16).".to_string(),
            "A run whose loss turns non-finite stops there and counts as diverged.".to_string(),
        ],
        conditions: vec![INORM, INORM_SCALE],
        eps: vec![0.75],
        control_conditions: Vec::new(),
        control_eps: Vec::new(),
        precision: PrecisionChoice::F16AutocastF32Bias,
        ..scale_precision()
    }
}

/// Does the other local loss of the authors' code history, `o` pulled
/// towards layer norm of the excitation, give `inorm-full` the paper's lead
/// over LN+? `central`'s `inorm-full` at ε > 0 with that loss; its report
/// pools `central` for the LN+ twins.
fn local_ln_mse() -> GridSpec {
    GridSpec {
        name: "local-ln-mse".to_string(),
        notes: vec![
            "Beyond the paper: inorm-full with the I-Norm local loss lambda·mean((o − LN(h))²), a mean squared error between the layer's output o and layer norm of its excitation h, which the history of the authors' code holds beside the paper's moments loss, at eps 0.25, 0.5 and 0.75 where the paper finds inorm-full ahead of LN+. 50 epochs, batch 32, all 60 000 training images in fixed order, tested on the test set (protocol §5). Reduced: configurations 0-9, one seed.".to_string(),
            "The LN+ (e-ln) twins are the central grid's runs, and so are the inorm-full twins with the paper's loss (run ids without the _lnmse suffix; a report pools only runs of its own local loss).".to_string(),
        ],
        conditions: vec![INORM_FULL],
        eps: vec![0.25, 0.5, 0.75],
        eval_offsets: Vec::new(),
        offset_conditions: Vec::new(),
        optim: OptimKeys {
            local_loss: LocalLossChoice::LnMse,
            ..OptimKeys::default()
        },
        ..central()
    }
}

/// How much of a configuration's result is its seed? `central` ran seed 0
/// of each configuration; this reruns its three main conditions at ε 0.75
/// with seeds 1 and 2, so a report pooling `central` pairs each
/// configuration three times, and the spread over seeds bounds how much of
/// a single-seed difference (the paper's, or ours) chance alone could make.
fn central_seeds() -> GridSpec {
    GridSpec {
        name: "central-seeds".to_string(),
        notes: vec![
            "Beyond the paper: central's e-ln (LN+), inorm and inorm-full at eps 0.75 with seeds 1 and 2 (a seed draws the initial weights and every luminosity jitter), 50 epochs, batch 32, all 60 000 training images in fixed order, tested on the test set (protocol §5). Configurations 0-9; their seed-0 runs are the central grid's.".to_string(),
        ],
        conditions: BEYOND_CONDITIONS.to_vec(),
        eps: vec![0.75],
        seeds: vec![1, 2],
        ..central()
    }
}

fn quick() -> GridSpec {
    GridSpec {
        name: "quick".to_string(),
        notes: vec![
            "A reduction of the paper's grid to about 20 minutes on 2 cores. Reduced: 10 of 12 conditions (the two *-detached baselines, swept but not plotted in the paper, are left out); eps in {0, 0.75} instead of {0, 0.25, 0.5, 0.75}; configurations 0-7 instead of all 30; 3 epochs instead of 50.".to_string(),
            "Beyond the paper: 5 000 training images are held out for validation (training uses the other 55 000), so runs can also be selected without looking at the test set; e-ln, inorm and inorm-full are also tested at fixed offsets.".to_string(),
            "protocol §5: the ordering of the main conditions shows after a few epochs at eps = 0.75; the size of the gaps needs the full 50 epochs.".to_string(),
        ],
        conditions: Condition::ALL
            .into_iter()
            .filter(|c| !matches!(c, Condition::EiLnDetached | Condition::ELnDetached))
            .collect(),
        eps: vec![0.0, 0.75],
        configs: (0..8).collect(),
        epochs: 3,
        val_size: 5000,
        ..paper()
    }
}

/// The central claim with five times quick's training.
fn quick_long() -> GridSpec {
    GridSpec {
        name: "quick-long".to_string(),
        notes: vec![
            "The central claim with five times the training: e-ln, inorm and inorm-full at eps = 0.75, configurations 0-7, 15 epochs instead of the quick grid's 3 (the paper trains 50). Shows whether the gaps seen after 3 epochs persist with longer training.".to_string(),
        ],
        eps: vec![0.75],
        epochs: 15,
        ..central_of_quick()
    }
}

/// Quick's protocol at the two levels of ε quick leaves out.
fn quick_mid_eps() -> GridSpec {
    GridSpec {
        name: "quick-mid-eps".to_string(),
        notes: vec![
            "The quick grid's protocol at the two intermediate luminosity levels, for the three conditions of the central claim: e-ln, inorm, inorm-full at eps in {0.25, 0.5}, configurations 0-7, 3 epochs instead of 50. Pooled with the quick grid (eps 0 and 0.75), it covers all four of the paper's levels.".to_string(),
        ],
        eps: vec![0.25, 0.5],
        ..central_of_quick()
    }
}

/// Quick's reductions for the three conditions of the central claim,
/// without offset tests.
fn central_of_quick() -> GridSpec {
    GridSpec {
        conditions: BEYOND_CONDITIONS.to_vec(),
        eval_offsets: Vec::new(),
        offset_conditions: Vec::new(),
        ..quick()
    }
}

fn smoke() -> GridSpec {
    GridSpec {
        name: "smoke".to_string(),
        notes: vec![
            "A smoke test of the whole pipeline on synthetic data (no files): width 32, 3 epochs, 2 000 training images (200 of them held out for validation) and 500 test images. Its numbers say nothing about the paper's claims.".to_string(),
        ],
        dataset: DatasetChoice::Synthetic,
        train_subset: Some(2000),
        test_subset: Some(500),
        val_size: 200,
        eps: vec![0.0, 0.75],
        configs: vec![0, 1, 2],
        width: Some(32),
        epochs: 3,
        probe: 64,
        eval_offsets: vec![-0.5, 0.0, 0.5],
        ..paper()
    }
}

fn multiplicative(base: GridSpec, name: &str, levels: &[f32]) -> GridSpec {
    let mut notes = vec![format!(
        "Beyond the paper: multiplicative luminosity x <- clamp(g x, 0, 1), ln g ~ U(-ln gamma, ln gamma) with gamma = 1/(1 - eps), for {}.",
        BEYOND_CONDITIONS.map(|c| c.id()).join(", ")
    )];
    notes.extend(base.notes.iter().skip(1).cloned());
    GridSpec {
        name: name.to_string(),
        notes,
        conditions: BEYOND_CONDITIONS.to_vec(),
        luminosity: LumKind::Multiplicative,
        eps: levels.to_vec(),
        eval_offsets: Vec::new(),
        offset_conditions: Vec::new(),
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{OrderKind, RunSpec};

    #[test]
    fn every_preset_is_valid() {
        for name in NAMES {
            get(name).unwrap().validate().unwrap();
            assert!(!describe(name).is_empty());
        }
    }

    #[test]
    fn paper_preset_is_spec_section_5() {
        let g = get("paper").unwrap();
        assert_eq!(g.conditions.len(), 12);
        assert_eq!(g.eps, PAPER_EPS.to_vec());
        assert_eq!(g.configs.len(), 30);
        assert_eq!((g.epochs, g.batch, g.order), (50, 32, OrderKind::Fixed));
        assert_eq!((g.width, g.train_subset, g.val_size), (None, None, 0));
    }

    #[test]
    fn the_presets_behind_the_readme_match_their_committed_grids() {
        for name in [
            "quick-long",
            "quick-mid-eps",
            "central",
            "central-rest",
            "central-rest-mid",
            "central-rest-all",
            "central-modes",
            "central-baselines",
            "central-modes-rest",
            "central-claims-rest",
            "scale-precision",
            "ln-precision",
            "scale-precision-bias",
            "local-ln-mse",
            "central-seeds",
        ] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../results")
                .join(name);
            let (_, committed) = crate::run::store::Store::open(&dir).unwrap();
            let preset = get(name).unwrap();
            assert_eq!(preset, committed, "{name}");
        }
    }

    #[test]
    fn central_preset_is_the_paper_protocol_on_ten_configurations() {
        let g = get("central").unwrap();
        assert_eq!(g.runs().len(), 160);
        assert_eq!(g.eps, PAPER_EPS.to_vec());
        assert_eq!(g.configs, (0..10).collect::<Vec<_>>());
        assert_eq!((g.epochs, g.batch, g.order), (50, 32, OrderKind::Fixed));
        assert_eq!(
            (g.width, g.train_subset, g.test_subset, g.val_size),
            (None, None, None, 0)
        );
    }

    #[test]
    fn the_central_rest_grids_complete_centrals_ln_plus_and_inorm_full_to_all_30_configs() {
        let rest = get("central-rest").unwrap().runs();
        let central = get("central").unwrap().runs();
        let at_075 = |c: Condition| {
            let mut configs: Vec<usize> = (central.iter().chain(&rest))
                .filter(|r| r.condition == c && r.eps == 0.75)
                .filter_map(|r| r.config)
                .collect();
            configs.sort_unstable();
            configs
        };
        assert_eq!(rest.len(), 40);
        for c in [E_LN, INORM_FULL] {
            assert_eq!(at_075(c), (0..PAPER_CONFIGS.len()).collect::<Vec<_>>());
        }
        // The middle levels: the same runs at ε 0.25 and 0.5.
        let mid = get("central-rest-mid").unwrap().runs();
        assert_eq!(mid.len(), 80);
        for eps in [0.25, 0.5] {
            let at = |r: &&RunSpec| r.eps == eps;
            let configs = |runs: &[RunSpec]| {
                runs.iter()
                    .filter(at)
                    .map(|r| (r.condition, r.config))
                    .collect::<Vec<_>>()
            };
            let rest_configs: Vec<_> = rest.iter().map(|r| (r.condition, r.config)).collect();
            assert_eq!(configs(&mid), rest_configs, "ε = {eps}");
        }
        // Same protocol as central: only the configurations differ.
        let (r, c) = (&rest[0], &central[0]);
        assert_eq!((r.epochs, r.batch, r.order), (c.epochs, c.batch, c.order));
        assert_eq!((r.precision, &r.data, r.probe), (c.precision, &c.data, c.probe));
    }

    #[test]
    fn the_central_rest_grids_run_central_on_all_30_configs_once() {
        let mut cells: Vec<(Condition, u32, usize)> =
            ["central", "central-rest", "central-rest-mid", "central-rest-all"]
                .into_iter()
                .flat_map(|name| get(name).unwrap().runs())
                .map(|r| (r.condition, r.eps.to_bits(), r.config.unwrap()))
                .collect();
        cells.sort_unstable();
        let mut expected = Vec::new();
        for c in get("central").unwrap().conditions {
            for eps in PAPER_EPS {
                expected.extend((0..PAPER_CONFIGS.len()).map(|k| (c, eps.to_bits(), k)));
            }
        }
        expected.sort_unstable();
        assert_eq!(cells, expected); // every cell once: none missing, none twice
        let (all, central) = (
            &get("central-rest-all").unwrap().runs()[0],
            &get("central").unwrap().runs()[0],
        );
        assert_eq!(
            (all.epochs, all.batch, all.order),
            (central.epochs, central.batch, central.order)
        );
        assert_eq!(
            (all.precision, &all.data, all.probe),
            (central.precision, &central.data, central.probe)
        );
    }

    #[test]
    fn ln_precision_twins_the_f16_inorm_full_controls_with_ln_plus() {
        let g = get("ln-precision").unwrap();
        let runs = g.runs();
        assert_eq!(runs.len(), 20);
        assert!(runs
            .iter()
            .all(|r| r.condition == E_LN && (r.eps == 0.0 || r.eps == 0.75)));
        assert!(runs.iter().all(|r| r.precision == PrecisionChoice::F16Autocast));
        // Each run has an f16 inorm-full twin of the same configuration and seed.
        let controls = get("scale-precision").unwrap().runs();
        for r in &runs {
            let twin = controls.iter().find(|c| {
                c.condition == INORM_FULL && (c.eps, c.config, c.seed) == (r.eps, r.config, r.seed)
            });
            assert_eq!(twin.map(|c| c.hyper.width), Some(r.hyper.width));
        }
    }

    /// The run of `runs` whose id with `suffix` appended is `id`.
    fn twin_with_suffix<'a>(
        runs: &'a [crate::plan::RunSpec],
        id: &str,
        suffix: &str,
    ) -> &'a crate::plan::RunSpec {
        runs.iter()
            .find(|t| format!("{}{suffix}", t.id) == id)
            .unwrap_or_else(|| panic!("{id} has no twin"))
    }

    #[test]
    fn the_claims_grids_run_every_claims_condition_on_all_30_configs_once() {
        let claims = [
            Condition::INorm(ErrorMode::Center),
            Condition::INorm(ErrorMode::Decorrelate),
            Condition::INorm(ErrorMode::Lateral),
            Condition::Ei,
            Condition::EiLn,
        ];
        let grids = [
            "central-modes",
            "central-modes-rest",
            "central-baselines",
            "central-claims-rest",
        ];
        let mut cells: Vec<(Condition, u32, usize)> = grids
            .into_iter()
            .flat_map(|name| get(name).unwrap().runs())
            .filter(|r| claims.contains(&r.condition))
            .map(|r| (r.condition, r.eps.to_bits(), r.config.unwrap()))
            .collect();
        cells.sort_unstable();
        let mut expected = Vec::new();
        for c in claims {
            for eps in [0.0f32, 0.75] {
                expected.extend((0..PAPER_CONFIGS.len()).map(|k| (c, eps.to_bits(), k)));
            }
        }
        expected.sort_unstable();
        assert_eq!(cells, expected); // every cell once: none missing, none twice

        // Each run of the new grid has an LN+ twin in the central grids, trained alike.
        let ln: Vec<_> = ["central", "central-rest", "central-rest-all"]
            .into_iter()
            .flat_map(|name| get(name).unwrap().runs())
            .filter(|r| r.condition == E_LN)
            .collect();
        for r in get("central-claims-rest").unwrap().runs() {
            let twin = ln
                .iter()
                .find(|l| l.config == r.config && l.eps == r.eps)
                .unwrap_or_else(|| panic!("{} has no LN+ twin", r.id));
            assert_eq!((twin.hyper, twin.seed, twin.epochs), (r.hyper, r.seed, r.epochs));
            assert_eq!(
                (twin.batch, twin.order, twin.precision),
                (r.batch, r.order, r.precision)
            );
        }
    }

    #[test]
    fn central_modes_rest_pairs_with_central_rests_ln_plus() {
        let runs = get("central-modes-rest").unwrap().runs();
        assert_eq!(runs.len(), 40);
        let ln = get("central-rest").unwrap().runs();
        for r in &runs {
            assert!(matches!(
                r.condition,
                Condition::INorm(ErrorMode::Center | ErrorMode::Lateral)
            ));
            let twin = ln
                .iter()
                .find(|l| l.condition == E_LN && l.config == r.config && l.eps == r.eps)
                .unwrap_or_else(|| panic!("{} has no LN+ twin", r.id));
            assert_eq!((twin.hyper, twin.seed, twin.epochs), (r.hyper, r.seed, r.epochs));
        }
    }

    #[test]
    fn central_seeds_reruns_centrals_eps_0_75_cells_with_new_seeds_only() {
        let central = get("central").unwrap().runs();
        let runs = get("central-seeds").unwrap().runs();
        assert_eq!(runs.len(), 3 * 10 * 2);
        for r in &runs {
            assert!(r.seed == 1 || r.seed == 2);
            let twin = central
                .iter()
                .find(|c| (c.condition, c.eps, c.config) == (r.condition, r.eps, r.config))
                .expect("every cell is one of central's");
            assert_eq!(
                (twin.hyper, twin.epochs, twin.batch),
                (r.hyper, r.epochs, r.batch)
            );
            assert_ne!(twin.id, r.id, "a new seed is a new run");
        }
    }

    #[test]
    fn local_ln_mse_twins_centrals_inorm_full_with_the_other_loss() {
        let runs = get("local-ln-mse").unwrap().runs();
        assert_eq!(runs.len(), 30);
        let central = get("central").unwrap().runs();
        for r in &runs {
            assert_eq!(r.optim.local_loss, LocalLossChoice::LnMse);
            assert!(r.eps > 0.0 && r.eval_offsets.is_empty());
            let twin = twin_with_suffix(&central, &r.id, "_lnmse");
            assert_eq!(
                (twin.condition, twin.hyper, twin.epochs),
                (r.condition, r.hyper, r.epochs)
            );
            assert_eq!(crate::run::train::hyper(r), crate::run::train::hyper(twin));
        }
    }

    #[test]
    fn scale_precision_bias_twins_scale_precision_at_075_with_biases_in_f32() {
        let runs = get("scale-precision-bias").unwrap().runs();
        assert_eq!(runs.len(), 20);
        let addmm = get("scale-precision").unwrap().runs();
        for r in &runs {
            assert_eq!(r.precision, PrecisionChoice::F16AutocastF32Bias);
            let twin = twin_with_suffix(&addmm, &r.id, "bias");
            assert_eq!(
                (twin.condition, twin.eps, twin.hyper),
                (r.condition, 0.75, r.hyper)
            );
        }
    }

    #[test]
    fn scale_precision_is_forty_scale_runs_and_forty_controls_in_f16() {
        let g = get("scale-precision").unwrap();
        let runs = g.runs();
        assert_eq!(runs.len(), 80);
        let count = |c: &str, eps: f32| {
            runs.iter()
                .filter(|r| r.condition.to_string() == c && r.eps == eps)
                .count()
        };
        for eps in PAPER_EPS {
            assert_eq!(count("inorm-scale", eps), 10);
            let controls = if eps == 0.0 || eps == 0.75 { 10 } else { 0 };
            assert_eq!(
                (count("inorm", eps), count("inorm-full", eps)),
                (controls, controls)
            );
        }
        assert!(runs
            .iter()
            .all(|r| r.precision == PrecisionChoice::F16Autocast && r.id.ends_with("_f16")));
        assert_eq!((g.epochs, g.batch, g.order), (50, 32, OrderKind::Fixed));
        // The same cells as central's, under ids of their own.
        let central = get("central").unwrap().runs();
        for r in &runs {
            let twin = central.iter().find(|c| format!("{}_f16", c.id) == r.id).unwrap();
            assert_eq!((twin.hyper, twin.seed), (r.hyper, r.seed));
        }
    }
}
