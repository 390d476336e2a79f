//! A parameter: its value, which optimizer group it is in (protocol §2.5),
//! which loss trains it, and its optimizer state.
//!
//! Each step a layer *binds* its parameters to the tape: trainable ones as
//! `tape.param_owned` (and the handle is remembered, so the optimizer finds
//! the gradient afterwards), frozen ones and everything during evaluation
//! as `tape.constant_owned`, which costs no gradient work. Binding *moves*
//! the value onto the tape, no copy; [`Param::unbind`] moves it back
//! (`Network::unbind` does it for every parameter). Between the two the
//! parameter's own `value` is empty.
//!
//! **Weights are stored transposed**, `(n_in, n_out)`, the paper's `W_ex`
//! (`ne × n_in`) as `W_exᵀ`: a layer's product is then `x·W` on the stored
//! matrix, which sgemm packs by copying rows (a transposed operand it packs
//! one element at a time, about a sixth of a step at width 500). Every
//! group but [`Group::Bias`] is a weight. [`Param::weight`] takes the
//! paper's orientation, and checkpoints store it, so a stored network
//! reads the same in any layout. The values and every product's sums are
//! the same in either layout.

use autograd::{Tape, Tensor, Var};
use serde::{Deserialize, Serialize};

/// The rows of the optimizer table (protocol §2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Group {
    /// `W_ex`: rate `lr`, clamped ≥ 0, weight decay.
    Ex,
    /// `b`: rate `lr`, free sign, weight decay.
    Bias,
    /// `W_ix`: rate `lr_wix`, clamped ≥ 0.
    Ix,
    /// `B_ix`: rate `lr_wix`, free sign.
    BIx,
    /// `W_ei`: rate `lr_wei`, clamped ≥ 0.
    Ei,
    /// `B_ei`: rate `lr_wei`, clamped ≥ 0.
    BEi,
}

impl Group {
    /// Projected onto `p ≥ 0` after every step (Dale's principle).
    pub fn non_negative(self) -> bool {
        !matches!(self, Group::Bias | Group::BIx)
    }

    /// A weight matrix, stored transposed (see the module doc); `Bias` is a row.
    pub fn is_weight(self) -> bool {
        self != Group::Bias
    }

    /// Excitatory groups use `momentum`, inhibitory ones `momentum_inh`.
    pub fn inhibitory(self) -> bool {
        !matches!(self, Group::Ex | Group::Bias)
    }
}

/// Which loss trains a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trained {
    /// The task loss (cross-entropy).
    Task,
    /// The layer's local homeostatic loss (I-Norm inhibition).
    Local,
    /// Never updated (I-Norm `W_ei`, `B_ei`).
    Frozen,
}

/// How a forward pass puts parameters on the tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bind {
    /// Every non-frozen parameter is tracked.
    Train,
    /// Everything is a constant: forward only.
    Eval,
    /// Only `W_ex` is tracked (the gradient-alignment probe).
    ExOnly,
}

/// A trainable tensor and its optimizer state.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "StoredParam", into = "StoredParam")]
pub struct Param {
    pub value: Tensor,
    pub group: Group,
    pub trained: Trained,
    /// Gradient multiplier under corrected SGD: `1/√ne` for an E-I layer's
    /// `W_ix`, `1/n_in` for its `W_ei`, 1 otherwise.
    pub correction: f32,
    /// Momentum buffer, allocated on the first step with `μ > 0`.
    pub(crate) velocity: Option<Tensor>,
    /// Where the value sits on the current tape, when tracked.
    pub(crate) var: Option<Var>,
    /// Where the value sits while it is bound to a tape (tracked or not).
    pub(crate) slot: Option<Var>,
}

impl Param {
    pub fn new(value: Tensor, group: Group, trained: Trained) -> Param {
        Param {
            value,
            group,
            trained,
            correction: 1.0,
            velocity: None,
            var: None,
            slot: None,
        }
    }

    /// A weight given in the paper's orientation, `(n_out, n_in)`, stored
    /// transposed as `(n_in, n_out)` (see the module doc).
    pub fn weight(paper: Tensor, group: Group, trained: Trained) -> Param {
        assert!(group.is_weight(), "Param::weight: {group:?} is not a weight");
        Param::new(paper.transpose(), group, trained)
    }

