//! A chart's legend: one row per series (a line sample in the series' colour and its name) in a
//! framed box, placed in the corner of the plotting area that the curves cross least, so it hides
//! as little data as possible (a falling loss leaves the upper right free, a rising accuracy the
//! lower right).

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::{Circle, Color, DrawingArea, DrawingBackend, PathElement, RGBColor, Rectangle, WHITE};

use super::text::{Align, TextStyle};

/// A corner of the plotting area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Corner {
    UpperRight,
    LowerRight,
    UpperLeft,
    LowerLeft,
}

/// Corners in order of preference when several are equally free.
const CORNERS: [Corner; 4] = [Corner::UpperRight, Corner::LowerRight, Corner::UpperLeft, Corner::LowerLeft];

/// Samples taken along each segment between consecutive points: curves cross a corner between
/// data points too.
const SAMPLES_PER_SEGMENT: usize = 16;

/// Pixels between the legend box and the plotting area's frame.
const INSET: i32 = 10;
/// Pixels between the box's border and its content.
const PADDING: i32 = 10;
/// Length in pixels of the line sample in each row.
const SAMPLE: i32 = 26;

/// The corner whose legend-sized box (`width` × `height`, as fractions of the plotting area)
/// covers the fewest samples of the `curves`, which are drawn on `x` × `y`. Points must be finite.
pub(super) fn best_corner(
    curves: &[Vec<(f64, f64)>],
    x: &Range<f64>,
    y: &Range<f64>,
    width: f64,
    height: f64,
) -> Corner {
    let mut hits = [0usize; CORNERS.len()];
    let normalise = |(px, py): (f64, f64)| ((px - x.start) / (x.end - x.start), (py - y.start) / (y.end - y.start));
    for curve in curves {
        let samples = curve.windows(2).flat_map(|pair| {
            let (a, b) = (normalise(pair[0]), normalise(pair[1]));
            (0..SAMPLES_PER_SEGMENT).map(move |i| {
                let t = i as f64 / SAMPLES_PER_SEGMENT as f64;
                (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
            })
        });
        for (sx, sy) in samples.chain(curve.last().copied().map(normalise)) {
            let (left, right) = (sx <= width, sx >= 1.0 - width);
            let (lower, upper) = (sy <= height, sy >= 1.0 - height);
            for (hit, covered) in hits.iter_mut().zip([upper && right, lower && right, upper && left, lower && left]) {
                *hit += usize::from(covered);
            }
        }
    }
    let best = (0..CORNERS.len()).min_by_key(|&i| hits[i]).unwrap_or(0);
    CORNERS[best]
}

/// One row of a legend.
pub(super) struct Entry<'a> {
    pub name: &'a str,
    pub colour: RGBColor,
    /// Whether the series' points carry markers, which the line sample then shows too.
    pub marked: bool,
}

/// The legend of a chart: one entry per series, in drawing order.
pub(super) struct Legend<'a> {
    pub entries: Vec<Entry<'a>>,
    pub style: TextStyle<'a>,
}

impl Legend<'_> {
    /// Width and height of the framed box in pixels, including the inset from the frame.
    pub fn outer_size(&self) -> (i32, i32) {
        let widest = self.entries.iter().map(|entry| self.style.measure(entry.name).0).fold(0.0, f32::max);
        let width = 2 * PADDING + SAMPLE + PADDING + widest.ceil() as i32;
        let height = 2 * PADDING + self.entries.len() as i32 * self.row_height();
        (width + INSET, height + INSET)
    }

    /// Draws the legend in `corner` of the plotting area whose pixels are `plot` (on `area`).
    ///
    /// # Errors
    /// The backend's message when drawing fails.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        plot: &(Range<i32>, Range<i32>),
        corner: Corner,
    ) -> Result<(), String> {
        let (outer_width, outer_height) = self.outer_size();
        let (width, height) = (outer_width - INSET, outer_height - INSET);
        let left = match corner {
            Corner::UpperLeft | Corner::LowerLeft => plot.0.start + INSET,
            Corner::UpperRight | Corner::LowerRight => plot.0.end - INSET - width,
        };
        let top = match corner {
            Corner::UpperLeft | Corner::UpperRight => plot.1.start + INSET,
            Corner::LowerLeft | Corner::LowerRight => plot.1.end - INSET - height,
        };
        let frame = [(left, top), (left + width, top + height)];
        let failed = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        area.draw(&Rectangle::new(frame, WHITE.mix(0.92).filled())).map_err(failed)?;
        area.draw(&Rectangle::new(frame, RGBColor(170, 170, 170))).map_err(failed)?;
        for (row, entry) in self.entries.iter().enumerate() {
            let y = top + PADDING + row as i32 * self.row_height() + self.row_height() / 2;
            let x = left + PADDING;
            let colour = entry.colour;
            area.draw(&PathElement::new([(x, y), (x + SAMPLE, y)], colour.stroke_width(2))).map_err(failed)?;
            if entry.marked {
                area.draw(&Circle::new((x + SAMPLE / 2, y), 3, colour.filled())).map_err(failed)?;
            }
            self.style.draw(area, entry.name, (x + SAMPLE + PADDING, y), (Align::Start, Align::Centre), false)?;
        }
        Ok(())
    }

    fn row_height(&self) -> i32 {
        (self.style.size * 1.5).round() as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corner_for(curve: Vec<(f64, f64)>) -> Corner {
        best_corner(&[curve], &(0.0..10.0), &(0.0..1.0), 0.3, 0.2)
    }

    #[test]
    fn a_falling_curve_leaves_the_upper_right_free() {
        assert_eq!(corner_for((0..=10).map(|i| (i as f64, 1.0 - i as f64 / 10.0)).collect()), Corner::UpperRight);
    }

    #[test]
    fn a_rising_curve_leaves_the_lower_right_free() {
        assert_eq!(corner_for((0..=10).map(|i| (i as f64, i as f64 / 10.0)).collect()), Corner::LowerRight);
    }

    #[test]
    fn a_curve_across_the_top_moves_the_legend_down() {
        assert_eq!(corner_for(vec![(0.0, 0.95), (10.0, 0.95)]), Corner::LowerRight);
    }

    #[test]
    fn a_segment_between_sparse_points_counts_too() {
        // Two points outside the upper-right box whose segment crosses it.
        assert_eq!(corner_for(vec![(6.0, 1.0), (10.0, 0.7)]), Corner::LowerRight);
    }
}
