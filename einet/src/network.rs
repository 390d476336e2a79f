//! The network of protocol §2: `n_in → width → … → width → n_out`, hidden
//! layers of the condition's type with ReLU after each, and an E-I dense
//! output layer with one inhibitory unit.
//!
//! Each hidden layer works in two steps; the measurements (`measure`)
//! compare the second with layer norm:
//! ```text
//! z      = the layer's dense computation (E-I, E, I-Norm, I-Norm sub)
//! out    = LN(z) | detached LN(z) | normalize_error(z) | z
//! x_next = relu(out)
//! ```

use std::sync::Arc;

use autograd::{Tape, Var};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::condition::{Condition, HiddenKind};
use crate::init::n_inhibitory;
use crate::layers::e_dense::EDense;
use crate::layers::ei_dense::EiDense;
use crate::layers::homeostasis::LocalTarget;
use crate::layers::inorm::INorm;
use crate::layers::inorm_sub::INormSub;
use crate::layers::norm::{self, DetachedLayerNorm};
use crate::layers::LayerOut;
use crate::param::{Bind, Param};

/// The architecture: sizes and the condition of the hidden layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetSpec {
    pub n_in: usize,
    /// Units per hidden layer (`ne`).
    pub width: usize,
    /// Number of hidden layers.
    pub depth: usize,
    pub n_out: usize,
    pub condition: Condition,
}

/// A [`NetSpec`] that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("width {width} is too small: an E-I layer needs at least 2 excitatory units")]
    WidthTooSmall { width: usize },
    #[error("n_out {n_out} is too small: the E-I output layer needs at least 2 units")]
    OutputTooSmall { n_out: usize },
    #[error("n_in must be positive")]
    NoInputs,
    #[error("{condition} needs n_in >= width for its SVD initialization, got n_in {n_in} < width {width}")]
    INormTooWide {
        condition: Condition,
        n_in: usize,
        width: usize,
    },
}

impl NetSpec {
    /// The paper's network: `784 → width → width → 10`.
    pub fn paper(condition: Condition, width: usize) -> NetSpec {
        NetSpec {
            n_in: 784,
            width,
            depth: 2,
            n_out: 10,
            condition,
        }
    }

    /// Checks that the network can be built.
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.n_in == 0 {
            return Err(SpecError::NoInputs);
        }
        if self.depth > 0 && self.width < 2 {
            return Err(SpecError::WidthTooSmall { width: self.width });
        }
        if self.n_out < 2 {
            return Err(SpecError::OutputTooSmall { n_out: self.n_out });
        }
        if matches!(self.condition, Condition::INorm(_)) && self.depth > 0 && self.n_in < self.width {
            return Err(SpecError::INormTooWide {
                condition: self.condition,
                n_in: self.n_in,
                width: self.width,
            });
        }
        Ok(())
    }

    /// Inputs of hidden layer `l` (and of the output layer at `l = depth`).
    pub fn fan_in(&self, l: usize) -> usize {
        if l == 0 {
            self.n_in
        } else {
            self.width
        }
    }
}

/// One hidden layer, of the condition's type.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Hidden {
    Ei(EiDense),
    E(EDense),
    /// Boxed: twice the size of the other layers' parameter sets.
    INorm(Box<INorm>),
    INormSub(INormSub),
}

impl Hidden {
    fn new(kind: HiddenKind, n_in: usize, ne: usize, rng: &mut impl Rng) -> Hidden {
        match kind {
            HiddenKind::Ei => Hidden::Ei(EiDense::new(n_in, ne, n_inhibitory(ne), rng)),
            HiddenKind::E => Hidden::E(EDense::new(n_in, ne, rng)),
            HiddenKind::INorm(mode) => Hidden::INorm(Box::new(INorm::new(n_in, ne, mode, rng))),
            HiddenKind::INormSub => Hidden::INormSub(INormSub::new(n_in, ne, rng)),
        }
    }

    /// The excitatory weights, which the task error trains in every layer type.
    pub fn w_ex(&self) -> &Param {
        match self {
            Hidden::Ei(l) => &l.w_ex,
            Hidden::E(l) => &l.w_ex,
            Hidden::INorm(l) => &l.w_ex,
            Hidden::INormSub(l) => &l.w_ex,
        }
    }

    fn for_each_param(&mut self, f: &mut dyn FnMut(&mut Param)) {
        match self {
            Hidden::Ei(l) => l.for_each_param(f),
            Hidden::E(l) => l.for_each_param(f),
            Hidden::INorm(l) => l.for_each_param(f),
            Hidden::INormSub(l) => l.for_each_param(f),
        }
    }
}

