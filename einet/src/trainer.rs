//! One training run: the network, its optimizer settings and state, and
//! the tape it reuses every step.
//!
//! A training step:
//! ```text
//! tape.clear()                              keep every buffer
//! x      = tape.input(batch)                data: no gradient
//! logits = network(x)                       parameters moved onto the tape (no copy):
//!                                           trainable ones tracked, frozen ones constant
//! L      = CE_smooth(logits, y) + Σ_layers L_local
//! backward(L)                               the stops keep the task and local errors apart;
//!   p ← update(p, ∂L/∂p)                    each parameter as soon as its gradient is complete
//! take(p)                                   each value moved back
//! ```
//! Evaluation and the measurements run forward only, every parameter a
//! constant (moved in and back out the same way).
//!
//! Under [`Precision::F16Autocast`] ([`Trainer::set_precision`]) the
//! forward pass and the loss are recorded in half precision by autocast's
//! rules, like a PyTorch step inside `torch.autocast`; the backward pass
//! follows the precision each node was recorded in, and the parameters and
//! the update stay `f32`. Evaluation and the measurements run in `f32`.

use autograd::{Precision, Tape};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::layers::homeostasis::LocalTarget;
use crate::measure::{self, Alignment, Moments};
use crate::network::{NetSpec, Network};
use crate::optim::Hyper;
use crate::param::{Bind, Group};

/// Label smoothing of the cross-entropy (protocol §2).
pub const LABEL_SMOOTHING: f32 = 0.1;

/// Loss and accuracy totals over a batch (add them up over a data set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchEval {
    /// Sum over samples of the (label-smoothed) cross-entropy.
    pub loss_sum: f64,
    /// Samples whose largest logit is their label (a row with a non-finite
    /// logit counts as wrong).
    pub correct: usize,
    pub n: usize,
}

impl BatchEval {
    /// Adds `other`'s totals into `self`.
    pub fn merge(&mut self, other: &BatchEval) {
        self.loss_sum += other.loss_sum;
        self.correct += other.correct;
        self.n += other.n;
    }

    /// Fraction correct, in `[0, 1]` (0 for no samples).
    pub fn accuracy(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.correct as f64 / self.n as f64
        }
    }

    /// Mean loss per sample (NaN for no samples).
    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.n as f64
    }
}

/// A network being trained.
pub struct Trainer {
    pub(crate) net: Network,
    pub(crate) hyper: Hyper,
    pub(crate) seed: u64,
    pub(crate) steps: u64,
    /// The first non-finite tensor of the last step.
    non_finite: Option<String>,
    /// The precision of a training step's forward pass.
    precision: Precision,
    tape: Tape,
}

impl Trainer {
    /// Builds the network of `spec`, initialized from `seed`. Panics on a
    /// spec that [`NetSpec::validate`] rejects.
    pub fn new(spec: &NetSpec, hyper: &Hyper, seed: u64) -> Trainer {
        let net = Network::new(spec, &mut StdRng::seed_from_u64(seed));
        Trainer::from_parts(net, *hyper, seed, 0)
    }

    pub(crate) fn from_parts(net: Network, hyper: Hyper, seed: u64, steps: u64) -> Trainer {
        Trainer {
            net,
            hyper,
            seed,
            steps,
            non_finite: None,
            precision: Precision::F32,
            tape: Tape::new(),
        }
    }

