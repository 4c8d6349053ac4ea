//! Random draws for the strategies: one generator per (seed, trial index, purpose), uniform reals
//! from 53 bits and Gaussian reals by Box–Muller, all on [`SplitMix64`], so that a resumed tuning
//! job draws exactly the numbers the first run would have drawn.

use crate::rng::SplitMix64;

/// What a generator is for, so that two uses of one (seed, index) draw independent numbers.
#[derive(Debug, Clone, Copy)]
pub(super) enum Purpose {
    /// A uniformly random point (random search, Hyperband, Bayesian warm-up).
    Point = 1,
    /// The candidate points over which the Bayesian acquisition is maximised.
    Candidates = 2,
}

/// The generator for `purpose` at trial `index` of a search seeded with `seed`.
///
/// Seed, index and purpose are each mixed through SplitMix64's output function rather than xor-ed
/// together: the generator steps its state by the golden-ratio constant, so a seed of
/// `seed ^ index * golden` would make trial 1's stream trial 0's shifted by one draw.
pub(super) fn stream(seed: u64, index: u64, purpose: Purpose) -> SplitMix64 {
    let seed_hash = SplitMix64::new(seed).next_u64();
    let index_hash = SplitMix64::new(seed_hash ^ index).next_u64();
    SplitMix64::new(SplitMix64::new(index_hash ^ purpose as u64).next_u64())
}

/// A uniform real in [0, 1) from the top 53 bits of the next draw (every value a multiple of 2^-53).
pub(super) fn uniform(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal real (Box–Muller, cosine branch; two uniform draws per value).
pub(super) fn gaussian(rng: &mut SplitMix64) -> f64 {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    let radius = (-2.0 * (1.0 - uniform(rng)).ln()).sqrt();
    radius * (std::f64::consts::TAU * uniform(rng)).cos()
}

/// A uniformly random point of [0, 1)^dims: trial `index`'s point under random search.
pub(super) fn random_point(seed: u64, index: u64, dims: usize) -> Vec<f64> {
    let mut rng = stream(seed, index, Purpose::Point);
    (0..dims).map(|_| uniform(&mut rng)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_stays_in_the_unit_interval_with_the_right_mean() {
        let mut rng = SplitMix64::new(7);
        let draws: Vec<f64> = (0..20_000).map(|_| uniform(&mut rng)).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
    }

    #[test]
    fn gaussian_has_zero_mean_and_unit_variance() {
        let mut rng = SplitMix64::new(11);
        let draws: Vec<f64> = (0..20_000).map(|_| gaussian(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }

    #[test]
    fn neighbouring_indices_do_not_share_draws() {
        let first: Vec<u64> = {
            let mut rng = stream(0, 0, Purpose::Point);
            (0..8).map(|_| rng.next_u64()).collect()
        };
        let mut rng = stream(0, 1, Purpose::Point);
        let second: Vec<u64> = (0..8).map(|_| rng.next_u64()).collect();
        assert!(first.iter().all(|x| !second.contains(x)));
    }

    #[test]
    fn purposes_draw_different_numbers() {
        let a = stream(5, 3, Purpose::Point).next_u64();
        let b = stream(5, 3, Purpose::Candidates).next_u64();
        assert_ne!(a, b);
    }
}
