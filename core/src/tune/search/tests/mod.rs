//! Tests of the strategies through their public API (unit tests of the parts live in each file):
//!
//! - `space`: decoding and encoding points for every kind of parameter and scaling;
//! - `sequence`: reproducibility and coverage of the proposed sequences, grid enumeration;
//! - `benchmark`: Bayesian search against random search on synthetic objectives.

mod benchmark;
mod sequence;
mod space;
