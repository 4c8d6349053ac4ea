//! The public chart API: a [`Series`] is a named curve, and [`line_chart`] draws series as an
//! 800×500 PNG line chart (see [`render`](super::render)) and writes it atomically: the image is
//! drawn under a hidden temporary name in the target's folder, flushed, and renamed over the
//! target, so a reader never sees a half-written chart.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::PlotError;
use super::font;
use super::render::render;
use crate::storage::TEMP_PREFIX;

/// Width of the PNG in pixels.
pub const WIDTH: u32 = 800;
/// Height of the PNG in pixels.
pub const HEIGHT: u32 = 500;

/// Distinguishes temporary files of one process; the pid distinguishes processes.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// One named curve of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend entry.
    pub name: String,
    /// The (x, y) points, joined in this order; points with a non-finite coordinate are skipped.
    pub points: Vec<(f64, f64)>,
}

/// Draws `series` as a line chart with `title` and axis descriptions `x_label` and `y_label`, and
/// writes it to `path` as an 800×500 PNG, creating the folder if needed and replacing any file
/// there atomically.
///
/// Each series gets its own colour (ten distinct ones, then they repeat), a marker on every point
/// when it has at most 60 points, and a legend entry; the legend sits in the corner the curves
/// cross least. Axis ranges fit the finite points of all series; a single point or constant values
/// get a range around them, and a chart without finite points is drawn with empty unit axes.
///
/// # Errors
/// [`PlotError::NoFileName`] when `path` names no file, [`PlotError::Io`] when the folder cannot be
/// created or the file not flushed or renamed, [`PlotError::Draw`] when rendering or encoding fails,
/// and [`PlotError::Font`] if the embedded font is unusable.
pub fn line_chart(path: &Path, title: &str, x_label: &str, y_label: &str, series: &[Series]) -> Result<(), PlotError> {
    let fonts = font::fonts()?;
    if path.file_name().is_none() {
        return Err(PlotError::NoFileName { path: path.to_path_buf() });
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|source| PlotError::Io { path: dir.to_path_buf(), source })?;
    // The `.png` ending tells the encoder the format; the prefix hides the file from storage listings.
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = TempPath(dir.join(format!("{TEMP_PREFIX}{}-{n}.png", std::process::id())));
    render(&temp.0, fonts, title, x_label, y_label, series)
        .map_err(|message| PlotError::Draw { path: path.to_path_buf(), message })?;
    let io_error = |source| PlotError::Io { path: path.to_path_buf(), source };
    File::open(&temp.0).and_then(|f| f.sync_all()).map_err(io_error)?;
    fs::rename(&temp.0, path).map_err(io_error)
}

/// Removes the temporary file unless it was renamed (then removal fails harmlessly).
struct TempPath(PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::render::PALETTE;
    use plotters::style::RGBColor;

    /// The PNG signature, per the PNG specification.
    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

    fn png_size(bytes: &[u8]) -> (u32, u32) {
        // The IHDR chunk follows the signature: length (4), type (4), width (4), height (4).
        let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        assert_eq!(&bytes[12..16], b"IHDR");
        (be(16), be(20))
    }

    #[test]
    fn two_series_make_a_decodable_png_in_their_own_colours() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss.png");
        let train = Series { name: "train".into(), points: (1..=10).map(|e| (e as f64, 2.0 / e as f64)).collect() };
        let validation = Series {
            name: "validation".into(),
            points: (1..=10).map(|e| (e as f64, 2.2 / e as f64 + 0.03 * e as f64)).collect(),
        };
        line_chart(&path, "Loss per epoch", "epoch", "cross-entropy", &[train, validation]).unwrap();
        let image = image::open(&path).unwrap().to_rgb8();
        assert_eq!(image.dimensions(), (WIDTH, HEIGHT));
        let colours: std::collections::HashSet<[u8; 3]> = image.pixels().map(|p| p.0).collect();
        assert!(colours.len() > 2, "only {} colours", colours.len());
        for RGBColor(r, g, b) in &PALETTE[..2] {
            assert!(colours.contains(&[*r, *g, *b]), "no pixel of series colour {:?}", (r, g, b));
        }
    }

    #[test]
    fn a_degenerate_chart_still_renders() {
        let dir = tempfile::tempdir().unwrap();
        let nan = Series { name: "nan".into(), points: vec![(f64::NAN, 1.0), (2.0, f64::NAN)] };
        let single = Series { name: "one point".into(), points: vec![(1.0, 0.5)] };
        for (name, series) in [("empty.png", vec![]), ("nan.png", vec![nan]), ("single.png", vec![single])] {
            let path = dir.path().join(name);
            line_chart(&path, "degenerate", "x", "y", &series).unwrap();
            let bytes = fs::read(&path).unwrap();
            assert!(bytes.starts_with(PNG_SIGNATURE), "{name}");
            assert_eq!(png_size(&bytes), (WIDTH, HEIGHT), "{name}");
        }
    }

    #[test]
    fn writing_leaves_no_temporary_file_and_creates_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curves/loss.png");
        let series = [Series { name: "train".into(), points: vec![(1.0, 2.0), (2.0, 1.0)] }];
        line_chart(&path, "loss", "epoch", "loss", &series).unwrap();
        line_chart(&path, "loss again", "epoch", "loss", &series).unwrap();
        let names: Vec<_> = fs::read_dir(dir.path().join("curves")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["loss.png"]);
    }

    #[test]
    fn a_path_without_a_file_name_is_refused() {
        let err = line_chart(Path::new("/"), "t", "x", "y", &[]).unwrap_err();
        assert_eq!(err.to_string(), "chart path / has no file name");
    }
}
