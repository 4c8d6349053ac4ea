//! What `runner reproduce` checks: the run being reproduced, as its manifest records it, and the
//! comparison of two runs' training outputs — every value of every model's `metrics.jsonl`
//! (timings aside, in order) and its `weights.safetensors`, bit for bit. The first difference is
//! reported with its model, metric, epoch, step and both values.

use crate::hash::sha256_hex;
use crate::job::Job;
use crate::layout::{RunLayout, WEIGHTS_FILE};
use crate::run_manifest::RunManifest;
use crate::{Error, Result};

/// The outcome of [`compare_runs`].
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every metric value and every model's weights are identical.
    Identical {
        /// Metric values compared, over all models.
        values: usize,
        /// Models whose weights were compared.
        models: usize,
    },
    /// The first difference, in one line.
    Differs(String),
}

/// The manifest of run `num`, which must exist and parse.
///
/// # Errors
/// [`Error::Unsupported`] naming the run when it has no readable manifest; storage failures.
pub fn recorded_run(job: &Job, num: u64) -> Result<RunManifest> {
    let uri = job.storage.uri(&job.layout.run(num).manifest());
    match crate::browse::read::manifest(job, num)? {
        crate::browse::read::Found::Read(manifest) => Ok(manifest),
        crate::browse::read::Found::Missing => {
            Err(Error::Unsupported { what: format!("run {num}: there is no {uri} (no such run, or it never started)") })
        }
        crate::browse::read::Found::Unreadable(warning) => Err(Error::Unsupported { what: warning }),
    }
}

/// One line of `metrics.jsonl`.
#[derive(Debug, serde::Deserialize)]
struct MetricLine {
    epoch: u64,
    step: u64,
    name: String,
    value: f64,
}

/// Throughput and time metrics, which no two runs share.
fn is_timing(name: &str) -> bool {
    name.ends_with("per_second") || name.ends_with("seconds")
}

fn metric_lines(job: &Job, key: &str) -> Result<Vec<MetricLine>> {
    let uri = job.storage.uri(key);
    let text = String::from_utf8_lossy(&job.storage.get(key)?).into_owned();
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let parsed: MetricLine =
            serde_json::from_str(line).map_err(|err| Error::data_file(format!("{uri}:{}", number + 1), err))?;
        if !is_timing(&parsed.name) {
            lines.push(parsed);
        }
    }
    Ok(lines)
}

/// Compares `models`' training outputs in run `original` with those in run `new`.
///
/// # Errors
/// A missing or unreadable `metrics.jsonl` or weights file; storage failures.
pub fn compare_runs(job: &Job, original: &RunLayout, new: &RunLayout, models: &[String]) -> Result<Verdict> {
    let (a, b) = (original.num(), new.num());
    let mut values = 0;
    for model in models {
        let before = metric_lines(job, &original.metrics(model)?)?;
        let after = metric_lines(job, &new.metrics(model)?)?;
        for (old, fresh) in before.iter().zip(&after) {
            if (old.epoch, old.step, &old.name) != (fresh.epoch, fresh.step, &fresh.name) {
                return Ok(Verdict::Differs(format!(
                    "{model}: run {a} logged {} at epoch {} step {} where run {b} logged {} at epoch {} step {}",
                    old.name, old.epoch, old.step, fresh.name, fresh.epoch, fresh.step
                )));
            }
            if old.value.to_bits() != fresh.value.to_bits() {
                return Ok(Verdict::Differs(format!(
                    "{model}: {} at epoch {} step {}: {:?} in run {a}, {:?} in run {b}",
                    old.name, old.epoch, old.step, old.value, fresh.value
                )));
            }
        }
        if before.len() != after.len() {
            let (longer, run, shorter_run) = if before.len() > after.len() { (&before, a, b) } else { (&after, b, a) };
            let extra = &longer[before.len().min(after.len())];
            return Ok(Verdict::Differs(format!(
                "{model}: run {run} has {} metric values, run {shorter_run} {}; the first missing is {} at epoch {} step {}",
                longer.len(),
                before.len().min(after.len()),
                extra.name,
                extra.epoch,
                extra.step
            )));
        }
        values += before.len();
        let old_weights = job.storage.get(&original.weights(model)?)?;
        let new_weights = job.storage.get(&new.weights(model)?)?;
        if old_weights != new_weights {
            return Ok(Verdict::Differs(format!(
                "{model}: every metric value is identical but {WEIGHTS_FILE} differ (sha256 {} in run {a}, {} in run {b})",
                sha256_hex(&old_weights),
                sha256_hex(&new_weights)
            )));
        }
    }
    Ok(Verdict::Identical { values, models: models.len() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browse::test_runs::{job, put};

    const METRICS: &str = "{\"epoch\":1,\"step\":1,\"name\":\"train:loss\",\"value\":0.5}\n\
        {\"epoch\":1,\"step\":1,\"name\":\"train:samples_per_second\",\"value\":812.5}\n\
        {\"epoch\":1,\"step\":2,\"name\":\"validation:accuracy\",\"value\":0.75}\n";

    fn two_runs(second_metrics: &str, second_weights: &str) -> Verdict {
        let job = job();
        put(&job, "demo/runs/1/training/bert/metrics.jsonl", METRICS);
        put(&job, "demo/runs/1/training/bert/weights.safetensors", "w");
        put(&job, "demo/runs/2/training/bert/metrics.jsonl", second_metrics);
        put(&job, "demo/runs/2/training/bert/weights.safetensors", second_weights);
        compare_runs(&job, &job.layout.run(1), &job.layout.run(2), &["bert".to_string()]).unwrap()
    }

    #[test]
    fn identical_runs_differ_only_in_timings() {
        let other_timing = METRICS.replace("812.5", "790.0");
        assert_eq!(two_runs(&other_timing, "w"), Verdict::Identical { values: 2, models: 1 });
    }

    #[test]
    fn the_first_differing_value_is_named_with_its_step_and_both_values() {
        let perturbed = METRICS.replace("\"value\":0.75", "\"value\":0.7500000000000001");
        assert_eq!(
            two_runs(&perturbed, "w"),
            Verdict::Differs(
                "bert: validation:accuracy at epoch 1 step 2: 0.75 in run 1, 0.7500000000000001 in run 2".into()
            )
        );
    }

    #[test]
    fn missing_values_and_other_weights_are_named() {
        let shorter: String = METRICS.lines().take(2).map(|line| format!("{line}\n")).collect();
        let Verdict::Differs(line) = two_runs(&shorter, "w") else { panic!("a shorter log differs") };
        assert_eq!(
            line,
            "bert: run 1 has 2 metric values, run 2 1; the first missing is validation:accuracy at epoch 1 step 2"
        );
        let Verdict::Differs(line) = two_runs(METRICS, "v") else { panic!("other weights differ") };
        assert!(line.starts_with("bert: every metric value is identical but weights.safetensors differ"), "{line}");
    }
}
