//! Bayesian search: after a few random trials, the next point maximises the expected improvement
//! (EI) of a Gaussian-process model of the scores so far, over random candidates and small
//! perturbations of the best points seen.

use std::collections::BTreeSet;

use super::draw::{gaussian, random_point, stream, uniform, Purpose};
use super::gp::Gp;
use super::normal::{cdf, pdf};
use super::propose::Observation;
use super::space::Space;

/// How many candidate points the acquisition is maximised over.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidates {
    /// Uniform points of the cube.
    pub(super) random: usize,
    /// Gaussian perturbations of the best observed points.
    pub(super) local: usize,
}

/// The candidate counts of real tuning jobs.
pub(super) const CANDIDATES: Candidates = Candidates { random: 2000, local: 200 };

/// EI's exploration margin, in standardised score units.
const XI: f64 = 0.01;

/// How many of the best observed points are perturbed, and by how much (per coordinate).
const PARENTS: usize = 5;
const PERTURBATION: f64 = 0.05;

/// The trials drawn at random before the model is used: one more than the dimensions, at least 3
/// and at most 5.
pub(super) fn warm_up_trials(dims: usize) -> u64 {
    (dims as u64 + 1).clamp(3, 5)
}

/// The point of Bayesian trial `index`: random (the same as random search's) during warm-up or
/// while `history` holds fewer than two distinct points, else the candidate of highest EI whose
/// decoded values were not tried yet (the best one regardless when all were tried). Observations
/// with a non-finite score or a point of the wrong dimension are ignored.
pub(super) fn propose(space: &Space, seed: u64, index: u64, history: &[Observation], counts: Candidates) -> Vec<f64> {
    let dims = space.dims();
    let observed: Vec<&Observation> = history.iter().filter(|o| o.score.is_finite() && o.unit.len() == dims).collect();
    if index < warm_up_trials(dims) || distinct_points(&observed) < 2 {
        return random_point(seed, index, dims);
    }
    let (x, y) = standardised(&observed);
    let Some(gp) = Gp::fit(&x, &y) else {
        return random_point(seed, index, dims);
    };
    let best = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let candidates = candidates(seed, index, dims, &observed, counts);
    let mut ranked: Vec<(f64, f64, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let (mean, sd) = gp.predict(point);
            // The upper confidence bound only breaks ties, when EI underflows to 0 everywhere.
            (expected_improvement(mean, sd, best), mean + 2.0 * sd, i)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    let tried: BTreeSet<Vec<String>> = observed.iter().map(|o| texts(space, &o.unit)).collect();
    let pick = ranked.iter().find(|(_, _, i)| !tried.contains(&texts(space, &candidates[*i]))).or(ranked.first());
    match pick {
        Some((_, _, i)) => candidates[*i].clone(),
        None => random_point(seed, index, dims),
    }
}

/// EI of a point with posterior `mean` and standard deviation `sd` over the best score `best`
/// (maximising): `E[max(f - best - ξ, 0)]`.
fn expected_improvement(mean: f64, sd: f64, best: f64) -> f64 {
    let gain = mean - best - XI;
    if sd <= 0.0 {
        return gain.max(0.0);
    }
    let z = gain / sd;
    (gain * cdf(z) + sd * pdf(z)).max(0.0)
}

fn distinct_points(observed: &[&Observation]) -> usize {
    let points: BTreeSet<Vec<u64>> = observed.iter().map(|o| o.unit.iter().map(|u| u.to_bits()).collect()).collect();
    points.len()
}

/// The points and their scores shifted to mean 0 and scaled to variance 1 (left unscaled when all
/// scores are equal).
fn standardised(observed: &[&Observation]) -> (Vec<Vec<f64>>, Vec<f64>) {
    let n = observed.len() as f64;
    let mean = observed.iter().map(|o| o.score).sum::<f64>() / n;
    let variance = observed.iter().map(|o| (o.score - mean).powi(2)).sum::<f64>() / n;
    let scale = if variance > 1e-24 { variance.sqrt() } else { 1.0 };
    let x = observed.iter().map(|o| o.unit.clone()).collect();
    let y = observed.iter().map(|o| (o.score - mean) / scale).collect();
    (x, y)
}

/// Uniform points followed by perturbations of the best observed points (cycling over them), all
/// from the generator of (seed, index).
fn candidates(seed: u64, index: u64, dims: usize, observed: &[&Observation], counts: Candidates) -> Vec<Vec<f64>> {
    let mut rng = stream(seed, index, Purpose::Candidates);
    let mut points: Vec<Vec<f64>> =
        (0..counts.random).map(|_| (0..dims).map(|_| uniform(&mut rng)).collect()).collect();
    let mut parents: Vec<&Observation> = observed.to_vec();
    // Stable: equal scores keep history order.
    parents.sort_by(|a, b| b.score.total_cmp(&a.score));
    parents.truncate(PARENTS);
    for k in 0..counts.local {
        let Some(parent) = parents.get(k % parents.len().max(1)) else { break };
        points.push(parent.unit.iter().map(|u| (u + PERTURBATION * gaussian(&mut rng)).clamp(0.0, 1.0)).collect());
    }
    points
}

fn texts(space: &Space, unit: &[f64]) -> Vec<String> {
    space.decode(unit).into_iter().map(|a| a.text).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Scaling, SearchSpace};

    fn line() -> Space {
        Space::new(vec![("x".into(), SearchSpace::Continuous { min: 0.0, max: 1.0, scaling: Scaling::Linear })])
    }

    #[test]
    fn expected_improvement_without_uncertainty_is_the_gain() {
        assert_eq!(expected_improvement(1.0, 0.0, 0.5), 1.0 - 0.5 - XI);
        assert_eq!(expected_improvement(0.0, 0.0, 0.5), 0.0);
    }

    #[test]
    fn expected_improvement_grows_with_mean_and_uncertainty() {
        let base = expected_improvement(0.0, 0.5, 0.0);
        assert!(expected_improvement(0.2, 0.5, 0.0) > base);
        assert!(expected_improvement(0.0, 1.0, 0.0) > base);
        // At mean = best + ξ, EI = sd φ(0).
        assert!((expected_improvement(XI, 1.0, 0.0) - pdf(0.0)).abs() < 1e-12);
    }

    #[test]
    fn warm_up_depends_on_the_dimensions() {
        assert_eq!([1, 2, 3, 4, 9].map(warm_up_trials), [3, 3, 4, 5, 5]);
    }

    #[test]
    fn warm_up_trials_are_random_search_points() {
        let history = vec![Observation { unit: vec![0.3], score: 1.0 }, Observation { unit: vec![0.6], score: 2.0 }];
        for index in 0..3 {
            assert_eq!(propose(&line(), 9, index, &history, CANDIDATES), random_point(9, index, 1));
        }
    }

    #[test]
    fn one_distinct_point_is_not_enough_for_a_model() {
        let history: Vec<Observation> = (0..4).map(|_| Observation { unit: vec![0.3], score: 1.0 }).collect();
        assert_eq!(propose(&line(), 9, 4, &history, CANDIDATES), random_point(9, 4, 1));
    }

    #[test]
    fn model_steers_towards_the_better_side() {
        // Scores rise to the right: the next point should be to the right of the middle.
        let history: Vec<Observation> =
            [0.1, 0.3, 0.5, 0.7].iter().map(|&u| Observation { unit: vec![u], score: u }).collect();
        let next = propose(&line(), 1, 4, &history, CANDIDATES);
        assert!(next[0] > 0.6, "{next:?}");
    }

    #[test]
    fn tried_choices_are_skipped() {
        let space = Space::new(vec![("c".into(), SearchSpace::Categorical(vec!["a".into(), "b".into(), "c".into()]))]);
        let (a, b) = (1.0 / 6.0, 0.5);
        let history = vec![
            Observation { unit: vec![a], score: 1.0 },
            Observation { unit: vec![b], score: 0.0 },
            Observation { unit: vec![a + 0.01], score: 1.0 },
        ];
        let next = propose(&space, 3, 3, &history, CANDIDATES);
        assert_eq!(space.decode(&next)[0].text, "c");
    }

    #[test]
    fn all_tried_still_proposes_a_point() {
        let space = Space::new(vec![("c".into(), SearchSpace::Categorical(vec!["a".into(), "b".into()]))]);
        let history = vec![Observation { unit: vec![0.25], score: 1.0 }, Observation { unit: vec![0.75], score: 0.0 }];
        let next = propose(&space, 3, 3, &history, CANDIDATES);
        assert_eq!(next.len(), 1);
        assert!((0.0..=1.0).contains(&next[0]));
    }
}
