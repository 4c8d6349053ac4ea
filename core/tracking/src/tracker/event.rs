//! [`Event`]: what happened to a tracked run, in the order it happened; the one input of
//! [`crate::BufferedTracker`].

use crate::data::{Metric, RunSpec, RunStatus};

/// What happened to a tracked run, as an event stream: one `Start`, then any number of `Metrics`
/// and `Artifact`, then one `End`.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The run began: find or create the MLflow run keyed `key` and log its params.
    Start {
        /// The run's stable identity (see [`crate::RUN_KEY_TAG`]).
        key: String,
        /// Name, tags, parent and start time of the MLflow run.
        spec: RunSpec,
        /// The run's parameters.
        params: Vec<(String, String)>,
    },
    /// Metric points; consecutive events are sent together, up to 1000 points per request.
    Metrics(Vec<Metric>),
    /// A file for the run's artifacts, at `path` relative to its artifact root.
    Artifact {
        /// E.g. `curves/loss.png`.
        path: String,
        /// The file's content.
        bytes: Vec<u8>,
    },
    /// The run ended.
    End {
        /// How.
        status: RunStatus,
        /// When, in milliseconds since the Unix epoch.
        end_ms: u64,
    },
}