    /// One step of training on the batch `x` (`y.len()` rows of `n_in`
    /// values) with labels `y`. Returns the batch's mean task loss (before
    /// the update; the local losses are not included).
    pub fn step(&mut self, x: &[f32], y: &[usize]) -> f32 {
        let rows = self.check_batch("step", x, y.len());
        let tape = &mut self.tape;
        tape.clear();
        tape.set_precision(self.precision); // the autocast region: forward and loss
        let xv = tape.input(rows, self.net.spec().n_in, x);
        // The first non-finite tensor, in the order the step computes them.
        let mut non_finite = None;
        let f = self.net.forward(
            tape,
            xv,
            Bind::Train,
            self.hyper.lambda_local,
            &mut |tape, l, v| {
                if non_finite.is_none() && !all_finite(tape.value(v).data()) {
                    non_finite = Some(format!("activity of hidden layer {}", l + 1));
                }
            },
        );
        let task = tape.cross_entropy(f.logits, y, LABEL_SMOOTHING);
        let total = match f.local {
            Some(local) => tape.add(task, local),
            None => task,
        };
        tape.set_precision(Precision::F32);
        // Each parameter is updated as soon as its gradient is complete,
        // while the gradient is still in cache (see `Tape::backward_with`).
        let (net, hyper) = (&mut self.net, &self.hyper);
        let mut stepped_non_finite = Vec::new();
        tape.backward_with(total, &mut |leaf, value, grad| {
            net.for_each_param(&mut |p| {
                if p.var == Some(leaf) && !hyper.update_bound(p, value, grad) {
                    stepped_non_finite.push(leaf);
                }
            });
        });

        let loss = tape.value(task).data()[0];
        if non_finite.is_none() && !loss.is_finite() {
            non_finite = Some("training loss".to_string());
        }
        let depth = self.net.spec().depth;
        // Every layer visits its W_ex first, so counting them gives the layer.
        let mut layer = 0;
        self.net.for_each_param(&mut |p| {
            p.unbind(tape); // the updated value comes back from the tape
            layer += usize::from(p.group == Group::Ex);
            let stepped_to = p.var.filter(|v| stepped_non_finite.contains(v));
            if stepped_to.is_some() && non_finite.is_none() {
                non_finite = Some(param_name(p.group, layer, depth));
            }
        });
        // Name the first non-finite node of the step, when the tape holds one
        // (a scan of every value, so only once something was seen).
        if let Some(what) = &mut non_finite {
            if let Some(v) = tape.first_non_finite() {
                *what = format!("{what}; first non-finite node: {}", tape.describe(v));
            }
        }
        self.non_finite = non_finite;
        self.steps += 1;
        loss
    }

    /// After a [`step`](Self::step): the first non-finite tensor it met, in
    /// the order it computes them: a hidden layer's normalized output
    /// (`activity of hidden layer 1`), the loss (`training loss`), a
    /// parameter after its update (`W_ex of hidden layer 2`). The checks ride
    /// on passes the step makes anyway.
    pub fn non_finite(&self) -> Option<&str> {
        self.non_finite.as_deref()
    }

    /// Loss and accuracy on a batch, forward only.
    pub fn evaluate(&mut self, x: &[f32], y: &[usize]) -> BatchEval {
        let rows = self.check_batch("evaluate", x, y.len());
        let tape = &mut self.tape;
        tape.clear();
        let xv = tape.input(rows, self.net.spec().n_in, x);
        let f = self.net.forward(tape, xv, Bind::Eval, 0.0, &mut |_, _, _| {});
        self.net.unbind(tape);
        let loss = tape.cross_entropy(f.logits, y, LABEL_SMOOTHING);
        let logits = tape.value(f.logits);
        let correct = (0..rows)
            .filter(|&r| predicted(logits.row(r)) == Some(y[r]))
            .count();
        BatchEval {
            loss_sum: tape.value(loss).data()[0] as f64 * rows as f64,
            correct,
            n: rows,
        }
    }

    /// Per hidden layer, the moments of its normalized output on `x` (protocol §6).
    pub fn moments(&mut self, x: &[f32], rows: usize) -> Vec<Moments> {
        self.check_batch("moments", x, rows);
        measure::moments(&mut self.net, &mut self.tape, x, rows)
    }

    /// Per hidden layer, its alignment with layer norm on the probe batch
    /// `x` (protocol §6; see [`measure`]). The probe error is that of
    /// `Σ relu(·)`, so `y` only gives the row count, as in [`step`](Self::step).
    pub fn alignment(&mut self, x: &[f32], y: &[usize]) -> Vec<Alignment> {
        let rows = self.check_batch("alignment", x, y.len());
        measure::alignment(&mut self.net, &mut self.tape, x, rows)
    }

    pub fn spec(&self) -> &NetSpec {
        self.net.spec()
    }

    /// The tape of the last step, evaluation or measurement (print it to
    /// see every node; the parameters have been moved back out).
    pub fn tape(&self) -> &Tape {
        &self.tape
    }

    /// Where the last step's forward pass first turned non-finite: that
    /// node's line of the printed tape (see `autograd::Tape::describe`).
    pub fn first_non_finite(&self) -> Option<String> {
        self.tape.first_non_finite().map(|v| self.tape.describe(v))
    }

    /// Trains in `precision` from the next step on (`f32` by default).
    pub fn set_precision(&mut self, precision: Precision) {
        self.precision = precision;
    }

    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// What the I-Norm local losses ask of their outputs from the next step
    /// on (the paper's moments by default). Like the precision, not part of
    /// a checkpoint: set it again after loading one.
    pub fn set_local_target(&mut self, target: LocalTarget) {
        self.net.set_local_target(target);
    }

    pub fn hyper(&self) -> &Hyper {
        &self.hyper
    }

