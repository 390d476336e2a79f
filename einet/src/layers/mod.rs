//! The layers, one per file. Each binds its own parameters to the tape and
//! writes its forward math as a few commented tape operations.
//!
//! - [`ei_dense`]: E-I dense layer (hidden layers of `ei*`, and every output layer);
//! - [`e_dense`]: excitatory-only dense layer (`e-ln*`);
//! - [`norm`]: layer norm after a dense layer, exact or detached;
//! - [`inorm`]: I-Norm, learned subtractive and divisive inhibition;
//! - [`inorm_sub`]: I-Norm (sub), learned subtraction only;
//! - [`homeostasis`]: the local losses that train I-Norm's inhibition.

use autograd::Var;

pub mod e_dense;
pub mod ei_dense;
pub mod homeostasis;
pub mod inorm;
pub mod inorm_sub;
pub mod norm;

/// What a hidden layer's forward produces.
#[derive(Clone, Copy, Debug)]
pub struct LayerOut {
    /// The output before the normalization step (layer norm or the error
    /// node), (B, ne). The measurements compare against `LN(z)`.
    pub z: Var,
    /// The normalized pre-ReLU output the next layer sees (after its ReLU), (B, ne).
    pub out: Var,
    /// The layer's local loss (I-Norm layers, training only).
    pub local: Option<Var>,
}
