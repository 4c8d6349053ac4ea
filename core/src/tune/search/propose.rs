//! The one entry point of the strategies: the point of the next trial, from the strategy, the
//! space, the job's seed, the trial's index and the trials finished so far.

use super::bayesian::{self, CANDIDATES};
use super::draw::random_point;
use super::grid;
use super::space::Space;
use crate::settings::TuningStrategy;

/// A finished trial as the strategies see it: its point and its objective, oriented so that higher
/// is better (the caller negates losses).
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The trial's point of the unit cube (from [`propose`], or [`Space::encode`] of its values).
    pub unit: Vec<f64>,
    /// Its objective, higher is better.
    pub score: f64,
}

/// Proposes the unit point of trial `index` (0-based): a pure function of its arguments, so a
/// resumed tuning job continues the same sequence. Decode it with [`Space::decode`].
///
/// - [`TuningStrategy::Random`]: a uniform point from a generator seeded by `(seed, index)`;
///   `history` is not read.
/// - [`TuningStrategy::Hyperband`]: the same random point; Hyperband draws its configurations at
///   random and gets its budget from [`hyperband_brackets`](super::hyperband_brackets).
/// - [`TuningStrategy::Grid`]: the `index`-th combination, the last parameter varying fastest: the
///   centre of a choice's cell, the exact position of an integer. Grid search needs
///   [`Space::grid_size`] to be `Some`; to stay defined anyway, a real range counts as 5 evenly
///   spaced points (0, 0.25, 0.5, 0.75, 1). Past the last combination the sequence wraps around,
///   so the caller caps the number of jobs at the grid size.
/// - [`TuningStrategy::Bayesian`]: the first `max(3, min(dims + 1, 5))` trials, and any trial while
///   `history` holds fewer than two distinct points, are the random point above. After that, a
///   Gaussian process (Matérn-5/2, standardised scores, length scales and noise by maximum
///   likelihood over a small grid) models the scores in `history`, and the point is the one of
///   highest expected improvement (ξ = 0.01) among 2000 uniform candidates and 200 perturbations
///   (σ = 0.05) of the 5 best observed points, preferring points whose decoded values were not
///   tried. Observations with a non-finite score are ignored.
pub fn propose(strategy: TuningStrategy, space: &Space, seed: u64, index: u64, history: &[Observation]) -> Vec<f64> {
    match strategy {
        TuningStrategy::Random | TuningStrategy::Hyperband => random_point(seed, index, space.dims()),
        TuningStrategy::Grid => grid::point(space, index),
        TuningStrategy::Bayesian => bayesian::propose(space, seed, index, history, CANDIDATES),
    }
}
