//! `epochs.csv`: one row per run and epoch, with every axis of the run and
//! every metric, so that `pandas.read_csv("epochs.csv")` gives the whole grid
//! in long form. Per-layer metrics get one column per hidden layer
//! (`mean_l1`, …); a run with fewer layers leaves the rest empty.

use crate::plan::RunSpec;
use crate::run::record::RunRecord;

/// The CSV text of `records` (in the order given).
pub fn render<'a>(records: impl Iterator<Item = &'a RunRecord> + Clone) -> Vec<u8> {
    let layers = records
        .clone()
        .flat_map(|r| r.epochs.iter().map(|e| e.moments.len().max(e.alignment.len())))
        .max()
        .unwrap_or(0);
    let mut header: Vec<String> = RunSpec::CSV_AXES.map(String::from).to_vec();
    header.extend(
        [
            "diverged",
            "epoch",
            "train_loss",
            "test_loss",
            "test_acc",
            "val_loss",
            "val_acc",
            "seconds",
        ]
        .map(String::from),
    );
    for l in 1..=layers {
        header.extend(["mean", "var", "output_cos", "grad_cos"].map(|m| format!("{m}_l{l}")));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).expect("writing to memory");
    let num = |v: f64| {
        if v.is_finite() {
            v.to_string()
        } else {
            String::new()
        }
    };
    for r in records {
        let s = &r.spec;
        for e in &r.epochs {
            let mut row = s.csv_axes().to_vec();
            row.extend([
                r.diverged.to_string(),
                e.epoch.to_string(),
                num(e.train_loss),
                num(e.test.loss),
                num(e.test.acc),
                e.val.map_or_else(String::new, |v| num(v.loss)),
                e.val.map_or_else(String::new, |v| num(v.acc)),
                format!("{:.3}", e.seconds),
            ]);
            for l in 0..layers {
                let m = e.moments.get(l);
                let a = e.alignment.get(l);
                row.push(m.map_or_else(String::new, |m| num(m.mean)));
                row.push(m.map_or_else(String::new, |m| num(m.var)));
                row.push(a.map_or_else(String::new, |a| num(a.output_cos)));
                row.push(a.map_or_else(String::new, |a| num(a.grad_cos)));
            }
            w.write_record(&row).expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}
