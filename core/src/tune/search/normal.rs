//! The standard normal density and distribution function, which the expected improvement needs
//! (the standard library has no `erf`).

/// `1 / sqrt(2π)`.
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// The standard normal density at `z`.
pub(super) fn pdf(z: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * z * z).exp()
}

/// The standard normal distribution function at `z`, with relative error below 1.2e-7.
pub(super) fn cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function by the Chebyshev fit of Numerical Recipes (2nd ed., §6.2,
/// `erfcc`), fractional error below 1.2e-7 everywhere.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let tail = t * poly.exp();
    if x >= 0.0 {
        tail
    } else {
        2.0 - tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_rel(actual: f64, expected: f64) {
        assert!((actual - expected).abs() <= 2e-7 * expected.abs(), "{actual} != {expected}");
    }

    // Reference values from scipy.stats.norm.cdf / norm.pdf.
    #[test]
    fn cdf_matches_reference_values() {
        assert_rel(cdf(0.0), 0.5);
        assert_rel(cdf(1.0), 0.841_344_746_068_542_9);
        assert_rel(cdf(-1.96), 0.024_997_895_148_220_435);
        assert_rel(cdf(-5.0), 2.866_515_718_791_939e-7);
        assert_rel(cdf(3.0), 0.998_650_101_968_369_9);
    }

    #[test]
    fn pdf_matches_reference_values() {
        assert_rel(pdf(0.0), 0.398_942_280_401_432_7);
        assert_rel(pdf(1.5), 0.129_517_595_665_891_75);
    }

    #[test]
    fn far_tails_stay_in_range() {
        assert_eq!(cdf(-40.0), 0.0);
        assert_eq!(cdf(40.0), 1.0);
    }
}
