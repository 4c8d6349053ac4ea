//! Training curves as PNG files: [`line_chart`] draws [`Series`] of (x, y) points as an 800×500
//! line chart with axes, tick labels, a title and a legend, and writes it atomically. plotters
//! draws the lines and encodes the PNG; text is rendered here with the DejaVu Sans font embedded in
//! the binary, so charts look the same on every machine and need no system fonts.

mod axes;
mod error;
mod font;
mod legend;
mod line_chart;
mod render;
mod text;

pub use error::PlotError;
pub use line_chart::{line_chart, Series, HEIGHT, WIDTH};
