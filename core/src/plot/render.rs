//! Draws a line chart into a PNG file. plotters provides the canvas, the coordinate mapping, the
//! grid, axis lines, tick marks, the curves and the PNG encoding; every piece of text (title, tick
//! labels, axis descriptions, legend) is drawn by [`text`](super::text), and the label areas are
//! sized from the measured text so that nothing is clipped or needlessly far from its axis.

use std::path::Path;

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::Axis;
use super::font::Fonts;
use super::legend::{self, Entry, Legend};
use super::line_chart::{Series, HEIGHT, WIDTH};
use super::text::{Align, TextStyle};

/// Colours of successive series (matplotlib's "tab10" palette, designed to tell lines apart).
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Series with at most this many points get a marker on every point (epoch curves); denser ones
/// (per-step curves) would drown in markers.
const MAX_MARKED_POINTS: usize = 60;
/// Most ticks per axis.
const TICKS: usize = 10;
/// Extra room around the data, as a fraction of its extent on each side.
const X_PADDING: f64 = 0.03;
const Y_PADDING: f64 = 0.06;
/// Pixels: blank border of the image, tick mark length, gap between neighbouring pieces.
const MARGIN: i32 = 16;
const TICK_LENGTH: i32 = 5;
const GAP: i32 = 6;
/// Font sizes in pixels.
const TITLE_SIZE: f32 = 22.0;
const DESCRIPTION_SIZE: f32 = 16.0;
const TICK_SIZE: f32 = 14.0;

const TEXT: RGBColor = RGBColor(25, 25, 25);
const TICK_TEXT: RGBColor = RGBColor(70, 70, 70);

/// The chart area of a drawing: data coordinates on both axes.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The chart's three kinds of text.
struct Styles<'f> {
    title: TextStyle<'f>,
    description: TextStyle<'f>,
    tick: TextStyle<'f>,
}

/// Both axes, fitted to the finite points, with the values that get a tick.
struct Frame {
    x_axis: Axis,
    y_axis: Axis,
    x_ticks: Vec<f64>,
    y_ticks: Vec<f64>,
}

impl Frame {
    fn fit(curves: &[Vec<(f64, f64)>]) -> Self {
        let x_axis = Axis::fit(curves.iter().flatten().map(|p| p.0), X_PADDING, TICKS);
        let y_axis = Axis::fit(curves.iter().flatten().map(|p| p.1), Y_PADDING, TICKS);
        let x_ticks = RangedCoordf64::from(x_axis.range.clone()).key_points(TICKS);
        let y_ticks = RangedCoordf64::from(y_axis.range.clone()).key_points(TICKS);
        Self { x_axis, y_axis, x_ticks, y_ticks }
    }
}

/// Renders the chart into the PNG file `file`; errors are the renderer's messages.
pub(super) fn render(
    file: &Path,
    fonts: &Fonts,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), String> {
    let curves: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| s.points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect())
        .collect();
    let frame = Frame::fit(&curves);
    let styles = Styles {
        title: TextStyle { font: &fonts.bold, size: TITLE_SIZE, colour: TEXT },
        description: TextStyle { font: &fonts.regular, size: DESCRIPTION_SIZE, colour: TEXT },
        tick: TextStyle { font: &fonts.regular, size: TICK_SIZE, colour: TICK_TEXT },
    };

    let root = BitMapBackend::new(file, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    styles.title.draw(&root, title, (WIDTH as i32 / 2, MARGIN), (Align::Centre, Align::Start), false)?;
    let mut chart = build_chart(&root, &frame, &styles, title)?;
    let plot = chart.plotting_area().get_pixel_range();
    draw_axis_text(&root, &chart, &frame, &styles, (x_label, y_label))?;
    draw_curves(&mut chart, &curves)?;
    if !series.is_empty() {
        let entries = (series.iter().zip(&curves).enumerate())
            .map(|(i, (s, curve))| Entry {
                name: &s.name,
                colour: PALETTE[i % PALETTE.len()],
                marked: curve.len() <= MAX_MARKED_POINTS,
            })
            .collect();
        let legend = Legend { entries, style: styles.description };
        let (width, height) = legend.outer_size();
        let fraction =
            |pixels: i32, range: &std::ops::Range<i32>| f64::from(pixels) / f64::from(range.end - range.start);
        let corner = legend::best_corner(
            &curves,
            &frame.x_axis.range,
            &frame.y_axis.range,
            fraction(width, &plot.0),
            fraction(height, &plot.1),
        );
        legend.draw(&root, &plot, corner)?;
    }
    root.present().map_err(|e| e.to_string())
}

