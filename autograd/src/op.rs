//! The closed set of built-in operations, plus one open variant. A node
//! keeps its op and its inputs; the op keeps only what its backward rule
//! needs besides values on the tape (a constant, the labels).

use std::sync::Arc;

use crate::custom::CustomBackward;

pub(crate) enum Op {
    /// Data or a parameter: nothing to propagate further.
    Leaf,
    /// `op(a)·op(b)`, where `op` transposes when the flag is set.
    MatMul {
        trans_a: bool,
        trans_b: bool,
    },
    Add,
    Sub,
    Mul,
    Div,
    AddRow,
    MulCol,
    DivCol,
    Scale(f32),
    AddScalar,
    Relu,
    Square,
    Sqrt,
    RowMean,
    RowVar,
    Sum,
    Mean,
    CrossEntropy {
        labels: Vec<usize>,
        smoothing: f32,
    },
    /// The input's value with the gradient stopped: no copy, untracked.
    Detach,
    LayerNorm,
    Custom(Arc<dyn CustomBackward>),
}

/// The name of the `Tape` method that records the op (a custom node's
/// [`CustomBackward::name`]): how a printed tape shows it.
impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Op::Leaf => "leaf",
            Op::MatMul { trans_a, trans_b } => match (trans_a, trans_b) {
                (false, false) => "matmul",
                (false, true) => "matmul_nt",
                (true, false) => "matmul_tn",
                (true, true) => "matmul_tt",
            },
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Div => "div",
            Op::AddRow => "add_row",
            Op::MulCol => "mul_col",
            Op::DivCol => "div_col",
            Op::Scale(_) => "scale",
            Op::AddScalar => "add_scalar",
            Op::Relu => "relu",
            Op::Square => "square",
            Op::Sqrt => "sqrt",
            Op::RowMean => "row_mean",
            Op::RowVar => "row_var",
            Op::Sum => "sum",
            Op::Mean => "mean",
            Op::CrossEntropy { .. } => "cross_entropy",
            Op::Detach => "detach",
            Op::LayerNorm => "layer_norm",
            Op::Custom(op) => op.name(),
        })
    }
}
