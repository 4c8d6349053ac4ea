//! [`LiveTracker`]: one model's training streamed to MLflow as it happens (rank 0 only: the other
//! replicas run [`Follower`](crate::train::follower::Follower), which tracks
//! nothing). Metric points are queued on the background [`BufferedTracker`], which never blocks
//! training; what it cannot deliver is left to the sync at the end of the step, or to
//! `runner sync`. As a training hook ([`LiveTracking`]) it is fed every metric point.

use super::snapshot::{identity, Identity};
use super::{mark_down, tracker_down};
use crate::job::Job;
use crate::layout::RunLayout;
use crate::train::hooks::Hooks;
use crate::train::metric_log::MetricPoint;
use mlpipe_tracking::{BufferedTracker, Delivery, Event, Metric};
use std::time::Duration;

/// Points queued before they are handed to the tracker together.
const BATCH: usize = 50;

/// How long the end of training waits for undelivered events.
const GRACE: Duration = Duration::from_secs(5);

/// A model's training as an MLflow run, live.
pub struct LiveTracker {
    tracker: BufferedTracker,
    pending: Vec<Metric>,
}

impl LiveTracker {
    /// Starts tracking `model` in `run`, when `[tracking] mlflow_uri` is set and the server has not
    /// already been found unreachable by this process. Never fails: a problem is logged and the
    /// training goes on untracked (the run folder stays complete).
    pub fn start(job: &Job, run: &RunLayout, model: &str) -> Option<Self> {
        let uri = job.settings.tracking.mlflow_uri.as_ref()?;
        if tracker_down() {
            return None;
        }
        let Identity { key, mut spec, params } = match identity(job, run, model) {
            Ok(identity) => identity,
            Err(err) => {
                tracing::warn!("tracking: {model} is not tracked live: {err}");
                return None;
            }
        };
        // This model's training starts now (the run may have trained others before it).
        spec.start_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
        let hint = super::sync_hint(job, run);
        let client = match super::client(job, uri, super::TIMEOUT) {
            Ok(client) => client,
            Err(err) => {
                tracing::warn!("tracking: {model} is not tracked live: {err}");
                return None;
            }
        };
        let tracker = BufferedTracker::start(client, &job.settings.tracking.mlflow_experiment, hint);
        tracker.send(Event::Start { key, spec, params });
        Some(Self { tracker, pending: Vec::new() })
    }

    /// Queues one metric point.
    pub fn metric(&mut self, point: &MetricPoint) {
        let timestamp_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
        self.pending.push(Metric { key: point.name.clone(), value: point.value, timestamp_ms, step: point.step });
        if self.pending.len() >= BATCH {
            self.tracker.send(Event::Metrics(std::mem::take(&mut self.pending)));
        }
    }

    /// Flushes the queue and waits a little for delivery; the run's status, artifacts and anything
    /// undelivered are completed by the sync after the step. Returns whether everything arrived.
    pub fn finish(mut self) -> bool {
        if !self.pending.is_empty() {
            self.tracker.send(Event::Metrics(std::mem::take(&mut self.pending)));
        }
        let report = self.tracker.finish(GRACE);
        match report.delivery {
            Delivery::Delivered => true,
            Delivery::Undelivered { .. } => {
                // The tracker has said so once; later syncs of this process stay quiet.
                mark_down();
                false
            }
        }
    }
}

/// [`LiveTracker`] as a training hook: every metric point is queued, and the tracker is finished
/// when training ends normally. Without a tracker (no `[tracking]`, or it is down) it does nothing.
pub struct LiveTracking(pub Option<LiveTracker>);

impl Hooks for LiveTracking {
    fn metric(&mut self, point: &MetricPoint) -> crate::Result<()> {
        if let Some(live) = &mut self.0 {
            live.metric(point);
        }
        Ok(())
    }

    fn end(&mut self) {
        if let Some(live) = self.0.take() {
            live.finish();
        }
    }
}