/// The chart area on `root`, its label areas sized from the measured text, with the grid, axis
/// lines and tick marks drawn by plotters (whose own labels are empty and invisible: the text is
/// ours).
fn build_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    frame: &Frame,
    styles: &Styles,
    title: &str,
) -> Result<Chart<'a, DB>, String> {
    let line_height = |style: &TextStyle| style.measure("").1.ceil() as i32;
    let widest_y_tick =
        frame.y_ticks.iter().map(|&y| styles.tick.measure(&frame.y_axis.label(y)).0.ceil() as i32).max();
    let description_height = line_height(&styles.description);
    let x_label_area = TICK_LENGTH + GAP + line_height(&styles.tick) + GAP + description_height;
    let y_label_area = TICK_LENGTH + GAP + widest_y_tick.unwrap_or(0) + 2 * GAP + description_height;
    let title_height = if title.is_empty() { 0 } else { line_height(&styles.title) + GAP };
    let mut chart = ChartBuilder::on(root)
        .margin(MARGIN)
        .margin_top(MARGIN + title_height)
        .margin_right(MARGIN + GAP)
        .x_label_area_size(x_label_area)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(frame.x_axis.range.clone(), frame.y_axis.range.clone())
        .map_err(|e| e.to_string())?;
    let no_label = |_: &f64| String::new();
    chart
        .configure_mesh()
        .x_labels(TICKS)
        .y_labels(TICKS)
        .x_label_formatter(&no_label)
        .y_label_formatter(&no_label)
        .label_style(("sans-serif", 1).into_font().color(&TRANSPARENT))
        .set_all_tick_mark_size(TICK_LENGTH)
        .max_light_lines(4)
        .bold_line_style(RGBColor(222, 222, 222))
        .light_line_style(RGBColor(243, 243, 243))
        .axis_style(RGBColor(100, 100, 100))
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

/// The tick labels beside their ticks and the axis descriptions centred on each axis.
fn draw_axis_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart<'_, DB>,
    frame: &Frame,
    styles: &Styles,
    (x_label, y_label): (&str, &str),
) -> Result<(), String> {
    let plot = chart.plotting_area().get_pixel_range();
    for &x in &frame.x_ticks {
        let (px, _) = chart.backend_coord(&(x, frame.y_axis.range.start));
        let at = (px, plot.1.end + TICK_LENGTH + GAP);
        styles.tick.draw(root, &frame.x_axis.label(x), at, (Align::Centre, Align::Start), false)?;
    }
    for &y in &frame.y_ticks {
        let (_, py) = chart.backend_coord(&(frame.x_axis.range.start, y));
        let at = (plot.0.start - TICK_LENGTH - GAP, py);
        styles.tick.draw(root, &frame.y_axis.label(y), at, (Align::End, Align::Centre), false)?;
    }
    let x_centre = (plot.0.start + plot.0.end) / 2;
    let y_centre = (plot.1.start + plot.1.end) / 2;
    let description = &styles.description;
    description.draw(root, x_label, (x_centre, HEIGHT as i32 - MARGIN), (Align::Centre, Align::End), false)?;
    description.draw(root, y_label, (MARGIN, y_centre), (Align::Centre, Align::Start), true)
}

/// Each curve in its palette colour, with a marker on every point of a sparse one.
fn draw_curves<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, curves: &[Vec<(f64, f64)>]) -> Result<(), String> {
    for (i, curve) in curves.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let marked = curve.len() <= MAX_MARKED_POINTS;
        // Dense, noisy per-step curves stay legible with a thinner line.
        let width = if marked { 2 } else { 1 };
        chart
            .draw_series(LineSeries::new(curve.iter().copied(), colour.stroke_width(width)))
            .map_err(|e| e.to_string())?;
        if marked {
            chart.draw_series(curve.iter().map(|&p| Circle::new(p, 3, colour.filled()))).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
