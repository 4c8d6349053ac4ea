//! End-to-end tests: each spawns the real `runner` binary on a real plugin `.so` and checks the
//! files it leaves, reading Parquet back with pandas/pyarrow from the project's virtualenv.
//!
//! Index:
//! - `bad_input`: the bad-input matrix: 60+ mistakes, each one line naming the culprit, nothing changed.
//! - `aws`: the pipeline on an S3 root and SageMaker jobs, against moto_server.
//! - `plugin_loading`: every way a plugin can fail to load or fail in a call, one line each.
//! - `data_steps`: reconcile and prepare on the fixture plugin; splits, refusals, archive, errors.
//! - `prepare_cache`: the prepared-data cache: hits across experiments, misses after changes, a race.
//! - `settings_cli`: settings errors and `--set` through the command line, exit codes.
//! - `console`: training on a pseudo-terminal (progress bars) and piped (`[metric]` lines), quiet, verbose.
//! - `train`: the train step: outputs, metric lines, PyTorch cross-check, determinism, resume.
//! - `imbalance`: class weights vs scikit-learn, the report's weights, labels without training records.
//! - `tracking`: MLflow against a real server: run folder = MLflow, tuning parent/children, outage + sync.
//! - `tune`: local tuning: best trial promoted, median rule, resume after kill, errors.
//! - `distributed`: two Gloo replicas (own launcher, torchrun, SageMaker hosts) vs one process; a killed rank.
//! - `infer`: the infer step: statistics vs scikit-learn, predictions vs PyTorch, `--run`.
//! - `report`: the report in headless Chromium: headline, verdicts, calibration and errors vs numpy, no XSS.
//! - `doctor`: `runner check` passes a healthy plugin and names what is wrong with each wrong one.
//! - `scaffold`: `runner new`, built outside the workspace with no LIBTORCH, checked, run to a report.
//! - `browse`: `runner runs` and `runner show` (no plugin) on trained runs, half-written runs, bad usage.
//! - `reproduce`: `runner reproduce`: identical re-creation, plugin refusal, a perturbed metric, re-created data.
//! - `news20`: the example experiment on the full 20 Newsgroups corpus.
//! - `minilm`: the pretrained transformer beside `bow` on real posts, checked against transformers.

mod aws;
mod bad_input;
mod browse;
mod console;
mod data_steps;
mod distributed;
mod doctor;
mod imbalance;
mod infer;
mod minilm;
mod news20;
mod plugin_loading;
mod prepare_cache;
mod report;
mod reproduce;
mod scaffold;
mod settings_cli;
mod tracking;
mod train;
mod tune;
mod util;
