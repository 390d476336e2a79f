//! Step 2: training. Trains a small MLP on the two-moons problem with plain
//! SGD, entirely on the tape, and prints its training accuracy.
//!
//! `cargo run --release -p autograd --example 02_two_moons`

use autograd::{seeded, Tape, Tensor};

/// `n` points of two interleaved half circles with a little noise; label = moon.
fn two_moons(n: usize, seed: u64) -> (Tensor, Vec<usize>) {
    let u = seeded(n, 3, seed); // uniform in [−1, 1): angle, and noise in x and y
    let mut points = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let (t, nx, ny) = (
            std::f32::consts::PI * (u.get(i, 0) + 1.0) / 2.0,
            u.get(i, 1),
            u.get(i, 2),
        );
        let moon = i % 2;
        let (x, y) = if moon == 0 {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        points.extend([x + 0.1 * nx, y + 0.1 * ny]);
        labels.push(moon);
    }
    (Tensor::from_vec(n, 2, points), labels)
}

struct Mlp {
    layers: Vec<(Tensor, Tensor)>, // (weight (out, in), bias (1, out))
}

impl Mlp {
    fn new(sizes: &[usize], seed: u64) -> Mlp {
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                let mut weight = seeded(w[1], w[0], seed + i as u64);
                let scale = (6.0 / w[0] as f32).sqrt(); // He-uniform
                weight.data_mut().iter_mut().for_each(|v| *v *= scale);
                (weight, Tensor::zeros(1, w[1]))
            })
            .collect();
        Mlp { layers }
    }

    /// Logits for `x`; returns the parameter handles in layer order.
    fn forward(&self, tape: &mut Tape, x: &Tensor) -> (autograd::Var, Vec<autograd::Var>) {
        let mut h = tape.constant(x);
        let mut params = Vec::new();
        for (i, (w, b)) in self.layers.iter().enumerate() {
            let (w, b) = (tape.param(w), tape.param(b));
            params.extend([w, b]);
            let z = tape.matmul_nt(h, w); // (B, in) @ (out, in)ᵀ -> (B, out)
            h = tape.add_row(z, b);
            if i + 1 < self.layers.len() {
                h = tape.relu(h);
            }
        }
        (h, params)
    }
}

fn main() {
    let (x, labels) = two_moons(512, 1);
    let mut mlp = Mlp::new(&[2, 32, 32, 2], 7);
    let mut tape = Tape::new();
    let lr = 0.1;
    for epoch in 0..1000 {
        tape.clear();
        let (logits, params) = mlp.forward(&mut tape, &x);
        let loss = tape.cross_entropy(logits, &labels, 0.0);
        tape.backward(loss);
        for (k, p) in params.iter().enumerate() {
            let grad = tape.grad(*p).expect("every parameter reaches the loss");
            let (w, b) = &mut mlp.layers[k / 2];
            let target = if k % 2 == 0 { w } else { b };
            target
                .data_mut()
                .iter_mut()
                .zip(grad.data())
                .for_each(|(v, g)| *v -= lr * g);
        }
        if epoch % 200 == 0 {
            println!("epoch {epoch:3}  loss {:.4}", tape.value(loss).data()[0]);
        }
    }
    tape.clear();
    let (logits, _) = mlp.forward(&mut tape, &x);
    let scores = tape.value(logits);
    let correct = (0..labels.len())
        .filter(|&i| (scores.get(i, 1) > scores.get(i, 0)) as usize == labels[i])
        .count();
    let accuracy = correct as f64 / labels.len() as f64;
    println!("training accuracy: {:.1}%", 100.0 * accuracy);
    if accuracy < 0.95 {
        eprintln!("expected at least 95% training accuracy");
        std::process::exit(1);
    }
}
