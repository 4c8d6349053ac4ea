//! [`show_run`]: everything about one run for `runner show` — the manifest, each model's training
//! and test results, a tuning job's trials, and where its report, models and settings snapshot are.

use super::read::{self, TestScores};
use super::status::RunStatus;
use crate::job::Job;
use crate::layout::{self, RunLayout};
use crate::run_manifest::{ModelResult, RunManifest};
use crate::tune::record::{parse_best, TrialRecord};
use crate::tune::store::load_trials;
use crate::{Error, Result};
use std::collections::BTreeMap;

/// One run, as `runner show` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDetails {
    /// The run number.
    pub num: u64,
    /// The experiment name.
    pub experiment: String,
    /// The run folder's location (a local path or an `s3://` URI).
    pub uri: String,
    /// Where the run stands.
    pub status: RunStatus,
    /// The manifest; `None` while allocating or when it cannot be read.
    pub manifest: Option<RunManifest>,
    /// RFC 3339 time the run number was claimed, from `claim.toml`.
    pub claimed: Option<String>,
    /// Per model, in the settings' order.
    pub models: Vec<ModelDetails>,
    /// `inference/report.html`.
    pub report: Artifact,
    /// `settings.ini`: the settings the run used.
    pub settings: Artifact,
    /// One line per file that could not be read (naming it).
    pub warnings: Vec<String>,
}

/// One model of a [`RunDetails`].
#[derive(Debug, Clone, PartialEq)]
pub struct ModelDetails {
    /// The model name.
    pub name: String,
    /// The manifest's `results.<model>`: objective, best value and epoch, training time.
    pub result: ModelResult,
    /// The test split's scores, once `infer` ran.
    pub test: Option<TestScores>,
    /// For a tuning run: how many trials ran and the best one.
    pub tuning: Option<TuningOutcome>,
    /// `training/<model>/model.pt`: the exported TorchScript model.
    pub model_file: Artifact,
    /// `training/<model>/weights.safetensors`: the trained weights.
    pub weights: Artifact,
}

/// What tuning one model gave.
#[derive(Debug, Clone, PartialEq)]
pub struct TuningOutcome {
    /// Trials recorded for the model in `tuning/trials.jsonl`.
    pub trials: usize,
    /// The best trial, from `tuning/best.json`; `None` until the model's search ended.
    pub best: Option<BestTrial>,
}

/// The best trial of a model as `runner show` prints it: the part of its
/// [`TrialRecord`] in `tuning/best.json` (model → trial record) that browsing shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BestTrial {
    /// The trial number (1-based).
    pub trial: u32,
    /// The tuned settings and their values, as settings text.
    pub parameters: BTreeMap<String, String>,
    /// The trial's best objective value.
    pub objective: Option<f64>,
}

impl From<&TrialRecord> for BestTrial {
    fn from(record: &TrialRecord) -> Self {
        Self { trial: record.trial, parameters: record.parameters.clone(), objective: record.objective }
    }
}

/// A file of the run: where it is and whether it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// A local path or an `s3://` URI.
    pub uri: String,
    /// Whether the object exists.
    pub exists: bool,
}

/// Gathers run `num`'s details.
///
/// # Errors
/// [`Error::Unsupported`] naming the run's location and the existing runs when there is no run
/// `num`; storage failures (a missing or unreadable file is not one: it is left out or warned of).
pub fn show_run(job: &Job, num: u64) -> Result<RunDetails> {
    let existing = layout::list_runs(job.storage.as_ref(), &job.layout)?;
    let run = job.layout.run(num);
    if !existing.contains(&num) {
        return Err(no_such_run(job, &run, &existing));
    }
    let mut warnings = Vec::new();
    let (manifest, status) = read::manifest_and_status(job, num, &mut warnings)?;
    let claimed = read::claim(job, num)?.or_warn(&mut warnings).and_then(|claim| claim.created);
    let models = match &manifest {
        Some(manifest) => models(job, &run, manifest, &mut warnings)?,
        None => Vec::new(),
    };
    Ok(RunDetails {
        num,
        experiment: job.layout.name().to_string(),
        uri: job.storage.uri(&run.prefix()),
        status,
        manifest,
        claimed,
        models,
        report: artifact(job, &run.report())?,
        settings: artifact(job, &run.settings())?,
        warnings,
    })
}