/// What one forward pass produced.
#[derive(Clone, Copy, Debug)]
pub struct Forward {
    /// (B, n_out).
    pub logits: Var,
    /// Sum of the hidden layers' local losses (training of I-Norm layers only).
    pub local: Option<Var>,
}

/// The layers and their parameters.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Network {
    spec: NetSpec,
    hidden: Vec<Hidden>,
    output: EiDense,
    #[serde(skip)]
    detached_ln: Arc<DetachedLayerNorm>,
}

impl Network {
    /// Builds and initializes the network of `spec` (panics on a spec that
    /// [`NetSpec::validate`] rejects).
    pub fn new(spec: &NetSpec, rng: &mut impl Rng) -> Network {
        if let Err(e) = spec.validate() {
            panic!("Network::new: {e}");
        }
        let kind = spec.condition.hidden();
        let hidden = (0..spec.depth)
            .map(|l| Hidden::new(kind, spec.fan_in(l), spec.width, rng))
            .collect();
        let output = EiDense::new(spec.fan_in(spec.depth), spec.n_out, 1, rng);
        Network {
            spec: *spec,
            hidden,
            output,
            detached_ln: Arc::default(),
        }
    }

    pub fn spec(&self) -> &NetSpec {
        &self.spec
    }

    pub fn hidden(&self) -> &[Hidden] {
        &self.hidden
    }

    pub fn output(&self) -> &EiDense {
        &self.output
    }

    /// Hidden layer `l` on `x` (B, fan_in): `z`, its normalized output `out`
    /// (before the ReLU), and its local loss when training.
    pub fn layer(&mut self, l: usize, tape: &mut Tape, x: Var, bind: Bind, lambda: f32) -> LayerOut {
        let layer_norm = self.spec.condition.layer_norm();
        let dense = |z: Var, tape: &mut Tape| LayerOut {
            z,
            out: norm::apply(tape, z, layer_norm, &self.detached_ln),
            local: None,
        };
        match &mut self.hidden[l] {
            Hidden::Ei(layer) => {
                let z = layer.forward(tape, x, bind);
                dense(z, tape)
            }
            Hidden::E(layer) => {
                let z = layer.forward(tape, x, bind);
                dense(z, tape)
            }
            Hidden::INorm(layer) => layer.forward(tape, x, bind, lambda),
            Hidden::INormSub(layer) => layer.forward(tape, x, bind, lambda),
        }
    }

    /// The whole forward pass from `x` (B, n_in) to the logits. Calls
    /// `on_hidden(tape, l, out)` with every hidden layer's normalized
    /// pre-ReLU output.
    pub fn forward(
        &mut self,
        tape: &mut Tape,
        x: Var,
        bind: Bind,
        lambda: f32,
        on_hidden: &mut dyn FnMut(&Tape, usize, Var),
    ) -> Forward {
        let mut x = x;
        let mut local: Option<Var> = None;
        for l in 0..self.hidden.len() {
            let layer = self.layer(l, tape, x, bind, lambda);
            on_hidden(tape, l, layer.out);
            x = tape.relu(layer.out);
            local = match (local, layer.local) {
                (Some(a), Some(b)) => Some(tape.add(a, b)),
                (a, b) => a.or(b),
            };
        }
        let logits = self.output.forward(tape, x, bind);
        Forward { logits, local }
    }

    /// What the I-Norm layers' local losses ask of their outputs (the
    /// subtractive-only I-Norm keeps its centring loss).
    pub fn set_local_target(&mut self, target: LocalTarget) {
        for layer in &mut self.hidden {
            if let Hidden::INorm(l) = layer {
                l.target = target;
            }
        }
    }

    /// Moves every bound parameter back from `tape` (see [`Param::unbind`]).
    /// Every forward pass binds; call this before the tape is cleared.
    pub fn unbind(&mut self, tape: &mut Tape) {
        self.for_each_param(&mut |p| p.unbind(tape));
    }

    /// Visits every parameter (hidden layers in order, then the output layer).
    pub fn for_each_param(&mut self, f: &mut dyn FnMut(&mut Param)) {
        for layer in &mut self.hidden {
            layer.for_each_param(f);
        }
        self.output.for_each_param(f);
    }

