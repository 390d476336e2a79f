//! Step 4: the crate's centerpiece. Prints the error that the
//! normalize-error node sends down in each mode, for one small batch.
//!
//! `cargo run --release -p autograd --example error_modes`

use std::sync::Arc;

use autograd::{ErrorMode, NormalizeError, Tape, Tensor};

fn main() {
    // Two samples of four features: the node's input x and the incoming error g.
    let x = Tensor::from_vec(2, 4, vec![1.0, 2.0, 3.0, 6.0, 0.5, -1.0, 0.0, 2.5]);
    let g = Tensor::from_vec(2, 4, vec![1.0, -1.0, 2.0, 0.0, 0.3, 0.3, -0.6, 0.9]);
    println!("x = {:?}\ng = {:?}\n", x.data(), g.data());
    for mode in ErrorMode::ALL {
        let node = Arc::new(match mode {
            ErrorMode::Lateral => NormalizeError::lateral(vec![0.4, 0.3, 0.2, 0.1]),
            _ => NormalizeError::new(mode),
        });
        let mut tape = Tape::new();
        let xv = tape.param(&x);
        let y = tape.normalize_error(xv, &node);
        let gv = tape.constant(&g);
        let weighted = tape.mul(y, gv);
        let loss = tape.sum(weighted); // ∂loss/∂y = g
        tape.backward(loss);
        let sent = tape.grad(xv).expect("x is tracked");
        println!("{:<12} row 0 {:?}", mode.name(), fmt(sent.row(0)));
        println!("{:<12} row 1 {:?}", "", fmt(sent.row(1)));
    }
}

fn fmt(row: &[f32]) -> Vec<String> {
    row.iter().map(|v| format!("{v:+.3}")).collect()
}
