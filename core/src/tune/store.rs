//! Reading and writing a run's tuning records through storage: `tuning/trials.jsonl` (every model's
//! trials, rewritten whole on each change) and the per-epoch objective values of a finished trial,
//! read back from its `metrics.jsonl` for the median rule.

use super::record::{parse_trials, render_trials, TrialRecord};
use crate::job::Job;
use crate::layout::RunLayout;
use crate::{Error, Result};

/// The run's trial records; none when the file does not exist yet.
///
/// # Errors
/// Storage failures, or a line that is not a trial record (named by file and line).
pub fn load_trials(job: &Job, run: &RunLayout) -> Result<Vec<TrialRecord>> {
    let key = run.tuning_trials();
    if !job.storage.exists(&key)? {
        return Ok(Vec::new());
    }
    let text = String::from_utf8_lossy(&job.storage.get(&key)?).into_owned();
    parse_trials(&text, &job.storage.uri(&key)).map_err(|what| Error::Unsupported { what })
}

/// Replaces the run's trial records (storage writes are atomic).
///
/// # Errors
/// Storage failures.
pub fn save_trials(job: &Job, run: &RunLayout, records: &[TrialRecord]) -> Result<()> {
    Ok(job.storage.put(&run.tuning_trials(), render_trials(records).as_bytes())?)
}

/// The value of metric `name` at each epoch (its last value in that epoch) in a `metrics.jsonl`
/// text; epochs without one repeat the previous value.
pub fn per_epoch(metrics_jsonl: &str, name: &str) -> Vec<f64> {
    #[derive(serde::Deserialize)]
    struct Point {
        epoch: u64,
        name: String,
        value: f64,
    }
    let points = metrics_jsonl.lines().filter_map(|line| serde_json::from_str::<Point>(line).ok());
    last_per_epoch(points.filter(|point| point.name == name).map(|point| (point.epoch, point.value)))
}

/// From `(epoch, value)` points (epochs from 1, in order), the last value of each epoch; epochs
/// without one repeat the previous value.
pub fn last_per_epoch(points: impl IntoIterator<Item = (u64, f64)>) -> Vec<f64> {
    let mut values: Vec<f64> = Vec::new();
    for (epoch, value) in points {
        if epoch == 0 {
            continue;
        }
        let index = epoch as usize - 1;
        if index >= values.len() {
            let fill = values.last().copied().unwrap_or(value);
            values.resize(index + 1, fill);
        }
        values[index] = value;
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_epoch_keeps_the_last_value_of_each_epoch() {
        let text = r#"{"epoch":1,"step":5,"name":"validation:macro_f1","value":0.2}
{"epoch":1,"step":5,"name":"train:loss","value":2.0}
{"epoch":1,"step":10,"name":"validation:macro_f1","value":0.3}
{"epoch":3,"step":30,"name":"validation:macro_f1","value":0.5}
"#;
        assert_eq!(per_epoch(text, "validation:macro_f1"), vec![0.3, 0.3, 0.5]);
        assert_eq!(per_epoch(text, "validation:loss"), Vec::<f64>::new());
    }
}
