//! One range's map between the unit interval and its values: uniform (`linear`, `auto`), uniform in
//! the logarithm (`log`) or uniform in the logarithm of the distance to 1 (`reverse_log`).
//!
//! Integer ranges use the same maps over `min - 0.5 ..= max + 0.5` and round, so that every integer
//! owns a cell of the unit interval (equal cells under linear scaling) and both ends are reachable.

use crate::settings::Scaling;

/// A real interval with the scaling that spreads the unit interval over it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Range {
    lo: f64,
    hi: f64,
    scaling: Effective,
}

/// The scaling actually applied: `auto` is linear, and a scaling whose domain the bounds leave
/// (log with `lo <= 0`, reverse log outside `0 <= lo < hi < 1`) falls back to linear. Settings
/// reject such ranges; the fallback only keeps hand-built spaces free of NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Effective {
    Linear,
    Log,
    ReverseLog,
}

impl Range {
    /// The interval `lo..=hi` (`lo < hi`) under `scaling`.
    pub(super) fn new(lo: f64, hi: f64, scaling: Scaling) -> Self {
        let scaling = match scaling {
            Scaling::Log if lo > 0.0 => Effective::Log,
            Scaling::ReverseLog if lo >= 0.0 && hi < 1.0 => Effective::ReverseLog,
            _ => Effective::Linear,
        };
        Range { lo, hi, scaling }
    }

    /// The cells of the integers `min..=max`: the real interval `min - 0.5 ..= max + 0.5`, whose
    /// values round to the integers.
    pub(super) fn integer(min: i64, max: i64, scaling: Scaling) -> Self {
        Range::new(min as f64 - 0.5, max as f64 + 0.5, scaling)
    }

    /// The integer at position `u`: the rounded value, clamped into `min..=max` (the outer edges of
    /// the end cells round outwards).
    pub(super) fn integer_value(&self, u: f64, min: i64, max: i64) -> i64 {
        (self.value(u).round() as i64).clamp(min, max)
    }

    /// The value at position `u` (clamped into [0, 1]; NaN reads as 0), itself clamped into the
    /// interval against rounding in `exp`/`ln`.
    pub(super) fn value(&self, u: f64) -> f64 {
        let u = if u.is_nan() { 0.0 } else { u.clamp(0.0, 1.0) };
        let (lo, hi) = (self.lo, self.hi);
        let x = match self.scaling {
            Effective::Linear => lo + u * (hi - lo),
            Effective::Log => (lo.ln() + u * (hi.ln() - lo.ln())).exp(),
            // SageMaker's ReverseLogarithmic: 1 - x is log-uniform over [1 - hi, 1 - lo], so values
            // crowd towards hi.
            Effective::ReverseLog => {
                let (a, b) = ((1.0 - lo).ln(), (1.0 - hi).ln());
                1.0 - (a + u * (b - a)).exp()
            }
        };
        x.clamp(lo, hi)
    }

    /// The position of value `x` (inverse of [`Range::value`]), clamped into [0, 1].
    pub(super) fn unit(&self, x: f64) -> f64 {
        let (lo, hi) = (self.lo, self.hi);
        let u = match self.scaling {
            Effective::Linear => (x - lo) / (hi - lo),
            Effective::Log => (x.ln() - lo.ln()) / (hi.ln() - lo.ln()),
            Effective::ReverseLog => {
                let (a, b) = ((1.0 - lo).ln(), (1.0 - hi).ln());
                ((1.0 - x).ln() - a) / (b - a)
            }
        };
        if u.is_nan() {
            0.0
        } else {
            u.clamp(0.0, 1.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn ends_map_to_bounds_for_every_scaling() {
        for scaling in Scaling::ALL {
            let range = Range::new(0.01, 0.9, *scaling);
            assert!(close(range.value(0.0), 0.01), "{scaling}");
            assert!(close(range.value(1.0), 0.9), "{scaling}");
        }
    }

    #[test]
    fn log_midpoint_is_the_geometric_mean() {
        let range = Range::new(1e-5, 1e-3, Scaling::Log);
        assert!(close(range.value(0.5), 1e-4));
    }

    #[test]
    fn reverse_log_midpoint_is_above_the_arithmetic_midpoint() {
        // 1 - x at u = 0.5 is the geometric mean of 1 - 0 and 1 - 0.99: sqrt(0.01) = 0.1.
        let range = Range::new(0.0, 0.99, Scaling::ReverseLog);
        assert!(close(range.value(0.5), 0.9));
    }

    #[test]
    fn unit_inverts_value() {
        for scaling in Scaling::ALL {
            let range = Range::new(0.001, 0.5, *scaling);
            for u in [0.0, 0.1, 0.37, 0.5, 0.99, 1.0] {
                assert!(close(range.unit(range.value(u)), u), "{scaling} at {u}");
            }
        }
    }

    #[test]
    fn scalings_outside_their_domain_fall_back_to_linear() {
        assert!(close(Range::new(0.0, 10.0, Scaling::Log).value(0.5), 5.0));
        assert!(close(Range::new(0.5, 4.5, Scaling::ReverseLog).value(0.5), 2.5));
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let range = Range::new(2.0, 4.0, Scaling::Linear);
        assert_eq!(range.value(-1.0), 2.0);
        assert_eq!(range.value(f64::NAN), 2.0);
        assert_eq!(range.unit(9.0), 1.0);
    }
}
