//! Axis ranges and tick labels of a chart. A range covers every finite value with a little padding
//! (so no point sits on the frame), degenerate data (one point, constant values, nothing finite)
//! still gets a usable range, and tick labels show as many decimals as the tick step needs and no
//! more (`0.80 0.85 0.90`, `1 2 3`).

use std::ops::Range;

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;

/// Range used when there is no finite value at all.
const EMPTY: Range<f64> = 0.0..1.0;

/// Most decimals a tick label shows (steps below 1e-10 only occur for absurd data).
const MAX_DECIMALS: usize = 10;

/// One axis: the values it spans and how to print its ticks.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Axis {
    /// The span drawn.
    pub range: Range<f64>,
    /// Decimals shown in tick labels.
    pub decimals: usize,
}

impl Axis {
    /// The axis for `values`: their finite extent widened by `padding` (a fraction of the extent)
    /// on both sides, labelled with at most `ticks` ticks.
    pub fn fit(values: impl IntoIterator<Item = f64>, padding: f64, ticks: usize) -> Self {
        let range = padded_range(values, padding);
        let decimals = tick_decimals(&range, ticks);
        Self { range, decimals }
    }

    /// The label of a tick at `value`.
    pub fn label(&self, value: f64) -> String {
        let text = format!("{value:.*}", self.decimals);
        // Avoid "-0.00" for a tick that is zero up to rounding.
        if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
            text[1..].to_string()
        } else {
            text
        }
    }
}

/// The extent of the finite `values` widened by `padding`; a single value gets ±10 % of itself
/// (±1 for zero) and no finite value gives `0..1`.
fn padded_range(values: impl IntoIterator<Item = f64>, padding: f64) -> Range<f64> {
    let (min, max) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if min > max {
        return EMPTY;
    }
    let span = max - min;
    if span == 0.0 || !span.is_finite() || span < max.abs().max(min.abs()) * 1e-12 {
        let half = if min == 0.0 { 1.0 } else { min.abs() * 0.1 };
        return min - half..max + half;
    }
    min - span * padding..max + span * padding
}

/// Decimals needed to print the ticks that plotters places on `range` when asked for at most
/// `ticks` of them: one more than the order of magnitude of the step below 1.
fn tick_decimals(range: &Range<f64>, ticks: usize) -> usize {
    let points = RangedCoordf64::from(range.clone()).key_points(ticks);
    let step = match points.as_slice() {
        [first, second, ..] => second - first,
        _ => range.end - range.start,
    };
    if !(step.is_finite() && step > 0.0) {
        return 0;
    }
    // A step of 0.05 needs 2 decimals, 0.2 or 0.5 need 1, 1 or 5 need none; the small tolerance
    // keeps 0.1 (stored as 0.1000…01) at 1 decimal.
    let needed = (-step.log10() - 1e-9).ceil();
    needed.clamp(0.0, MAX_DECIMALS as f64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_covers_the_finite_values_with_padding() {
        let axis = Axis::fit([1.0, f64::NAN, 3.0, f64::INFINITY], 0.05, 10);
        assert_eq!(axis.range, 0.9..3.1);
    }

    #[test]
    fn a_single_or_constant_value_gets_a_range_around_it() {
        assert_eq!(Axis::fit([2.0, 2.0], 0.05, 10).range, 1.8..2.2);
        assert_eq!(Axis::fit([0.0], 0.05, 10).range, -1.0..1.0);
        assert_eq!(Axis::fit([-5.0], 0.05, 10).range, -5.5..-4.5);
    }

    #[test]
    fn no_finite_value_gives_the_unit_range() {
        assert_eq!(Axis::fit([f64::NAN], 0.05, 10).range, 0.0..1.0);
        assert_eq!(Axis::fit([], 0.05, 10).range, 0.0..1.0);
    }

    #[test]
    fn tick_labels_show_the_decimals_the_step_needs() {
        // Epochs 1..=10: plotters steps by 1.
        let epochs = Axis::fit([1.0, 10.0], 0.0, 10);
        assert_eq!((epochs.label(3.0), epochs.label(10.0)), ("3".to_string(), "10".to_string()));
        // Accuracy 0.80..0.95 in at most 10 ticks: plotters steps by 0.02.
        let accuracy = Axis::fit([0.8, 0.95], 0.0, 10);
        assert_eq!(accuracy.label(0.8), "0.80");
        // Unit range in at most 10 ticks: steps of 0.1.
        assert_eq!(Axis::fit([0.0, 1.0], 0.0, 10).label(0.3), "0.3");
    }

    #[test]
    fn a_tick_at_zero_never_reads_minus_zero() {
        assert_eq!(Axis::fit([-1.0, 1.0], 0.0, 10).label(-1e-17), "0.0");
    }
}
