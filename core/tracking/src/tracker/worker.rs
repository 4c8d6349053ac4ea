//! The tracker's background thread: takes events off the channel into the [`Outbox`], delivers
//! the front one, and on failure either retries after a back-off (unreachable or slow server,
//! warned about once) or drops it (MLflow refused it, warned about each time). It exits when the
//! channel is closed and drained, or when told to stop.

use std::sync::mpsc::Receiver;
use std::sync::Arc;

use super::backoff::Backoff;
use super::buffered::Shared;
use super::event::Event;
use super::outbox::Outbox;
use crate::batch::MAX_METRICS_PER_BATCH;
use crate::client::MlflowClient;
use crate::error::TrackingError;

/// Why the front event was not delivered.
enum Failure {
    /// Worth retrying later.
    Retry(TrackingError),
    /// MLflow refused it; retrying would not help.
    Refused(TrackingError),
    /// There is no run to deliver it to (no `Start` came first, or MLflow refused it).
    NoRun,
}

impl From<TrackingError> for Failure {
    fn from(e: TrackingError) -> Self {
        if e.is_retryable() {
            Self::Retry(e)
        } else {
            Self::Refused(e)
        }
    }
}

/// The delivery loop's state.
pub(super) struct Worker {
    client: MlflowClient,
    experiment: String,
    sync_hint: String,
    shared: Arc<Shared>,
    receiver: Receiver<Event>,
    outbox: Outbox,
    experiment_id: Option<String>,
    run_id: Option<String>,
    /// The unreachable warning went out (it goes out once per tracker).
    warned: bool,
    /// The last request failed retryably: the next success logs the recovery.
    in_outage: bool,
}

impl Worker {
    pub(super) fn new(
        client: MlflowClient,
        experiment: String,
        sync_hint: String,
        shared: Arc<Shared>,
        receiver: Receiver<Event>,
    ) -> Self {
        Self {
            client,
            experiment,
            sync_hint,
            shared,
            receiver,
            outbox: Outbox::default(),
            experiment_id: None,
            run_id: None,
            warned: false,
            in_outage: false,
        }
    }

    /// Delivers events until the channel is closed and drained, or `Shared::stop`.
    pub(super) fn run(mut self) {
        let mut backoff = Backoff::new();
        loop {
            if self.shared.stopped() {
                return;
            }
            if self.outbox.is_empty() {
                match self.receiver.recv() {
                    Ok(event) => self.outbox.push(event),
                    Err(_) => return self.shared.set_done(),
                }
            }
            // Take in everything already sent, so that consecutive metrics go in one request.
            while let Ok(event) = self.receiver.try_recv() {
                self.outbox.push(event);
            }
            match self.deliver_front() {
                Ok(completed) => {
                    self.shared.delivered(completed);
                    backoff.reset();
                    if std::mem::take(&mut self.in_outage) {
                        tracing::info!("mlflow tracking server {} is reachable again", self.client.uri());
                    }
                }
                Err(Failure::Retry(error)) => {
                    self.in_outage = true;
                    if !std::mem::replace(&mut self.warned, true) {
                        self.shared.warned.store(true, std::sync::atomic::Ordering::SeqCst);
                        tracing::warn!(
                            "mlflow tracking server {} is unreachable or slow ({error}); training goes on, \
                             events are retried in the background, and `{}` completes the run in MLflow later",
                            self.client.uri(),
                            self.sync_hint
                        );
                    }
                    if self.shared.sleep(backoff.next_delay()) {
                        return;
                    }
                }
                Err(Failure::Refused(error)) => {
                    tracing::warn!("mlflow tracking: event dropped, the server refused it: {error}");
                    self.shared.rejected(self.outbox.pop());
                }
                Err(Failure::NoRun) => self.shared.rejected(self.outbox.pop()),
            }
        }
    }

    /// Delivers the front event (or, for metrics, the front batch); returns the events completed.
    fn deliver_front(&mut self) -> Result<usize, Failure> {
        let client = &self.client;
        match self.outbox.front().expect("deliver_front on an empty outbox") {
            Event::Start { key, spec, params } => {
                // Each step is remembered, so that a retry resumes where the failure was.
                let experiment_id = match &self.experiment_id {
                    Some(id) => id.clone(),
                    None => self.experiment_id.insert(client.get_or_create_experiment(&self.experiment)?).clone(),
                };
                if self.run_id.is_none() {
                    let run_id = client.find_or_create_run(&experiment_id, key, spec)?;
                    self.shared.set_run_id(&run_id);
                    self.run_id = Some(run_id);
                }
                // Re-logging a param with the same value is accepted, so a retry may resend all.
                client.log_batch(self.run_id.as_deref().unwrap_or_default(), &[], params, &[])?;
                Ok(self.outbox.pop())
            }
            Event::Metrics(_) => {
                let run_id = self.run_id.as_deref().ok_or(Failure::NoRun)?;
                let batch = self.outbox.metrics_batch(MAX_METRICS_PER_BATCH);
                client.log_batch(run_id, &batch, &[], &[])?;
                Ok(self.outbox.consume_metrics(batch.len()))
            }
            Event::Artifact { path, bytes } => {
                let run_id = self.run_id.as_deref().ok_or(Failure::NoRun)?;
                client.upload_artifact(run_id, path, bytes)?;
                Ok(self.outbox.pop())
            }
            Event::End { status, end_ms } => {
                let run_id = self.run_id.as_deref().ok_or(Failure::NoRun)?;
                client.set_terminated(run_id, *status, *end_ms)?;
                Ok(self.outbox.pop())
            }
        }
    }
}
