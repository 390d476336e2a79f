//! End to end on the seeded synthetic images of `datasets`: every condition
//! learns them, and a checkpoint taken mid-run resumes the run exactly.

use datasets::{batches, epoch_order, Dataset, JitterStream, Luminosity, Order};
use einet::{BatchEval, Condition, Hyper, NetSpec, Trainer};

const BATCH: usize = 32;
const WIDTH: usize = 64;

/// Config 2 of the paper's grid (protocol §5).
fn hyper() -> Hyper {
    Hyper::paper(0.009452, 0.000654, 0.164)
}

fn spec(condition: Condition) -> NetSpec {
    NetSpec {
        width: WIDTH,
        ..NetSpec::paper(condition, WIDTH)
    }
}

/// One epoch of `data` in the fixed order, with luminosity jitter.
fn train_epoch(trainer: &mut Trainer, data: &Dataset, lum: &Luminosity, epoch: u64) {
    let stream = JitterStream::new(11);
    let order = epoch_order(data.len(), Order::Fixed, epoch);
    let (mut x, mut y) = (vec![0.0; BATCH * data.dim()], vec![0; BATCH]);
    for indices in batches(&order, BATCH) {
        let rows = indices.len();
        data.write_batch(
            indices,
            lum,
            &stream,
            epoch,
            &mut x[..rows * data.dim()],
            &mut y[..rows],
        );
        let loss = trainer.step(&x[..rows * data.dim()], &y[..rows]);
        assert!(loss.is_finite(), "{}: loss {loss}", trainer.spec().condition);
    }
}

fn evaluate(trainer: &mut Trainer, data: &Dataset, lum: &Luminosity) -> BatchEval {
    let stream = JitterStream::new(12);
    let order = epoch_order(data.len(), Order::Fixed, 0);
    let (mut x, mut y) = (vec![0.0; BATCH * data.dim()], vec![0; BATCH]);
    let mut total = BatchEval::default();
    for indices in batches(&order, BATCH) {
        let rows = indices.len();
        data.write_batch(
            indices,
            lum,
            &stream,
            0,
            &mut x[..rows * data.dim()],
            &mut y[..rows],
        );
        total.merge(&trainer.evaluate(&x[..rows * data.dim()], &y[..rows]));
    }
    total
}

#[test]
fn every_condition_learns_the_synthetic_task_well_above_chance() {
    // 300 steps; chance is 0.1. (The slowest, inorm-sub, reaches about 0.6.)
    let train = Dataset::synthetic(1600, 1);
    let test = Dataset::synthetic(400, 2);
    let lum = Luminosity::Additive { eps: 0.25 };
    for condition in Condition::ALL {
        let mut trainer = Trainer::new(&spec(condition), &hyper(), 5);
        let before = evaluate(&mut trainer, &test, &lum);
        for epoch in 0..6 {
            train_epoch(&mut trainer, &train, &lum, epoch);
        }
        let after = evaluate(&mut trainer, &test, &lum);
        assert!(
            after.accuracy() > 0.4 && after.mean_loss() < before.mean_loss(),
            "{condition}: accuracy {:.3} -> {:.3}, loss {:.3} -> {:.3}",
            before.accuracy(),
            after.accuracy(),
            before.mean_loss(),
            after.mean_loss()
        );
        let layers = trainer.moments(&test_batch(&test), BATCH);
        assert_eq!(layers.len(), 2);
    }
}

fn test_batch(data: &Dataset) -> Vec<f32> {
    let indices: Vec<usize> = (0..BATCH).collect();
    let (mut x, mut y) = (vec![0.0; BATCH * data.dim()], vec![0; BATCH]);
    data.write_batch(
        &indices,
        &Luminosity::None,
        &JitterStream::new(0),
        0,
        &mut x,
        &mut y,
    );
    x
}

#[test]
fn a_checkpoint_taken_mid_run_resumes_the_same_run() {
    let train = Dataset::synthetic(320, 3);
    let lum = Luminosity::Additive { eps: 0.5 };
    let condition: Condition = "inorm-full".parse().expect("valid id");
    let dir = std::env::temp_dir().join(format!("einet-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join("mid.ckpt");

    let mut straight = Trainer::new(&spec(condition), &hyper(), 9);
    train_epoch(&mut straight, &train, &lum, 0);
    std::fs::write(&path, straight.to_bytes()).expect("save");
    train_epoch(&mut straight, &train, &lum, 1);

    let mut resumed = Trainer::load(&path).expect("load");
    train_epoch(&mut resumed, &train, &lum, 1);

    let probe = test_batch(&train);
    let labels = vec![0; BATCH];
    assert_eq!(
        straight.evaluate(&probe, &labels),
        resumed.evaluate(&probe, &labels)
    );
    assert_eq!(straight.steps(), resumed.steps());
    let _ = std::fs::remove_dir_all(&dir);
}
