//! Runs training steps of one condition, for a profiler:
//! `cargo build --release -p benches --example profile_step` then
//! `valgrind --tool=callgrind target/release/examples/profile_step inorm-full 234 50`
//! or `perf record -g target/release/examples/profile_step inorm-full 500 2000`.

use benches::{random_batch, BATCH};
use einet::{Condition, Hyper, NetSpec, Trainer};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let id = args.get(1).map_or("inorm-full", String::as_str);
    let width: usize = args.get(2).map_or(Ok(234), |s| s.parse()).expect("width");
    let steps: usize = args.get(3).map_or(Ok(100), |s| s.parse()).expect("steps");
    let condition: Condition = id.parse().expect("condition id");
    let mut t = Trainer::new(
        &NetSpec::paper(condition, width),
        &Hyper::paper(0.005, 0.0005, 0.1),
        1,
    );
    let (x, y) = random_batch(BATCH, 1);
    let mut loss = 0.0;
    for _ in 0..steps {
        loss = t.step(&x, &y);
    }
    println!("{id} W={width}: {steps} steps, last loss {loss}");
}
