//! The dense linear algebra of the Gaussian process: the Cholesky factor of a small symmetric
//! positive-definite matrix (row-major `n × n`), with diagonal jitter when rounding makes it
//! indefinite, and the triangular solves that use it.

/// The lower-triangular factor `L` of `A = L Lᵀ`.
#[derive(Debug, Clone)]
pub(super) struct Cholesky {
    n: usize,
    /// Row-major `n × n`; the strict upper triangle is zero.
    l: Vec<f64>,
}

/// Jitter tried in turn, relative to the mean diagonal, when the plain factorisation fails.
const JITTER: [f64; 6] = [1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5];

impl Cholesky {
    /// Factors the `n × n` row-major matrix `a` (only its lower triangle is read), adding growing
    /// jitter to the diagonal if rounding makes it not positive definite; `None` when even the
    /// largest jitter fails or `a` is not `n × n`.
    pub(super) fn new(a: &[f64], n: usize) -> Option<Self> {
        if a.len() != n * n {
            return None;
        }
        if let Some(l) = factor(a, n, 0.0) {
            return Some(Cholesky { n, l });
        }
        let mean_diag = (0..n).map(|i| a[i * n + i].abs()).sum::<f64>() / n.max(1) as f64;
        let scale = if mean_diag > 0.0 { mean_diag } else { 1.0 };
        JITTER.iter().find_map(|j| factor(a, n, j * scale)).map(|l| Cholesky { n, l })
    }

    /// Solves `L x = b` by forward substitution (`b` has `n` entries).
    pub(super) fn solve_lower(&self, b: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut x = b.to_vec();
        for i in 0..n {
            let row = &self.l[i * n..i * n + i];
            let dot: f64 = row.iter().zip(&x[..i]).map(|(l, x)| l * x).sum();
            x[i] = (x[i] - dot) / self.l[i * n + i];
        }
        x
    }

    /// Solves `Lᵀ x = b` by back substitution.
    pub(super) fn solve_upper(&self, b: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut x = b.to_vec();
        for i in (0..n).rev() {
            let dot: f64 = (i + 1..n).map(|k| self.l[k * n + i] * x[k]).sum();
            x[i] = (x[i] - dot) / self.l[i * n + i];
        }
        x
    }

    /// Solves `A x = b`.
    pub(super) fn solve(&self, b: &[f64]) -> Vec<f64> {
        self.solve_upper(&self.solve_lower(b))
    }

    /// `ln det A = 2 Σ ln L_ii`.
    pub(super) fn log_det(&self) -> f64 {
        2.0 * (0..self.n).map(|i| self.l[i * self.n + i].ln()).sum::<f64>()
    }
}

/// Cholesky–Banachiewicz on `a + jitter I`; `None` at a pivot that is not positive and finite.
fn factor(a: &[f64], n: usize, jitter: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let pivot = a[i * n + i] + jitter - dot;
                if !(pivot > 0.0 && pivot.is_finite()) {
                    return None;
                }
                l[i * n + i] = pivot.sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - dot) / l[j * n + j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len());
        for (a, e) in actual.iter().zip(expected) {
            assert!((a - e).abs() < 1e-12, "{actual:?} != {expected:?}");
        }
    }

    // A = [[4, 12, -16], [12, 37, -43], [-16, -43, 98]] = L Lᵀ with L = [[2, 0, 0], [6, 1, 0],
    // [-8, 5, 3]]: the classic example (Wikipedia, "Cholesky decomposition"), checked by hand:
    // row 2 of L Lᵀ is (-16, -48 + 5, 64 + 25 + 9) = (-16, -43, 98).
    const A: [f64; 9] = [4.0, 12.0, -16.0, 12.0, 37.0, -43.0, -16.0, -43.0, 98.0];

    #[test]
    fn factor_matches_the_hand_computed_one() {
        let chol = Cholesky::new(&A, 3).unwrap();
        assert_close(&chol.l, &[2.0, 0.0, 0.0, 6.0, 1.0, 0.0, -8.0, 5.0, 3.0]);
    }

    #[test]
    fn triangular_solves_match_hand_computed_values() {
        let chol = Cholesky::new(&A, 3).unwrap();
        // L y = (2, 7, 0): y0 = 1, y1 = 7 - 6 = 1, y2 = (0 + 8 - 5) / 3 = 1.
        assert_close(&chol.solve_lower(&[2.0, 7.0, 0.0]), &[1.0, 1.0, 1.0]);
        // Lᵀ x = (0, 6, 3): x2 = 1, x1 = 6 - 5 = 1, x0 = (0 - 6 + 8) / 2 = 1.
        assert_close(&chol.solve_upper(&[0.0, 6.0, 3.0]), &[1.0, 1.0, 1.0]);
    }

    #[test]
    fn solve_inverts_the_matrix() {
        // A (1, 1, 1) = (0, 6, 39).
        let chol = Cholesky::new(&A, 3).unwrap();
        assert_close(&chol.solve(&[0.0, 6.0, 39.0]), &[1.0, 1.0, 1.0]);
    }

    #[test]
    fn log_det_is_twice_the_log_of_the_diagonal_product() {
        // det A = (2 * 1 * 3)^2 = 36.
        let chol = Cholesky::new(&A, 3).unwrap();
        assert!((chol.log_det() - 36f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn singular_matrix_gets_jitter() {
        // Rank one: two identical points under a kernel without noise.
        let chol = Cholesky::new(&[1.0, 1.0, 1.0, 1.0], 2).unwrap();
        assert!(chol.l[3] > 0.0 && chol.l[3] < 1e-3);
    }

    #[test]
    fn indefinite_matrix_is_refused() {
        assert!(Cholesky::new(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
        assert!(Cholesky::new(&[1.0, 0.0, 0.0], 2).is_none());
    }
}
