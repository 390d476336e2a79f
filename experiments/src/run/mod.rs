//! Running what the plan says: the training loop of one run ([`train`]),
//! many runs in parallel ([`grid`]), and what they leave behind ([`record`], [`store`]).
//!
//! Every run, of a grid or of `train`, is [`train::drive`]n over the data
//! [`data`] loads, seeded by [`seeds`]; a finished run is a
//! [`record::RunRecord`] with its [`provenance`], written atomically into
//! the grid's folder by [`store`] (or, for `train`, to `--record`).
//! `train --checkpoint` saves a run mid-way ([`checkpoint`]).

pub mod checkpoint;
pub mod data;
pub mod grid;
pub mod provenance;
pub mod record;
pub mod seeds;
pub mod store;
pub mod train;
