//! The closed set of built-in operations, plus one open variant.
//!
//! Each variant records what its backward rule needs: the input handles and
//! any constant. Values are never stored twice: a rule reads its inputs'
//! and its own values from the tape.

use std::fmt;
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

impl Op {
    /// The name of the op as the `Tape` method that records it (a custom
    /// node by its [`CustomBackward::name`]).
    pub(crate) fn name(&self) -> &str {
        match self {
            Op::Leaf => "leaf",
            Op::MatMul { trans_a, trans_b, .. } => match (trans_a, trans_b) {
                (false, false) => "matmul",
                (false, true) => "matmul_nt",
                (true, false) => "matmul_tn",
                (true, true) => "matmul_tt",
            },
            Op::Add(..) => "add",
            Op::Sub(..) => "sub",
            Op::Mul(..) => "mul",
            Op::Div(..) => "div",
            Op::AddRow { .. } => "add_row",
            Op::MulCol { .. } => "mul_col",
            Op::DivCol { .. } => "div_col",
            Op::Scale { .. } => "scale",
            Op::AddScalar(_) => "add_scalar",
            Op::Relu(_) => "relu",
            Op::Square(_) => "square",
            Op::Sqrt(_) => "sqrt",
            Op::RowMean(_) => "row_mean",
            Op::RowVar(_) => "row_var",
            Op::Sum(_) => "sum",
            Op::Mean(_) => "mean",
            Op::CrossEntropy { .. } => "cross_entropy",
            Op::Detach(_) => "detach",
            Op::LayerNorm { .. } => "layer_norm",
            Op::Custom { op, .. } => op.name(),
        }
    }

    /// The nodes this op reads, in argument order.
    pub(crate) fn inputs(&self) -> Vec<Var> {
        match self {
            Op::Leaf => Vec::new(),
            Op::MatMul { a, b, .. }
            | Op::Add(a, b)
            | Op::Sub(a, b)
            | Op::Mul(a, b)
            | Op::Div(a, b)
            | Op::AddRow { a, bias: b }
            | Op::MulCol { a, s: b }
            | Op::DivCol { a, s: b } => vec![*a, *b],
            Op::Scale { a, .. }
            | Op::AddScalar(a)
            | Op::Relu(a)
            | Op::Square(a)
            | Op::Sqrt(a)
            | Op::RowMean(a)
            | Op::RowVar(a)
            | Op::Sum(a)
            | Op::Mean(a)
            | Op::CrossEntropy { logits: a, .. }
            | Op::Detach(a)
            | Op::LayerNorm { a, .. }
            | Op::Custom { a, .. } => vec![*a],
        }
    }
}

/// `name(%a, %b)`, with the node numbers of the inputs.
impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inputs: Vec<String> = self.inputs().iter().map(|v| format!("%{}", v.0)).collect();
        write!(f, "{}({})", self.name(), inputs.join(", "))
    }
}
