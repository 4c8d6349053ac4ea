//! Grid search: trial `index` is the `index`-th combination of every parameter's levels, the last
//! parameter varying fastest.

use super::scale::Range;
use super::space::{integer_count, Space};
use crate::settings::SearchSpace;

/// Levels given to a real range, which has no natural grid: 0, 1/4, 1/2, 3/4 and 1 of the unit
/// interval, so that grid search stays defined (the settings only allow it without real ranges).
const REAL_LEVELS: u64 = 5;

/// The point of grid trial `index`: the centre of a choice's cell, the exact position of an integer,
/// one of [`REAL_LEVELS`] evenly spaced positions for a real range.
///
/// There are [`Space::grid_size`] points (counting a real range as 5); an index past the last wraps
/// around to the first, so the caller caps the number of jobs at the grid size.
pub(super) fn point(space: &Space, index: u64) -> Vec<f64> {
    let levels: Vec<u64> = space.params().iter().map(|(_, s)| level_count(s)).collect();
    let total = levels.iter().fold(1u64, |acc, n| acc.saturating_mul(*n));
    let mut rest = index % total;
    let mut unit = vec![0.0; levels.len()];
    // Mixed-radix digits of the index, least significant for the last parameter.
    for (i, (_, space)) in space.params().iter().enumerate().rev() {
        let level = rest % levels[i];
        rest /= levels[i];
        unit[i] = level_position(space, level);
    }
    unit
}

fn level_count(space: &SearchSpace) -> u64 {
    match space {
        SearchSpace::Continuous { .. } => REAL_LEVELS,
        SearchSpace::Integer { min, max, .. } => integer_count(*min, *max),
        SearchSpace::Categorical(choices) => choices.len().max(1) as u64,
    }
}

fn level_position(space: &SearchSpace, level: u64) -> f64 {
    match space {
        SearchSpace::Continuous { .. } => level as f64 / (REAL_LEVELS - 1) as f64,
        SearchSpace::Integer { min, max, scaling } => {
            Range::integer(*min, *max, *scaling).unit(min.saturating_add(level as i64) as f64)
        }
        SearchSpace::Categorical(choices) => (level as f64 + 0.5) / choices.len().max(1) as f64,
    }
}
