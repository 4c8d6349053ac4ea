//! The search strategies of the local hyperparameter tuner, as pure functions: the search space as a
//! unit hypercube ([`Space`]), the next point to try ([`propose`]: random, grid, or Bayesian
//! optimisation with a Gaussian-process surrogate), the Hyperband bracket planner
//! ([`hyperband_brackets`], [`promote`]) and SageMaker's median stopping rule
//! ([`median_rule_stops`]). Nothing here reads or writes files; the tuner owns the I/O.

mod bayesian;
mod draw;
mod gp;
mod grid;
mod hyperband;
mod linalg;
mod median;
mod normal;
mod propose;
mod scale;
mod space;
mod text;

#[cfg(test)]
mod tests;

pub use hyperband::{hyperband_brackets, promote, Bracket, Rung};
pub use median::median_rule_stops;
pub use propose::{propose, Observation};
pub use space::{Assignment, Space};
