//! The experiment tracker (MLflow) as a view of the run folder. The folder is the source of
//! truth and always complete; the tracker gets the training's metric points live
//! ([`LiveTracker`], rank 0 only), and after every step the whole run is synced
//! ([`sync::after_step`]), which sends only what MLflow lacks. A tracker that is down or slow never
//! costs a result: training goes on, one warning names the command that completes it later
//! (`runner sync settings.ini <run>`, [`sync::sync_folder`]).

pub mod live;
pub mod snapshot;
pub mod sync;

pub use live::{LiveTracker, LiveTracking};

use crate::job::Job;
use crate::layout::RunLayout;
use crate::Result;
use mlpipe_tracking::{MlflowClient, SageMakerArn};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long one request to the tracker may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Whether this process found the tracker unreachable (and said so once).
static DOWN: AtomicBool = AtomicBool::new(false);

fn tracker_down() -> bool {
    DOWN.load(Ordering::SeqCst)
}

fn mark_down() {
    DOWN.store(true, Ordering::SeqCst);
}

/// A client of the tracking server `uri` (`[tracking] mlflow_uri`): plain HTTP(S), or for a
/// SageMaker-managed server's ARN, signed requests and S3 artifacts through the job's
/// [`crate::job::Remote`]. Each request gives up after `timeout`.
///
/// # Errors
/// An ARN that does not parse (settings have checked it), or a remote that cannot set one up.
pub fn client(job: &Job, uri: &str, timeout: Duration) -> Result<MlflowClient> {
    if !SageMakerArn::looks_like_arn(uri) {
        return Ok(MlflowClient::new(uri, timeout));
    }
    let arn = SageMakerArn::parse(uri)
        .map_err(|reason| crate::Error::Unsupported { what: format!("tracking.mlflow_uri = {uri}: {reason}") })?;
    job.remote.sagemaker_mlflow(&arn, timeout)
}

/// The command that completes the tracker's view of `run` later.
pub fn sync_hint(job: &Job, run: &RunLayout) -> String {
    format!("runner sync {} {}", job.settings.path.display(), run.num())
}