fn no_such_run(job: &Job, run: &RunLayout, existing: &[u64]) -> Error {
    let uri = job.storage.uri(&run.prefix());
    let have = match existing {
        [] => "the experiment has no runs yet".to_string(),
        nums => {
            let nums: Vec<String> = nums.iter().map(u64::to_string).collect();
            format!("existing runs: {}", nums.join(", "))
        }
    };
    Error::Unsupported { what: format!("run {} not found at {uri}; {have}", run.num()) }
}

fn models(job: &Job, run: &RunLayout, manifest: &RunManifest, warnings: &mut Vec<String>) -> Result<Vec<ModelDetails>> {
    let tuning = if manifest.job_type == "tuning" { Some(tuning(job, run, warnings)?) } else { None };
    let mut details = Vec::new();
    for name in manifest.model_names() {
        // A model name the layout refuses (a hand-edited manifest) has no files to show.
        let (Ok(model_key), Ok(weights_key)) = (run.model_file(&name), run.weights(&name)) else {
            warnings.push(format!("run {}: model {name:?} in the manifest is not a valid model name", run.num()));
            continue;
        };
        let tuning = tuning.as_ref().map(|(trials, best)| TuningOutcome {
            trials: trials.get(&name).copied().unwrap_or(0),
            best: best.get(&name).cloned(),
        });
        details.push(ModelDetails {
            result: manifest.results.get(&name).cloned().unwrap_or_default(),
            test: read::test_scores(job, run.num(), &name)?.or_warn(warnings),
            tuning,
            model_file: artifact(job, &model_key)?,
            weights: artifact(job, &weights_key)?,
            name,
        });
    }
    Ok(details)
}

/// Trials per model (`tuning/trials.jsonl`) and each model's best (`tuning/best.json`).
type Tuning = (BTreeMap<String, usize>, BTreeMap<String, BestTrial>);

fn tuning(job: &Job, run: &RunLayout, warnings: &mut Vec<String>) -> Result<Tuning> {
    let mut counts = BTreeMap::new();
    match load_trials(job, run) {
        Ok(trials) => {
            for trial in trials {
                *counts.entry(trial.model).or_insert(0) += 1;
            }
        }
        // A line that is not a trial record; the message names the file and line.
        Err(Error::Unsupported { what }) => warnings.push(what),
        Err(err) => return Err(err),
    }
    let parse = |text: &str| parse_best(text).map_err(|err| err.to_string());
    let best = read::parsed(job, &run.tuning_best(), "tuning result", parse)?.or_warn(warnings).unwrap_or_default();
    let best = best.iter().map(|(model, record)| (model.clone(), BestTrial::from(record))).collect();
    Ok((counts, best))
}

