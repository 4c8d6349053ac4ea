//! `runs/<n>/tuning/trials.jsonl`: one JSON line per trial of a tuning job, the same for the local
//! tuner and a SageMaker tuning job, so the report, `runner show` and the tracker read one format.
//! The file is rewritten whole (atomically) whenever a trial changes state; a trial's line keeps
//! its place.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a trial stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialStatus {
    /// Proposed and started, not finished (a killed job leaves these; `--resume` re-runs them).
    Running,
    /// Trained to the end.
    Completed,
    /// Stopped early by the median rule (its best checkpoint still counts).
    Stopped,
    /// The training failed (the error is recorded).
    Failed,
}

impl TrialStatus {
    /// Whether the trial is over (a resume keeps it).
    pub fn is_final(self) -> bool {
        self != TrialStatus::Running
    }
}

/// One trial: the parameters tried and what came of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// The model tuned (a comparison job tunes each model).
    pub model: String,
    /// 1-based trial number within the model's search, in proposal order.
    pub trial: u32,
    /// The tuned `[training]` keys and the values tried, as settings text.
    pub parameters: BTreeMap<String, String>,
    /// Where the trial stands.
    pub status: TrialStatus,
    /// The objective metric, e.g. `validation:macro_f1`.
    pub objective_metric: String,
    /// The trial's best objective value (`None` until it has one, or when it failed early).
    pub objective: Option<f64>,
    /// The epoch of that best value.
    pub best_epoch: Option<u64>,
    /// Epochs trained (fewer than configured when stopped early).
    pub epochs_run: u64,
    /// Wall-clock seconds of the trial.
    pub duration_seconds: f64,
    /// RFC 3339 start time.
    pub started: String,
    /// RFC 3339 end time, once final.
    pub finished: Option<String>,
    /// The SageMaker training job, or `local`.
    pub job: String,
    /// Why it failed.
    pub error: Option<String>,
}

/// Parses a `trials.jsonl` text; `uri` names the file in errors.
///
/// # Errors
/// A line that is not a trial record: the message names the file and line.
pub fn parse_trials(text: &str, uri: &str) -> Result<Vec<TrialRecord>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|err| format!("{uri}:{}: not a trial record: {err}", i + 1))
        })
        .collect()
}

/// Writes records as `trials.jsonl` text, one line each, in the order given.
pub fn render_trials(records: &[TrialRecord]) -> String {
    records.iter().map(|r| serde_json::to_string(r).expect("trial records always serialise") + "\n").collect()
}
