//! Built-in operations. Each file holds a family's forwards (as `Tape`
//! methods), their backward rules, and their gradient checks.

pub(crate) mod broadcast;
pub(crate) mod elementwise;
pub(crate) mod layer_norm;
pub(crate) mod loss;
pub(crate) mod matmul;
pub(crate) mod reduce;
pub(crate) mod unary;
