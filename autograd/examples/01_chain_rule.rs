//! Step 1: the chain rule on a tape. A scalar expression, its gradient by
//! one reverse pass, and the same gradient by finite differences.
//!
//! `cargo run --release -p autograd --example 01_chain_rule`
//!
//! f(a, b) = relu(a·b + a)² / b, evaluated at a = 1.5, b = 2. Every op
//! appends a node; `backward` walks them in reverse, each node handing its
//! inputs `∂f/∂input = ∂f/∂node · ∂node/∂input`.

use autograd::{Tape, Tensor};

fn f(tape: &mut Tape, a: f32, b: f32) -> (autograd::Var, autograd::Var, autograd::Var) {
    let a = tape.param(&Tensor::from_vec(1, 1, vec![a]));
    let b = tape.param(&Tensor::from_vec(1, 1, vec![b]));
    let ab = tape.mul(a, b); // a·b
    let s = tape.add(ab, a); // a·b + a
    let r = tape.relu(s);
    let sq = tape.square(r); // (a·b + a)², as s > 0
    let y = tape.div(sq, b);
    (a, b, y)
}

fn value(a: f32, b: f32) -> f64 {
    let mut tape = Tape::new();
    let (_, _, y) = f(&mut tape, a, b);
    tape.value(y).data()[0] as f64
}

fn main() {
    let (a0, b0) = (1.5f32, 2.0f32);
    let mut tape = Tape::new();
    let (a, b, y) = f(&mut tape, a0, b0);
    println!("the tape after the forward pass:\n{tape:?}");
    tape.backward(y);
    let grad = |v| tape.grad(v).expect("a parameter gets a gradient").data()[0];
    let (da, db) = (grad(a), grad(b));

    // By hand: f = (a(b + 1))²/b, so ∂f/∂a = 2a(b + 1)²/b and ∂f/∂b = a²(1 − 1/b²).
    let (a64, b64) = (a0 as f64, b0 as f64);
    let (da_exact, db_exact) = (
        2.0 * a64 * (b64 + 1.0).powi(2) / b64,
        a64 * a64 * (1.0 - 1.0 / (b64 * b64)),
    );
    // Central differences of width 2h.
    let h = 1e-2f32;
    let da_fd = (value(a0 + h, b0) - value(a0 - h, b0)) / (2.0 * h as f64);
    let db_fd = (value(a0, b0 + h) - value(a0, b0 - h)) / (2.0 * h as f64);

    println!("f = {}", tape.value(y).data()[0]);
    println!("∂f/∂a: tape {da:.5}, by hand {da_exact:.5}, finite differences {da_fd:.5}");
    println!("∂f/∂b: tape {db:.5}, by hand {db_exact:.5}, finite differences {db_fd:.5}");
    for (tape_value, exact, fd) in [(da, da_exact, da_fd), (db, db_exact, db_fd)] {
        assert!((tape_value as f64 - exact).abs() < 1e-4 * exact.abs().max(1.0));
        assert!((fd - exact).abs() < 1e-2 * exact.abs().max(1.0));
    }
    println!("the tape's gradients agree with both");
}
