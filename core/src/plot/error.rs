//! The error type of [`plot`](super): a chart that could not be drawn or written.

use std::path::PathBuf;

/// Why a chart could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The embedded font could not be registered with the renderer (a build defect).
    #[error("cannot load the embedded chart font: {message}")]
    Font {
        /// The renderer's message.
        message: String,
    },
    /// The renderer failed while drawing or encoding the chart.
    #[error("drawing chart {}: {message}", path.display())]
    Draw {
        /// The chart file.
        path: PathBuf,
        /// The renderer's message.
        message: String,
    },
    /// The chart path names no file.
    #[error("chart path {} has no file name", path.display())]
    NoFileName {
        /// The path given.
        path: PathBuf,
    },
    /// Creating the folder, flushing or renaming the chart file failed.
    #[error("writing chart {}: {source}", path.display())]
    Io {
        /// The chart file or its folder.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
}
