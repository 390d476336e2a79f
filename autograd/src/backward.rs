//! The reverse pass dispatch: one exhaustive `match`, so the compiler proves
//! that every built-in op has a backward rule. The rules themselves live
//! beside their forwards in `ops/`.

use crate::op::Op;
use crate::ops::{broadcast, elementwise, layer_norm, loss, matmul, reduce, unary};
use crate::tape::{Tape, Var};

/// Propagates the gradient of node `i` to its inputs.
pub(crate) fn backward_node(tape: &mut Tape, i: usize) {
    // Take the op out so the rule can borrow the tape mutably; put it back after.
    let op = std::mem::replace(&mut tape.nodes[i].op, Op::Leaf);
    let out = Var(i as u32);
    match &op {
        Op::Leaf | Op::Detach(_) => {}
        Op::MatMul {
            a,
            b,
            trans_a,
            trans_b,
        } => matmul::backward(tape, out, *a, *b, *trans_a, *trans_b),
        Op::Add(a, b) => elementwise::add_backward(tape, out, *a, *b),
        Op::Sub(a, b) => elementwise::sub_backward(tape, out, *a, *b),
        Op::Mul(a, b) => elementwise::mul_backward(tape, out, *a, *b),
        Op::Div(a, b) => elementwise::div_backward(tape, out, *a, *b),
        Op::AddRow { a, bias } => broadcast::add_row_backward(tape, out, *a, *bias),
        Op::MulCol { a, s } => broadcast::mul_col_backward(tape, out, *a, *s),
        Op::DivCol { a, s } => broadcast::div_col_backward(tape, out, *a, *s),
        Op::Scale { a, c } => unary::scale_backward(tape, out, *a, *c),
        Op::AddScalar(a) => unary::add_scalar_backward(tape, out, *a),
        Op::Relu(a) => unary::relu_backward(tape, out, *a),
        Op::Square(a) => unary::square_backward(tape, out, *a),
        Op::Sqrt(a) => unary::sqrt_backward(tape, out, *a),
        Op::RowMean(a) => reduce::row_mean_backward(tape, out, *a),
        Op::RowVar(a) => reduce::row_var_backward(tape, out, *a),
        Op::Sum(a) => reduce::sum_backward(tape, out, *a),
        Op::Mean(a) => reduce::mean_backward(tape, out, *a),
        Op::CrossEntropy {
            logits,
            labels,
            smoothing,
        } => loss::cross_entropy_backward(tape, out, *logits, labels, *smoothing),
        Op::LayerNorm { a, eps } => layer_norm::backward(tape, out, *a, *eps),
        Op::Custom { a, op } => crate::custom::backward(tape, out, *a, op.as_ref()),
    }
    tape.nodes[i].op = op;
}
