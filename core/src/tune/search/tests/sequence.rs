//! The proposed sequences: reproducible to the bit, different for different seeds, inside the unit
//! cube, and (for grid search) every combination exactly once.

use std::collections::BTreeSet;

use crate::settings::{Scaling, SearchSpace, TuningStrategy};
use crate::tune::search::{propose, Observation, Space};

fn mixed_space() -> Space {
    Space::new(vec![
        ("learning_rate".into(), SearchSpace::Continuous { min: 1e-5, max: 1e-2, scaling: Scaling::Log }),
        ("epochs".into(), SearchSpace::Integer { min: 1, max: 5, scaling: Scaling::Linear }),
        ("batch_size".into(), SearchSpace::Categorical(vec!["16".into(), "32".into(), "64".into()])),
    ])
}

/// `n` proposals, each observed with a made-up score before the next one is proposed.
fn run(strategy: TuningStrategy, space: &Space, seed: u64, n: u64) -> Vec<Vec<f64>> {
    let mut history = Vec::new();
    for index in 0..n {
        let unit = propose(strategy, space, seed, index, &history);
        let score = -unit.iter().map(|u| (u - 0.3).powi(2)).sum::<f64>();
        history.push(Observation { unit, score });
    }
    history.into_iter().map(|o| o.unit).collect()
}

fn bits(points: &[Vec<f64>]) -> Vec<Vec<u64>> {
    points.iter().map(|p| p.iter().map(|u| u.to_bits()).collect()).collect()
}

#[test]
fn same_inputs_give_identical_bits() {
    let space = mixed_space();
    for strategy in TuningStrategy::ALL {
        let first = run(*strategy, &space, 42, 9);
        assert_eq!(bits(&first), bits(&run(*strategy, &space, 42, 9)), "{strategy}");
    }
}

#[test]
fn resuming_from_a_recorded_history_continues_the_sequence() {
    let space = mixed_space();
    let full = run(TuningStrategy::Bayesian, &space, 5, 8);
    let history: Vec<Observation> = full[..7]
        .iter()
        .map(|unit| Observation { unit: unit.clone(), score: -unit.iter().map(|u| (u - 0.3).powi(2)).sum::<f64>() })
        .collect();
    let resumed = propose(TuningStrategy::Bayesian, &space, 5, 7, &history);
    assert_eq!(bits(&[resumed]), bits(&full[7..]));
}

#[test]
fn different_seeds_give_different_sequences() {
    let space = mixed_space();
    for strategy in [TuningStrategy::Random, TuningStrategy::Bayesian, TuningStrategy::Hyperband] {
        assert_ne!(run(strategy, &space, 1, 8), run(strategy, &space, 2, 8), "{strategy}");
    }
}

#[test]
fn proposals_stay_in_the_unit_cube() {
    let space = mixed_space();
    for strategy in TuningStrategy::ALL {
        for point in run(*strategy, &space, 3, 10) {
            assert_eq!(point.len(), 3);
            assert!(point.iter().all(|u| (0.0..=1.0).contains(u)), "{strategy}: {point:?}");
        }
    }
}

#[test]
fn random_ignores_the_history() {
    let space = mixed_space();
    let history = vec![Observation { unit: vec![0.5; 3], score: 1.0 }];
    assert_eq!(
        propose(TuningStrategy::Random, &space, 8, 4, &[]),
        propose(TuningStrategy::Random, &space, 8, 4, &history)
    );
}

fn grid_space() -> Space {
    Space::new(vec![
        ("optimizer".into(), SearchSpace::Categorical(vec!["adam".into(), "sgd".into(), "adamw".into()])),
        ("batch_size".into(), SearchSpace::Categorical(vec!["16".into(), "32".into()])),
        ("epochs".into(), SearchSpace::Integer { min: 1, max: 3, scaling: Scaling::Linear }),
    ])
}

fn grid_values(space: &Space, index: u64) -> Vec<String> {
    space.decode(&propose(TuningStrategy::Grid, space, 0, index, &[])).into_iter().map(|a| a.text).collect()
}

#[test]
fn grid_enumerates_every_combination_once() {
    let space = grid_space();
    assert_eq!(space.grid_size(), Some(18));
    let all: Vec<Vec<String>> = (0..18).map(|i| grid_values(&space, i)).collect();
    let distinct: BTreeSet<&Vec<String>> = all.iter().collect();
    assert_eq!(distinct.len(), 18);
    // The last parameter varies fastest.
    assert_eq!(all[0], ["adam", "16", "1"]);
    assert_eq!(all[1], ["adam", "16", "2"]);
    assert_eq!(all[3], ["adam", "32", "1"]);
    assert_eq!(all[17], ["adamw", "32", "3"]);
}

#[test]
fn grid_wraps_after_the_last_combination() {
    let space = grid_space();
    assert_eq!(grid_values(&space, 18), grid_values(&space, 0));
    assert_eq!(grid_values(&space, 40), grid_values(&space, 4));
}

#[test]
fn grid_points_are_cell_centres_and_exact_integers() {
    let space = grid_space();
    let point = propose(TuningStrategy::Grid, &space, 0, 17, &[]);
    // Choice 2 of 3, choice 1 of 2, integer 3 of 1..=3 (cells of width 1/3 over 0.5 ..= 3.5).
    let expected = [2.5 / 3.0, 0.75, 2.5 / 3.0];
    assert!(point.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12), "{point:?}");
}

#[test]
fn grid_takes_five_levels_of_a_real_range() {
    let space = Space::new(vec![(
        "warmup_ratio".into(),
        SearchSpace::Continuous { min: 0.0, max: 0.2, scaling: Scaling::Linear },
    )]);
    let values: Vec<String> = (0..5).map(|i| grid_values(&space, i)[0].clone()).collect();
    assert_eq!(values, ["0", "0.05", "0.1", "0.15", "0.2"]);
}
