//! Bayesian search against random search on cheap synthetic objectives: the 2-D Branin function
//! and a 4-D shifted quadratic, 20 trials per run, 50 seeds. Run with `--nocapture` to see the
//! numbers.

use std::time::Instant;

use crate::settings::{Scaling, SearchSpace, TuningStrategy};
use crate::tune::search::{propose, Observation, Space};

const SEEDS: u64 = 50;
const TRIALS: u64 = 20;

/// A synthetic objective over the unit cube (higher is better) and its maximum.
struct Problem {
    name: &'static str,
    dims: usize,
    score: fn(&[f64]) -> f64,
    best: f64,
}

/// Branin–Hoo (Dixon and Szegő 1978) on x1 ∈ [-5, 10], x2 ∈ [0, 15], negated; its minimum
/// 0.397887 is reached at three points.
fn branin(unit: &[f64]) -> f64 {
    use std::f64::consts::PI;
    let (x1, x2) = (-5.0 + 15.0 * unit[0], 15.0 * unit[1]);
    let (b, c, t) = (5.1 / (4.0 * PI * PI), 5.0 / PI, 1.0 / (8.0 * PI));
    -((x2 - b * x1 * x1 + c * x1 - 6.0).powi(2) + 10.0 * (1.0 - t) * x1.cos() + 10.0)
}

/// A quadratic bowl whose minimum (0) is off-centre, negated.
fn shifted_quadratic(unit: &[f64]) -> f64 {
    const CENTRE: [f64; 4] = [0.2, 0.7, 0.35, 0.85];
    -unit.iter().zip(CENTRE).map(|(u, c)| (u - c).powi(2)).sum::<f64>()
}

const PROBLEMS: [Problem; 2] = [
    Problem { name: "branin (2-D)", dims: 2, score: branin, best: -0.397_887_357_729_738 },
    Problem { name: "shifted quadratic (4-D)", dims: 4, score: shifted_quadratic, best: 0.0 },
];

fn unit_space(dims: usize) -> Space {
    let param = SearchSpace::Continuous { min: 0.0, max: 1.0, scaling: Scaling::Linear };
    Space::new((0..dims).map(|i| (format!("x{i}"), param.clone())).collect())
}

/// The regret (distance of the best score from the maximum) after [`TRIALS`] trials.
fn regret(strategy: TuningStrategy, problem: &Problem, seed: u64) -> f64 {
    let space = unit_space(problem.dims);
    let mut history: Vec<Observation> = Vec::new();
    for index in 0..TRIALS {
        let unit = propose(strategy, &space, seed, index, &history);
        let score = (problem.score)(&unit);
        history.push(Observation { unit, score });
    }
    let best = history.iter().map(|o| o.score).fold(f64::NEG_INFINITY, f64::max);
    problem.best - best
}

#[test]
fn bayesian_beats_random_on_synthetic_objectives() {
    for problem in &PROBLEMS {
        let started = Instant::now();
        let (mut bayesian, mut random, mut wins) = (0.0, 0.0, 0);
        for seed in 0..SEEDS {
            let (b, r) =
                (regret(TuningStrategy::Bayesian, problem, seed), regret(TuningStrategy::Random, problem, seed));
            bayesian += b / SEEDS as f64;
            random += r / SEEDS as f64;
            wins += u32::from(b <= r);
        }
        println!(
            "{}: mean regret after {TRIALS} trials over {SEEDS} seeds: bayesian {bayesian:.4}, random {random:.4}; \
             bayesian at least as good on {wins}/{SEEDS} seeds ({:.1} s)",
            problem.name,
            started.elapsed().as_secs_f64()
        );
        assert!(bayesian < random, "{}: bayesian {bayesian} random {random}", problem.name);
        assert!(wins >= 35, "{}: bayesian won only {wins}/{SEEDS}", problem.name);
    }
}
