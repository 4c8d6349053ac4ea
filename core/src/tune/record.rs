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

/// `tuning/best.json`: each model tuned, mapped to the record of its best trial.
pub type BestTrials = BTreeMap<String, TrialRecord>;

/// Parses a `tuning/best.json` text. Lenient, so that an older or partial file still reads: a
/// record's missing fields take those of [`TrialRecord::placeholder`] (fields it does not know are
/// ignored); a field of the wrong type is still an error.
///
/// # Errors
/// Text that is not a JSON map of model name to record object.
pub fn parse_best(text: &str) -> Result<BestTrials, serde_json::Error> {
    let raw: BTreeMap<String, serde_json::Map<String, serde_json::Value>> = serde_json::from_str(text)?;
    raw.into_iter()
        .map(|(model, fields)| {
            let serde_json::Value::Object(mut record) =
                serde_json::to_value(TrialRecord::placeholder(&model)).expect("trial records always serialise")
            else {
                unreachable!("a trial record serialises to a JSON object")
            };
            record.extend(fields);
            Ok((model, serde_json::from_value(serde_json::Value::Object(record))?))
        })
        .collect()
}

/// Renders `tuning/best.json` text.
pub fn render_best(best: &BestTrials) -> String {
    serde_json::to_string_pretty(best).expect("records always serialise")
}

impl TrialRecord {
    /// A completed trial 0 of `model` with nothing else known: what a record of `best.json` falls
    /// back to for the fields it lacks.
    pub fn placeholder(model: &str) -> Self {
        Self {
            model: model.to_string(),
            trial: 0,
            parameters: BTreeMap::new(),
            status: TrialStatus::Completed,
            objective_metric: String::new(),
            objective: None,
            best_epoch: None,
            epochs_run: 0,
            duration_seconds: 0.0,
            started: String::new(),
            finished: None,
            job: String::new(),
            error: None,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_json_written_reads_back_the_same() {
        let mut record = TrialRecord::placeholder("bert");
        record.trial = 3;
        record.objective = Some(0.5);
        record.parameters.insert("epochs".into(), "4".into());
        let best = BestTrials::from([("bert".to_string(), record)]);
        assert_eq!(parse_best(&render_best(&best)).unwrap(), best);
    }

    #[test]
    fn a_partial_best_json_record_reads_with_placeholder_fields() {
        let best = parse_best(r#"{"bert": {"trial": 2, "objective": 0.25, "unknown": 1}}"#).unwrap();
        let record = &best["bert"];
        assert_eq!((record.model.as_str(), record.trial, record.objective), ("bert", 2, Some(0.25)));
        assert_eq!(record.status, TrialStatus::Completed);
        assert!(parse_best(r#"{"bert": {"trial": "two"}}"#).is_err());
        assert!(parse_best("[]").is_err());
    }
}