    /// The seed the network was initialized from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Training steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Floating-point operations done by matrix products on this trainer's
    /// tape since it was made (steps, evaluations and measurements; see
    /// `autograd::Tape::matmul_flops`). A loaded trainer starts from 0.
    pub fn matmul_flops(&self) -> u64 {
        self.tape.matmul_flops()
    }

    fn check_batch(&self, what: &str, x: &[f32], rows: usize) -> usize {
        let n_in = self.net.spec().n_in;
        assert_eq!(
            x.len(),
            rows * n_in,
            "{what}: {} values for {rows} rows of {n_in}",
            x.len()
        );
        rows
    }
}

/// Whether every value is finite (no early exit, so it vectorizes).
fn all_finite(values: &[f32]) -> bool {
    values.iter().fold(true, |ok, v| ok & v.is_finite())
}

/// `W_ex of hidden layer 1`, `b of the output layer`.
fn param_name(group: Group, layer: usize, depth: usize) -> String {
    let symbol = match group {
        Group::Ex => "W_ex",
        Group::Bias => "b",
        Group::Ix => "W_ix",
        Group::BIx => "B_ix",
        Group::Ei => "W_ei",
        Group::BEi => "B_ei",
    };
    if layer > depth {
        format!("{symbol} of the output layer")
    } else {
        format!("{symbol} of hidden layer {layer}")
    }
}

