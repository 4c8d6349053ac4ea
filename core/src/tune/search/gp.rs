//! The Gaussian-process surrogate of Bayesian search: a zero-mean process over the unit cube with a
//! Matérn-5/2 kernel of unit signal variance (scores are standardised first), whose length scales
//! and noise are chosen by maximising the log marginal likelihood over a small grid.

use super::linalg::Cholesky;

/// Length scales tried, in unit-cube coordinates.
const LENGTH_SCALES: [f64; 5] = [0.05, 0.1, 0.2, 0.4, 0.8];

/// Noise variances tried, relative to the unit signal variance.
const NOISES: [f64; 3] = [1e-6, 1e-3, 1e-2];

/// Coordinate-ascent passes over per-dimension length scales after the best shared one.
const ARD_PASSES: usize = 2;

/// A Gaussian process conditioned on observations.
#[derive(Debug, Clone)]
pub(super) struct Gp {
    x: Vec<Vec<f64>>,
    inv_lengths: Vec<f64>,
    chol: Cholesky,
    /// `(K + noise I)⁻¹ y`.
    alpha: Vec<f64>,
}

/// The model for one choice of length scales, with the noise that maximises its likelihood.
struct Fit {
    log_likelihood: f64,
    chol: Cholesky,
    alpha: Vec<f64>,
}

impl Gp {
    /// Conditions on points `x` (all of one dimension, at least one point) with standardised scores
    /// `y`. Length scales: the best shared one from [`LENGTH_SCALES`], then per dimension by
    /// coordinate ascent over the same values, each with the best noise from [`NOISES`]. `None` when
    /// no choice gives a positive-definite covariance (or `x` is empty).
    pub(super) fn fit(x: &[Vec<f64>], y: &[f64]) -> Option<Gp> {
        let dims = x.first()?.len();
        let mut best: Option<(Vec<f64>, Fit)> = None;
        let consider = |lengths: Vec<f64>, best: &mut Option<(Vec<f64>, Fit)>| {
            if let Some(fit) = fit_lengths(x, y, &lengths) {
                if best.as_ref().is_none_or(|(_, b)| fit.log_likelihood > b.log_likelihood) {
                    *best = Some((lengths, fit));
                }
            }
        };
        for length in LENGTH_SCALES {
            consider(vec![length; dims], &mut best);
        }
        for _ in 0..ARD_PASSES {
            for dim in 0..dims {
                for length in LENGTH_SCALES {
                    let Some((current, _)) = &best else { break };
                    if current[dim] != length {
                        let mut lengths = current.clone();
                        lengths[dim] = length;
                        consider(lengths, &mut best);
                    }
                }
            }
        }
        let (lengths, fit) = best?;
        Some(Gp { x: x.to_vec(), inv_lengths: inverses(&lengths), chol: fit.chol, alpha: fit.alpha })
    }

    /// The posterior mean and standard deviation of the (noise-free) process at `point`.
    pub(super) fn predict(&self, point: &[f64]) -> (f64, f64) {
        let k: Vec<f64> = self.x.iter().map(|xi| kernel(xi, point, &self.inv_lengths)).collect();
        let mean = k.iter().zip(&self.alpha).map(|(k, a)| k * a).sum();
        let v = self.chol.solve_lower(&k);
        let variance = 1.0 - v.iter().map(|v| v * v).sum::<f64>();
        (mean, variance.max(0.0).sqrt())
    }
}

fn inverses(lengths: &[f64]) -> Vec<f64> {
    lengths.iter().map(|l| 1.0 / l).collect()
}

/// The Matérn-5/2 kernel with unit variance: `(1 + s + s²/3) e^-s` with `s = √5 r`, `r` the distance
/// after dividing each coordinate by its length scale.
fn kernel(a: &[f64], b: &[f64], inv_lengths: &[f64]) -> f64 {
    let r2: f64 = a.iter().zip(b).zip(inv_lengths).map(|((a, b), inv)| ((a - b) * inv).powi(2)).sum();
    let s = (5.0 * r2).sqrt();
    (1.0 + s + s * s / 3.0) * (-s).exp()
}

/// The best fit over [`NOISES`] for fixed length scales.
fn fit_lengths(x: &[Vec<f64>], y: &[f64], lengths: &[f64]) -> Option<Fit> {
    let n = x.len();
    let inv = inverses(lengths);
    let mut gram = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let k = kernel(&x[i], &x[j], &inv);
            gram[i * n + j] = k;
            gram[j * n + i] = k;
        }
    }
    let mut best: Option<Fit> = None;
    for noise in NOISES {
        let mut cov = gram.clone();
        for i in 0..n {
            cov[i * n + i] += noise;
        }
        let Some(chol) = Cholesky::new(&cov, n) else { continue };
        let alpha = chol.solve(y);
        let fit_term: f64 = y.iter().zip(&alpha).map(|(y, a)| y * a).sum();
        let log_likelihood =
            -0.5 * fit_term - 0.5 * chol.log_det() - 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
        if log_likelihood.is_finite() && best.as_ref().is_none_or(|b| log_likelihood > b.log_likelihood) {
            best = Some(Fit { log_likelihood, chol, alpha });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_is_one_at_zero_distance_and_decays() {
        let inv = [1.0 / 0.2];
        assert_eq!(kernel(&[0.3], &[0.3], &inv), 1.0);
        // r = 1 (one length scale): (1 + √5 + 5/3) e^-√5 = 0.523994...
        let k = kernel(&[0.0], &[0.2], &inv);
        assert!((k - 0.523_994_108_831_820_3).abs() < 1e-9, "{k}");
        assert!(kernel(&[0.0], &[0.6], &inv) < k);
    }

    #[test]
    fn posterior_interpolates_the_observations() {
        let x: Vec<Vec<f64>> = [0.1, 0.4, 0.7, 0.9].iter().map(|v| vec![*v]).collect();
        let y = [-1.0, 0.5, 1.2, -0.7];
        let gp = Gp::fit(&x, &y).unwrap();
        for (xi, yi) in x.iter().zip(y) {
            let (mean, sd) = gp.predict(xi);
            assert!((mean - yi).abs() < 0.15, "mean {mean} at {xi:?}, observed {yi}");
            assert!(sd < 0.15, "sd {sd} at {xi:?}");
        }
    }

    #[test]
    fn uncertainty_grows_away_from_the_data() {
        let x = vec![vec![0.2, 0.2], vec![0.25, 0.3], vec![0.3, 0.2]];
        let gp = Gp::fit(&x, &[0.0, 1.0, -1.0]).unwrap();
        let (_, near) = gp.predict(&[0.25, 0.25]);
        let (far_mean, far) = gp.predict(&[0.95, 0.95]);
        assert!(far > near, "far {far} near {near}");
        assert!(far_mean.abs() < 0.5, "far from the data the mean returns to the prior: {far_mean}");
    }

    #[test]
    fn duplicate_points_still_fit() {
        let x = vec![vec![0.5], vec![0.5], vec![0.1]];
        assert!(Gp::fit(&x, &[1.0, -1.0, 0.0]).is_some());
    }
}
