//! Layer norm after a dense layer (protocol §2.3): exact ("LN+") or detached.
//!
//! `LN(z) = (z − mean(z)) / sqrt(var(z) + 1e-5)` over the features of each
//! sample, no affine parameters. The exact version is autograd's
//! `layer_norm`. The detached version normalizes going forward but sends
//! the error down unchanged — a custom node whose backward is the identity.

use std::sync::Arc;

use autograd::{layer_norm_forward, CustomBackward, Tape, Tensor, Var, LN_EPS};

use crate::condition::LayerNormKind;

/// Layer norm forward, identity backward.
#[derive(Debug, Default)]
pub struct DetachedLayerNorm;

impl CustomBackward for DetachedLayerNorm {
    fn name(&self) -> &str {
        "layer_norm_detached"
    }

    /// `y = (x − mean(x)) / sqrt(var(x) + eps)` per row: autograd's exact
    /// layer norm going forward.
    fn forward(&self, x: &Tensor, out: &mut Tensor) {
        layer_norm_forward(x, LN_EPS, out, None);
    }

    /// `∂x = g`: the error passes through as if there were no normalization.
    fn backward(&self, _x: &Tensor, _out: &Tensor, grad_out: &Tensor, grad_x: &mut Tensor) {
        grad_x.data_mut().copy_from_slice(grad_out.data());
    }
}

/// Applies the layer norm of `kind` to `z` (identity for `None`).
pub fn apply(tape: &mut Tape, z: Var, kind: LayerNormKind, detached: &Arc<DetachedLayerNorm>) -> Var {
    match kind {
        LayerNormKind::None => z,
        LayerNormKind::Exact => tape.layer_norm(z, LN_EPS),
        LayerNormKind::Detached => tape.custom(z, detached.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detached_forward_matches_exact_layer_norm_bitwise() {
        let x = autograd::seeded(4, 9, 1);
        let mut tape = Tape::new();
        let v = tape.constant(&x);
        let exact = tape.layer_norm(v, LN_EPS);
        let detached = tape.custom(v, Arc::new(DetachedLayerNorm));
        assert_eq!(tape.value(exact), tape.value(detached));
    }

    #[test]
    fn detached_backward_passes_the_error_unchanged() {
        let x = autograd::seeded(3, 5, 2);
        let g = autograd::seeded(3, 5, 3);
        let mut tape = Tape::new();
        let v = tape.param(&x);
        let y = tape.custom(v, Arc::new(DetachedLayerNorm));
        let gv = tape.constant(&g);
        let weighted = tape.mul(y, gv);
        let loss = tape.sum(weighted); // ∂loss/∂y = g
        tape.backward(loss);
        assert_eq!(tape.grad(v), Some(&g));
    }
}