    /// Checks that the layers match the spec (for networks read from disk).
    pub(crate) fn check_against_spec(&self) -> Result<(), String> {
        let spec = &self.spec;
        spec.validate().map_err(|e| e.to_string())?;
        if self.hidden.len() != spec.depth {
            return Err(format!(
                "{} hidden layers for depth {}",
                self.hidden.len(),
                spec.depth
            ));
        }
        let shape = |name: &str, l: usize, p: &Param, want: (usize, usize)| {
            if p.value.shape() == want {
                Ok(())
            } else {
                Err(format!(
                    "layer {l} {name} is {:?}, expected {want:?}",
                    p.value.shape()
                ))
            }
        };
        // Weights as stored: transposed, (n_in, n_out).
        let ei = |l: usize, layer: &EiDense, n_in: usize, ne: usize| {
            let ni = layer.w_ix.value.cols();
            shape("w_ex", l, &layer.w_ex, (n_in, ne))?;
            shape("w_ix", l, &layer.w_ix, (n_in, ni))?;
            shape("w_ei", l, &layer.w_ei, (ni, ne))?;
            shape("b", l, &layer.b, (1, ne))
        };
        let kind = spec.condition.hidden();
        for (l, layer) in self.hidden.iter().enumerate() {
            let (n_in, ne) = (spec.fan_in(l), spec.width);
            match (layer, kind) {
                (Hidden::Ei(layer), HiddenKind::Ei) => ei(l, layer, n_in, ne)?,
                (Hidden::E(layer), HiddenKind::E) => {
                    shape("w_ex", l, &layer.w_ex, (n_in, ne))?;
                    shape("b", l, &layer.b, (1, ne))?;
                }
                (Hidden::INorm(layer), HiddenKind::INorm(mode)) if layer.mode == mode => {
                    let ni = layer.w_ix.value.cols();
                    shape("w_ex", l, &layer.w_ex, (n_in, ne))?;
                    shape("b", l, &layer.b, (1, ne))?;
                    shape("w_ix", l, &layer.w_ix, (n_in, ni))?;
                    shape("w_ei", l, &layer.w_ei, (ni, ne))?;
                    shape("b_ix", l, &layer.b_ix, (n_in, ne))?;
                    shape("b_ei", l, &layer.b_ei, (ne, ne))?;
                    let lateral = if mode == autograd::ErrorMode::Lateral {
                        ne
                    } else {
                        0
                    };
                    if layer.lateral.len() != lateral {
                        return Err(format!("layer {l} has {} lateral weights", layer.lateral.len()));
                    }
                }
                (Hidden::INormSub(layer), HiddenKind::INormSub) => {
                    let ni = layer.w_ix.value.cols();
                    shape("w_ex", l, &layer.w_ex, (n_in, ne))?;
                    shape("b", l, &layer.b, (1, ne))?;
                    shape("w_ix", l, &layer.w_ix, (n_in, ni))?;
                    shape("w_ei", l, &layer.w_ei, (ni, ne))?;
                }
                _ => return Err(format!("layer {l} is not of the type {} needs", spec.condition)),
            }
        }
        ei(spec.depth, &self.output, spec.fan_in(spec.depth), spec.n_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use autograd::ErrorMode;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn paper_spec_is_784_width_width_10() {
        let spec = NetSpec::paper(Condition::Ei, 300);
        assert_eq!((spec.n_in, spec.width, spec.depth, spec.n_out), (784, 300, 2, 10));
        assert_eq!(spec.validate(), Ok(()));
    }

    #[test]
    fn inorm_wider_than_its_input_is_rejected() {
        let spec = NetSpec {
            n_in: 20,
            width: 30,
            depth: 1,
            n_out: 10,
            condition: Condition::INorm(ErrorMode::Full),
        };
        assert!(matches!(spec.validate(), Err(SpecError::INormTooWide { .. })));
        // Other conditions do not need the SVD.
        assert_eq!(
            NetSpec {
                condition: Condition::Ei,
                ..spec
            }
            .validate(),
            Ok(())
        );
    }

    #[test]
    fn every_condition_builds_layers_that_match_its_spec() {
        for condition in Condition::ALL {
            let spec = NetSpec {
                n_in: 16,
                width: 12,
                depth: 2,
                n_out: 3,
                condition,
            };
            let net = Network::new(&spec, &mut StdRng::seed_from_u64(0));
            assert_eq!(net.check_against_spec(), Ok(()), "{condition}");
            let mut tape = Tape::new();
            let mut net = net;
            let x = tape.input(5, 16, autograd::seeded_positive(5, 16, 1).data());
            let mut seen = Vec::new();
            let f = net.forward(&mut tape, x, Bind::Train, 0.01, &mut |_, l, _| seen.push(l));
            assert_eq!(tape.value(f.logits).shape(), (5, 3));
            assert_eq!(seen, [0, 1]);
            let has_local = matches!(condition, Condition::INorm(_) | Condition::INormSub);
            assert_eq!(f.local.is_some(), has_local, "{condition}");
        }
    }

    #[test]
    fn ei_network_task_gradients_match_finite_differences() {
        // Every parameter of a whole E-I network (two hidden layers and the
        // output layer), through Network::forward and the smoothed cross-entropy.
        let spec = NetSpec {
            n_in: 6,
            width: 5,
            depth: 2,
            n_out: 3,
            condition: Condition::Ei,
        };
        let mut net = Network::new(&spec, &mut StdRng::seed_from_u64(1));
        net.for_each_param(&mut |p| {
            if p.group == crate::param::Group::Bias {
                p.value = autograd::seeded(1, p.value.cols(), 2); // off zero, to exercise it
            }
        });
        let x = autograd::seeded_positive(4, 6, 3);
        let y = [0, 1, 2, 1];
        let loss = |net: &mut Network, bind: Bind| {
            let mut tape = Tape::new();
            let xv = tape.input(4, 6, x.data());
            let f = net.forward(&mut tape, xv, bind, 0.0, &mut |_, _, _| {});
            let loss = tape.cross_entropy(f.logits, &y, crate::trainer::LABEL_SMOOTHING);
            if bind == Bind::Eval {
                net.unbind(&mut tape);
            }
            (tape, loss)
        };
        let (mut tape, l) = loss(&mut net, Bind::Train);
        tape.backward(l);
        net.unbind(&mut tape);
        let mut analytic = Vec::new();
        net.for_each_param(&mut |p| analytic.push(p.var.and_then(|v| tape.grad(v)).cloned()));
        assert_eq!(analytic.len(), 12);

        let mut values = Vec::new();
        net.for_each_param(&mut |p| values.push(p.value.clone()));
        let value_of = |k: usize, i: usize| values[k].data()[i];
        let step = 1e-3f32;
        let mut report = autograd::GradcheckReport::default();
        for (k, grad) in analytic.iter().enumerate() {
            let grad = grad.as_ref().expect("every E-I parameter gets a task gradient");
            for i in 0..grad.len() {
                // Sets entry i of parameter k to `v`; returns the loss there.
                let mut at = |v: f32| {
                    let mut n = 0;
                    net.for_each_param(&mut |p| {
                        if n == k {
                            p.value.data_mut()[i] = v;
                        }
                        n += 1;
                    });
                    let (tape, l) = loss(&mut net, Bind::Eval);
                    tape.value(l).data()[0] as f64
                };
                let x0 = value_of(k, i);
                let (up, down) = (at(x0 + step), at(x0 - step));
                at(x0);
                let numeric = (up - down) / (2.0 * step as f64);
                report.record(
                    || format!("parameter {k}, entry {i}"),
                    grad.data()[i] as f64,
                    numeric,
                );
            }
        }
        report.assert_close(1e-3);
    }

    #[test]
    fn output_layer_is_ei_with_one_inhibitory_unit() {
        let spec = NetSpec {
            n_in: 16,
            width: 12,
            depth: 2,
            n_out: 3,
            condition: Condition::ELn,
        };
        let net = Network::new(&spec, &mut StdRng::seed_from_u64(0));
        // Stored transposed: W_ix (1, 12) and W_ei (3, 1) in the paper's orientation.
        assert_eq!(net.output().w_ix.value.shape(), (12, 1));
        assert_eq!(net.output().w_ei.value.shape(), (1, 3));
    }

    #[test]
    fn same_seed_builds_the_same_network() {
        let spec = NetSpec {
            n_in: 16,
            width: 12,
            depth: 2,
            n_out: 3,
            condition: Condition::INorm(ErrorMode::Lateral),
        };
        let mut a = Network::new(&spec, &mut StdRng::seed_from_u64(9));
        let mut b = Network::new(&spec, &mut StdRng::seed_from_u64(9));
        let mut values = Vec::new();
        a.for_each_param(&mut |p| values.push(p.value.clone()));
        let mut i = 0;
        b.for_each_param(&mut |p| {
            assert_eq!(p.value, values[i]);
            i += 1;
        });
    }
}
