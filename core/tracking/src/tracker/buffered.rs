//! [`BufferedTracker`], the training side of the tracker: `send` puts an event on an unbounded
//! channel and returns; `finish` closes the channel and waits a bounded time for the background
//! worker to drain it. [`Shared`] is what the two threads both see.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::event::Event;
use super::worker::Worker;
use crate::client::MlflowClient;

/// A tracker that never blocks or fails training: events go to a background thread that sends
/// them in order, batching metrics, retrying failures with exponential back-off (0.5 s doubling
/// up to 30 s), and warning once (`tracing::warn!`) when the server is unreachable or slow, naming
/// the URI and the command that completes the run later (`sync_hint`).
///
/// Events MLflow refuses (4xx) are not retried: each refusal is logged once and the event dropped.
/// Dropping the tracker without [`BufferedTracker::finish`] abandons what is undelivered.
pub struct BufferedTracker {
    sender: Option<Sender<Event>>,
    shared: Arc<Shared>,
    uri: String,
    sync_hint: String,
}

/// What [`BufferedTracker::finish`] achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishReport {
    /// Whether the queue drained in time.
    pub delivery: Delivery,
    /// The MLflow run, once it was found or created.
    pub run_id: Option<String>,
    /// Events MLflow refused (4xx), dropped after a warning; `sync_run` will not fix those either.
    pub rejected_events: usize,
}

/// Whether every event was handled before the grace period ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Every event was delivered (or refused by MLflow, see [`FinishReport::rejected_events`]).
    Delivered,
    /// Some events were still waiting; the sync command completes the run.
    Undelivered {
        /// Events not delivered (a partly delivered metrics event counts).
        pending_events: usize,
    },
}

/// State both threads see: counters, the run id, and the stop/done flags with their condvar.
#[derive(Debug, Default)]
pub(super) struct Shared {
    flags: Mutex<Flags>,
    changed: Condvar,
    pending: AtomicUsize,
    rejected: AtomicUsize,
    /// The worker has warned that the server is unreachable (the user is told once).
    pub(super) warned: std::sync::atomic::AtomicBool,
}

#[derive(Debug, Default)]
struct Flags {
    /// `finish` gave up (or the tracker was dropped): the worker stops at its next chance.
    stop: bool,
    /// The worker drained the closed channel and exited.
    done: bool,
    run_id: Option<String>,
}

impl Shared {
    fn flags(&self) -> MutexGuard<'_, Flags> {
        // A poisoned lock only means the other thread panicked; the flags are still meaningful.
        self.flags.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the worker should stop now.
    pub(super) fn stopped(&self) -> bool {
        self.flags().stop
    }

    /// Sleeps `delay`, or less if told to stop; returns whether it was.
    pub(super) fn sleep(&self, delay: Duration) -> bool {
        let flags = self.flags();
        let (flags, _) = self.changed.wait_timeout_while(flags, delay, |f| !f.stop).unwrap_or_else(|p| p.into_inner());
        flags.stop
    }

    /// The worker has delivered everything and exits.
    pub(super) fn set_done(&self) {
        self.flags().done = true;
        self.changed.notify_all();
    }

    /// The MLflow run is known.
    pub(super) fn set_run_id(&self, run_id: &str) {
        self.flags().run_id = Some(run_id.to_string());
    }

    /// `n` events were delivered.
    pub(super) fn delivered(&self, n: usize) {
        self.pending.fetch_sub(n, Ordering::SeqCst);
    }

    /// `n` events were refused by MLflow and dropped.
    pub(super) fn rejected(&self, n: usize) {
        self.rejected.fetch_add(n, Ordering::SeqCst);
        self.pending.fetch_sub(n, Ordering::SeqCst);
    }

    fn stop(&self) {
        self.flags().stop = true;
        self.changed.notify_all();
    }
}

impl BufferedTracker {
    /// Starts the background thread that delivers events to `experiment` (created if missing) on
    /// the server `client` talks to. Nothing is sent before the first event. `sync_hint` is the
    /// command the warnings print, e.g. `runner sync settings.ini 3`.
    ///
    /// The thread logs through the caller's current `tracing` dispatcher.
    ///
    /// # Panics
    /// If the OS cannot start a thread.
    pub fn start(client: MlflowClient, experiment: &str, sync_hint: String) -> Self {
        let (sender, receiver) = mpsc::channel();
        let shared = Arc::new(Shared::default());
        let uri = client.uri().to_string();
        let worker = Worker::new(client, experiment.to_string(), sync_hint.clone(), Arc::clone(&shared), receiver);
        let dispatch = tracing::dispatcher::get_default(|d| d.clone());
        std::thread::Builder::new()
            .name("mlflow-tracker".into())
            .spawn(move || tracing::dispatcher::with_default(&dispatch, || worker.run()))
            .expect("spawn the mlflow tracker thread");
        Self { sender: Some(sender), shared, uri, sync_hint }
    }

    /// Queues `event` for delivery and returns at once; never fails (after `finish` gave up, or if
    /// the worker died, the event is dropped).
    pub fn send(&self, event: Event) {
        let Some(sender) = &self.sender else { return };
        self.shared.pending.fetch_add(1, Ordering::SeqCst);
        if sender.send(event).is_err() {
            self.shared.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The MLflow run id, once the worker has found or created the run.
    pub fn run_id(&self) -> Option<String> {
        self.shared.flags().run_id.clone()
    }

    /// Events sent and not yet delivered or refused.
    pub fn pending_events(&self) -> usize {
        self.shared.pending.load(Ordering::SeqCst)
    }

    /// Closes the queue and waits up to `grace` for it to drain. What is still undelivered then is
    /// abandoned, with one warning naming the sync command; the worker stops (a request in flight
    /// finishes in the background within the client's timeout).
    pub fn finish(mut self, grace: Duration) -> FinishReport {
        drop(self.sender.take());
        let deadline = Instant::now() + grace;
        let mut flags = self.shared.flags();
        while !flags.done {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            flags = self.shared.changed.wait_timeout(flags, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        let (done, run_id) = (flags.done, flags.run_id.clone());
        drop(flags);
        let delivery = if done {
            Delivery::Delivered
        } else {
            self.shared.stop();
            let pending_events = self.pending_events();
            // After the worker's outage warning this is news of the same problem: said quietly.
            if self.shared.warned.load(Ordering::SeqCst) {
                tracing::info!(
                    "mlflow tracking server {}: {pending_events} events not delivered within {grace:?}; \
                     `{}` completes the run in MLflow",
                    self.uri,
                    self.sync_hint
                );
            } else {
                tracing::warn!(
                    "mlflow tracking server {}: {pending_events} events not delivered within {grace:?}; \
                     `{}` completes the run in MLflow",
                    self.uri,
                    self.sync_hint
                );
            }
            Delivery::Undelivered { pending_events }
        };
        FinishReport { delivery, run_id, rejected_events: self.shared.rejected.load(Ordering::SeqCst) }
    }
}

impl Drop for BufferedTracker {
    fn drop(&mut self) {
        // After `finish` this is a no-op; without it, stop the worker rather than let it retry an
        // unreachable server for the rest of the process.
        if self.sender.take().is_some() {
            self.shared.stop();
        }
    }
}
