//! The closed set of built-in operations, plus one open variant.
//!
//! Each variant records what its backward rule needs: the input handles and
//! any constant. Values are never stored twice: a rule reads its inputs'
//! and its own values from the tape.

use std::sync::Arc;

use crate::custom::CustomBackward;
use crate::tape::Var;

pub(crate) enum Op {
    /// Data or a parameter: nothing to propagate further.
    Leaf,
    /// `op(a)·op(b)`, where `op` transposes when the flag is set.
    MatMul {
        a: Var,
        b: Var,
        trans_a: bool,
        trans_b: bool,
    },
    Add(Var, Var),
    Sub(Var, Var),
    Mul(Var, Var),
    Div(Var, Var),
    /// `a + bias`, with `bias` (1, c) repeated over rows.
    AddRow {
        a: Var,
        bias: Var,
    },
    /// `a ⊙ s`, with `s` (r, 1) repeated over columns.
    MulCol {
        a: Var,
        s: Var,
    },
    /// `a / s`, with `s` (r, 1) repeated over columns.
    DivCol {
        a: Var,
        s: Var,
    },
    Scale {
        a: Var,
        c: f32,
    },
    AddScalar(Var),
    Relu(Var),
    Square(Var),
    Sqrt(Var),
    RowMean(Var),
    RowVar(Var),
    Sum(Var),
    Mean(Var),
    /// Mean over the batch of the label-smoothed cross-entropy of softmax(logits).
    CrossEntropy {
        logits: Var,
        labels: Vec<usize>,
        smoothing: f32,
    },
    /// The value of the source node, no gradient: the node is untracked, so
    /// this never runs backward. It holds no copy of the value.
    Detach(Var),
    LayerNorm {
        a: Var,
        eps: f32,
    },
    Custom {
        a: Var,
        op: Arc<dyn CustomBackward>,
    },
}