    pub fn with_correction(mut self, correction: f32) -> Param {
        self.correction = correction;
        self
    }

    /// Moves the value onto `tape`: tracked (remembering the handle) if
    /// `bind` asks for it and the parameter is not frozen, else as a
    /// constant. Get it back with [`unbind`](Self::unbind) before clearing
    /// the tape.
    pub(crate) fn bind(&mut self, tape: &mut Tape, bind: Bind) -> Var {
        assert!(
            self.slot.is_none(),
            "Param::bind: the {:?} parameter is still bound to a tape (unbind it first)",
            self.group
        );
        let tracked = match bind {
            Bind::Train => self.trained != Trained::Frozen,
            Bind::Eval => false,
            Bind::ExOnly => self.group == Group::Ex,
        };
        let value = std::mem::take(&mut self.value);
        let v = if tracked {
            tape.param_owned(value)
        } else {
            tape.constant_owned(value)
        };
        self.var = tracked.then_some(v);
        self.slot = Some(v);
        v
    }

    /// Moves the value back from the tape it was bound to (a no-op when it
    /// is not bound). The gradient handle stays valid until the tape is cleared.
    pub fn unbind(&mut self, tape: &mut Tape) {
        if let Some(v) = self.slot.take() {
            self.value = tape.take(v);
        }
    }
}

/// The serialized form of a [`Param`] (autograd's `Tensor` has no serde):
/// weights in the paper's orientation, `(n_out, n_in)`.
#[derive(Serialize, Deserialize)]
struct StoredParam {
    rows: usize,
    cols: usize,
    value: Vec<f32>,
    group: Group,
    trained: Trained,
    correction: f32,
    velocity: Option<Vec<f32>>,
}

impl From<Param> for StoredParam {
    fn from(p: Param) -> StoredParam {
        let paper = |t: Tensor| if p.group.is_weight() { t.transpose() } else { t };
        let value = paper(p.value);
        let (rows, cols) = value.shape();
        StoredParam {
            rows,
            cols,
            value: value.data().to_vec(),
            group: p.group,
            trained: p.trained,
            correction: p.correction,
            velocity: p.velocity.map(|v| paper(v).data().to_vec()),
        }
    }
}

impl TryFrom<StoredParam> for Param {
    type Error = String;

    fn try_from(s: StoredParam) -> Result<Param, String> {
        let n = s.rows.checked_mul(s.cols).ok_or("parameter shape overflows")?;
        if s.value.len() != n {
            return Err(format!(
                "parameter ({}, {}) holds {} values",
                s.rows,
                s.cols,
                s.value.len()
            ));
        }
        let velocity = match s.velocity {
            Some(v) if v.len() != n => {
                return Err(format!(
                    "momentum of a ({}, {}) parameter holds {} values",
                    s.rows,
                    s.cols,
                    v.len()
                ))
            }
            Some(v) => Some(Tensor::from_vec(s.rows, s.cols, v)),
            None => None,
        };
        let stored = |t: Tensor| if s.group.is_weight() { t.transpose() } else { t };
        Ok(Param {
            value: stored(Tensor::from_vec(s.rows, s.cols, s.value)),
            group: s.group,
            trained: s.trained,
            correction: s.correction,
            velocity: velocity.map(stored),
            var: None,
            slot: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weight_is_stored_transposed_and_saved_in_the_papers_orientation() {
        let paper = Tensor::from_vec(2, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]); // (n_out, n_in)
        let mut w = Param::weight(paper.clone(), Group::Ex, Trained::Task);
        w.velocity = Some(w.value.clone());
        assert_eq!(w.value, paper.transpose());
        let saved = StoredParam::from(w.clone());
        assert_eq!((saved.rows, saved.cols), (2, 3));
        assert_eq!(saved.value, paper.data());
        assert_eq!(saved.velocity.as_deref(), Some(paper.data()));
        let back = Param::try_from(saved).unwrap();
        assert_eq!((back.value, back.velocity), (w.value, w.velocity));
        // A bias is a row, stored as given.
        let b = Param::new(Tensor::from_vec(1, 2, vec![1.0, 2.0]), Group::Bias, Trained::Task);
        assert_eq!(StoredParam::from(b).value, [1.0, 2.0]);
    }
}
