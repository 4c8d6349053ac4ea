//! End-to-end tests of mlpipe-tracking against a real MLflow server (`.venv/mlflow`, installed by
//! `scripts/setup.sh`). One binary, so that one server started for it serves every test but the
//! outage test, which stops and restarts its own. Index:
//!
//! - `client`: the REST client's round trip (experiments, runs, metrics, params, artifacts, status).
//! - `buffered`: `BufferedTracker` delivering a run's events to a live server.
//! - `outage`: the tracker while the server is down (one warning, nothing blocks), then
//!   `sync_run` completing the run once it is back, and a second sync changing nothing.
//! - `sync`: `sync_run` idempotency, from scratch and over a partially logged run.
//! - `errors`: what MLflow's refusals and unsupported artifact stores read like.

#[path = "../common/mod.rs"]
mod common;

mod buffered;
mod client;
mod errors;
mod outage;
mod sync;
