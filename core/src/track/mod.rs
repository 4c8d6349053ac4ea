//! The experiment tracker (MLflow) as a view of the run folder. The folder is the source of
//! truth and always complete; the tracker gets the training's metric points live
//! ([`LiveTracker`], rank 0 only), and after every step the whole run is synced
//! ([`sync::after_step`]), which sends only what MLflow lacks. A tracker that is down or slow never
//! costs a result: training goes on, one warning names the command that completes it later
//! (`runner sync settings.ini <run>`, [`sync::sync_folder`]).

pub mod live;
pub mod snapshot;
pub mod sync;

pub use live::LiveTracker;

use crate::job::Job;
use crate::layout::RunLayout;
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

/// The command that completes the tracker's view of `run` later.
pub fn sync_hint(job: &Job, run: &RunLayout) -> String {
    format!("runner sync {} {}", job.settings.path.display(), run.num())
}
