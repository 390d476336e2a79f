//! Step 3: a custom node, whose backward is written by hand and need not be
//! the derivative of its forward.
//!
//! `cargo run --release -p autograd --example 03_custom_node`
//!
//! `ClipError` is the identity going forward and clips the error to
//! `[−c, c]` going back: a gradient the forward never implies. The tape
//! calls `backward` with the node's input, its output and the incoming
//! error; whatever it writes is what flows further down. The crate's own
//! custom node, `NormalizeError`, is built the same way (step 4:
//! `--example error_modes`).

use std::sync::Arc;

use autograd::{CustomBackward, Tape, Tensor};

#[derive(Debug)]
struct ClipError {
    c: f32,
}

impl CustomBackward for ClipError {
    fn name(&self) -> &str {
        "clip_error"
    }

    /// Identity.
    fn forward(&self, x: &Tensor, out: &mut Tensor) {
        out.data_mut().copy_from_slice(x.data());
    }

    /// `∂x = clamp(g, −c, c)`; the derivative of the identity would be `g`.
    fn backward(&self, _x: &Tensor, _out: &Tensor, grad_out: &Tensor, grad_x: &mut Tensor) {
        for (d, &g) in grad_x.data_mut().iter_mut().zip(grad_out.data()) {
            *d = g.clamp(-self.c, self.c);
        }
    }
}

fn main() {
    let mut tape = Tape::new();
    let x = tape.param(&Tensor::from_vec(1, 4, vec![1.0, 2.0, 3.0, 4.0]));
    let clipped = tape.custom(x, Arc::new(ClipError { c: 1.0 }));
    let g = tape.constant(&Tensor::from_vec(1, 4, vec![0.5, -3.0, 2.0, 0.0]));
    let weighted = tape.mul(clipped, g);
    let loss = tape.sum(weighted); // ∂loss/∂clipped = g
    println!("{tape:?}");
    tape.backward(loss);
    let sent = tape.grad(x).expect("x is a parameter").data();
    println!("forward: {:?} (unchanged)", tape.value(clipped).data());
    println!("error arriving: [0.5, -3.0, 2.0, 0.0]; error sent down: {sent:?}");
    assert_eq!(sent, &[0.5, -1.0, 1.0, 0.0]);
}