fn artifact(job: &Job, key: &str) -> Result<Artifact> {
    Ok(Artifact { uri: job.storage.uri(key), exists: job.storage.exists(key)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browse::test_runs::{finished_manifest, job, put};

    #[test]
    fn a_finished_run_shows_manifest_results_scores_and_files() {
        let job = job();
        put(&job, "demo/runs/1/manifest.toml", &finished_manifest(1, "training", &[("bert", 0.8125)]));
        put(&job, "demo/runs/1/claim.toml", "pid = 7\ncreated = \"2026-11-26T14:48:17Z\"\n");
        put(&job, "demo/runs/1/settings.ini", "[experiment]\n");
        put(&job, "demo/runs/1/training/bert/model.pt", "model");
        put(
            &job,
            "demo/runs/1/inference/bert/summary.json",
            r#"{"accuracy": 0.7, "macro_f1": 0.6, "weighted_f1": 0.65, "run": 1}"#,
        );
        let details = show_run(&job, 1).unwrap();
        assert_eq!(details.status, RunStatus::Finished);
        assert_eq!(details.uri, "memory://demo/runs/1/");
        assert_eq!(details.claimed.as_deref(), Some("2026-11-26T14:48:17Z"));
        let manifest = details.manifest.as_ref().unwrap();
        assert_eq!((manifest.plugin_sha256.as_str(), manifest.world_size), ("aa11", Some(1)));
        let bert = &details.models[0];
        assert_eq!(
            bert.result,
            ModelResult {
                objective: Some("validation:macro_f1".into()),
                best_value: Some(0.8125),
                best_epoch: Some(2),
                train_seconds: Some(72.0),
                replicas_sha256: None,
            }
        );
        assert_eq!(bert.test, Some(TestScores { accuracy: 0.7, macro_f1: 0.6, weighted_f1: 0.65 }));
        assert_eq!(bert.tuning, None);
        assert_eq!(
            bert.model_file,
            Artifact { uri: "memory://demo/runs/1/training/bert/model.pt".into(), exists: true }
        );
        assert!(!bert.weights.exists);
        assert!(details.settings.exists && !details.report.exists);
        assert!(details.warnings.is_empty(), "{:?}", details.warnings);
    }

    #[test]
    fn a_tuning_run_shows_trial_counts_and_the_best_trial() {
        let job = job();
        put(&job, "demo/runs/2/manifest.toml", &finished_manifest(2, "tuning", &[("bert", 0.9)]));
        let trial = |n: u32| {
            format!(
                r#"{{"model":"bert","trial":{n},"parameters":{{"learning_rate":"0.0{n}"}},"status":"completed","objective_metric":"validation:macro_f1","objective":0.{n},"best_epoch":1,"epochs_run":2,"duration_seconds":1.0,"started":"2026-11-26T14:48:17Z","finished":null,"job":"local","error":null}}"#
            )
        };
        put(&job, "demo/runs/2/tuning/trials.jsonl", &format!("{}\n{}\n{}\n", trial(1), trial(2), trial(3)));
        put(
            &job,
            "demo/runs/2/tuning/best.json",
            r#"{"bert": {"model": "bert", "trial": 3, "parameters": {"learning_rate": "0.03"}, "objective": 0.3}}"#,
        );
        let details = show_run(&job, 2).unwrap();
        let tuning = details.models[0].tuning.as_ref().unwrap();
        assert_eq!(tuning.trials, 3);
        assert_eq!(
            tuning.best,
            Some(BestTrial {
                trial: 3,
                parameters: BTreeMap::from([("learning_rate".to_string(), "0.03".to_string())]),
                objective: Some(0.3),
            })
        );
    }

    #[test]
    fn a_run_being_allocated_shows_its_claim() {
        let job = job();
        put(&job, "demo/runs/4/claim.toml", "pid = 7\ncreated = \"2026-11-27T08:00:00Z\"\n");
        let details = show_run(&job, 4).unwrap();
        assert_eq!((details.status, details.manifest, details.models.len()), (RunStatus::Allocating, None, 0));
        assert_eq!(details.claimed.as_deref(), Some("2026-11-27T08:00:00Z"));
    }

    #[test]
    fn a_missing_run_is_a_usage_error_naming_it_and_the_existing_runs() {
        let job = job();
        let message = show_run(&job, 9).unwrap_err().to_string();
        assert_eq!(message, "run 9 not found at memory://demo/runs/9/; the experiment has no runs yet");
        put(&job, "demo/runs/1/claim.toml", "");
        put(&job, "demo/runs/3/claim.toml", "");
        let err = show_run(&job, 9).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(err.to_string(), "run 9 not found at memory://demo/runs/9/; existing runs: 1, 3");
    }
}