/// The index of the largest logit, `None` if any is not finite.
fn predicted(logits: &[f32]) -> Option<usize> {
    if logits.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut best = 0;
    for (k, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = k;
        }
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::Condition;
    use autograd::ErrorMode;

    fn small(condition: Condition) -> Trainer {
        let spec = NetSpec {
            n_in: 20,
            width: 16,
            depth: 2,
            n_out: 4,
            condition,
        };
        Trainer::new(&spec, &Hyper::paper(0.05, 1e-3, 0.1), 7)
    }

    #[test]
    fn a_half_precision_step_overflows_where_f32_does_not() {
        // Inputs of 10⁴ drive x·W_exᵀ past 65 504: ∞ in half, then layer norm's
        // ∞ − ∞ is NaN; f32 holds the same drive and layer norm tames it.
        let (x, y) = batch(4, 1);
        let x: Vec<f32> = x.iter().map(|v| v * 1.0e4).collect();
        let [(f32_loss, f32_first), (f16_loss, f16_first)] =
            [Precision::F32, Precision::F16Autocast].map(|precision| {
                let mut t = small(Condition::ELn);
                t.set_precision(precision);
                (t.step(&x, &y), t.first_non_finite())
            });
        assert!(f32_loss.is_finite() && f32_first.is_none(), "f32: {f32_loss}");
        assert!(f16_loss.is_nan(), "f16: {f16_loss}");
        // The first non-finite value is the first layer's product (after x, W_ex and b).
        let first = f16_first.expect("the half step overflowed");
        assert!(first.starts_with("%3 = matmul(%0, %1)  (4, 16)"), "{first}");
        // The default is f32, and evaluation runs in f32 after a half step.
        let mut t = small(Condition::ELn);
        assert_eq!(t.precision(), Precision::F32);
        t.set_precision(Precision::F16Autocast);
        let (x, y) = batch(4, 2);
        assert!(t.step(&x, &y).is_finite());
        assert!(t.evaluate(&x, &y).mean_loss().is_finite());
    }

    /// A batch whose label is which quarter of the input is brightest.
    fn batch(rows: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
        let x = autograd::seeded_positive(rows, 20, seed);
        let mut data = x.data().to_vec();
        let y: Vec<usize> = (0..rows).map(|r| (r * 7 + seed as usize) % 4).collect();
        for (r, &label) in y.iter().enumerate() {
            for j in label * 5..label * 5 + 5 {
                data[r * 20 + j] += 1.0;
            }
        }
        (data, y)
    }

    #[test]
    fn predicted_class_is_the_first_largest_finite_logit() {
        assert_eq!(predicted(&[0.1, 0.5, 0.5]), Some(1));
        assert_eq!(predicted(&[f32::NAN, 0.5]), None);
    }

    #[test]
    fn training_lowers_the_loss_in_every_condition() {
        for condition in Condition::ALL {
            let mut t = small(condition);
            let (x, y) = batch(32, 1);
            let before = t.evaluate(&x, &y).mean_loss();
            for _ in 0..30 {
                t.step(&x, &y);
            }
            let after = t.evaluate(&x, &y).mean_loss();
            assert!(after < before, "{condition}: {before} -> {after}");
            assert_eq!(t.steps(), 30);
        }
    }

    #[test]
    fn step_returns_the_loss_evaluate_reports_before_it() {
        let mut t = small(Condition::INorm(ErrorMode::Full));
        let (x, y) = batch(8, 2);
        let eval = t.evaluate(&x, &y);
        let loss = t.step(&x, &y);
        assert!((eval.mean_loss() - loss as f64).abs() < 1e-5);
    }

    #[test]
    fn clamps_hold_after_steps_with_large_learning_rates() {
        for condition in Condition::ALL {
            let spec = NetSpec {
                n_in: 20,
                width: 16,
                depth: 2,
                n_out: 4,
                condition,
            };
            let mut t = Trainer::new(&spec, &Hyper::paper(2.0, 2.0, 2.0), 8);
            let (x, y) = batch(16, 3);
            for _ in 0..10 {
                t.step(&x, &y);
            }
            let mut clamped = 0;
            t.net.for_each_param(&mut |p| {
                if p.group.non_negative() {
                    assert!(
                        p.value.data().iter().all(|&v| v >= 0.0),
                        "{condition}: {:?}",
                        p.group
                    );
                    clamped += p.value.data().iter().filter(|&&v| v == 0.0).count();
                }
            });
            assert!(
                clamped > 0,
                "{condition}: the rates were too small to hit the bound"
            );
        }
    }

    #[test]
    fn frozen_inorm_weights_never_change() {
        let mut t = small(Condition::INorm(ErrorMode::Center));
        let mut before = Vec::new();
        t.net.for_each_param(&mut |p| before.push(p.value.clone()));
        let (x, y) = batch(16, 4);
        for _ in 0..5 {
            t.step(&x, &y);
        }
        let (mut i, mut frozen) = (0, 0);
        t.net.for_each_param(&mut |p| {
            if p.trained == crate::param::Trained::Frozen {
                assert_eq!(p.value, before[i], "{:?}", p.group);
                frozen += 1;
            } else if p.group == crate::param::Group::Ex {
                assert_ne!(p.value, before[i]);
            }
            i += 1;
        });
        assert_eq!(frozen, 4); // W_ei and B_ei of both hidden layers
    }

    #[test]
    fn same_seed_and_batches_give_bitwise_identical_runs() {
        let run = || {
            let mut t = small(Condition::INorm(ErrorMode::Lateral));
            let (x, y) = batch(8, 5);
            (0..5).map(|_| t.step(&x, &y).to_bits()).collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn a_step_that_makes_a_parameter_non_finite_names_it() {
        let mut t = small(Condition::Ei);
        let (x, y) = batch(8, 6);
        t.step(&x, &y);
        assert_eq!(t.non_finite(), None);
        let mut huge = Trainer::new(t.spec(), &Hyper::paper(f32::MAX, 0.1, 0.1), 7);
        let mut named = None;
        for _ in 0..5 {
            huge.step(&x, &y);
            named = named.or(huge.non_finite().map(String::from));
        }
        let named = named.expect("a step of rate f32::MAX overflows");
        assert!(named.contains("layer"), "{named}");
        assert_eq!(param_name(Group::Bias, 3, 2), "b of the output layer");
        assert_eq!(param_name(Group::Ex, 2, 2), "W_ex of hidden layer 2");
    }

    #[test]
    fn a_non_finite_activity_is_reported_with_its_layer_and_first_node() {
        // A step of rate 1e38 sends the weights and biases near f32::MAX: the
        // next step's matmul overflows and the layer norm's output is NaN.
        let spec = NetSpec {
            n_in: 20,
            width: 16,
            depth: 2,
            n_out: 4,
            condition: Condition::ELn,
        };
        let mut t = Trainer::new(&spec, &Hyper::paper(1e38, 0.1, 0.1), 7);
        let (x, y) = batch(8, 6);
        let mut seen = None;
        for _ in 0..5 {
            let loss = t.step(&x, &y);
            if let Some(tensor) = t.non_finite() {
                seen = Some((tensor.to_string(), loss));
                break;
            }
        }
        let (tensor, _) = seen.expect("the activity turns non-finite");
        assert!(
            tensor.starts_with("activity of hidden layer 1; first non-finite node: %"),
            "{tensor}"
        );
    }

    #[test]
    fn trainer_can_move_to_another_thread() {
        fn send<T: Send>(_: &T) {}
        send(&small(Condition::INorm(ErrorMode::Lateral)));
    }

    #[test]
    fn batch_evals_merge_into_totals() {
        let mut a = BatchEval {
            loss_sum: 2.0,
            correct: 3,
            n: 4,
        };
        a.merge(&BatchEval {
            loss_sum: 1.0,
            correct: 1,
            n: 4,
        });
        assert_eq!((a.mean_loss(), a.accuracy()), (0.375, 0.5));
    }
}
