//! [`list_runs`]: one [`RunSummary`] per run of the experiment, newest first — what `runner runs`
//! tabulates. Each run costs one manifest read plus one inference summary per model, and one
//! listing of its files with their sizes.

use super::read;
use super::status::RunStatus;
use crate::job::Job;
use crate::layout;
use crate::Result;

/// One line of the runs table.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// The run number.
    pub num: u64,
    /// RFC 3339 start time (the claim's time while allocating), as written.
    pub started: Option<String>,
    /// `training`, `comparison` or `tuning`; `None` before the manifest is written.
    pub job_type: Option<String>,
    /// Where the run stands.
    pub status: RunStatus,
    /// The run's models, in the settings' order.
    pub models: Vec<ModelSummary>,
    /// Bytes stored under the run's folder (every file, trials and checkpoints included).
    pub size_bytes: u64,
    /// One line per file that could not be read (naming it); the run is listed anyway.
    pub warnings: Vec<String>,
}

/// One model's headline numbers in a [`RunSummary`].
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSummary {
    /// The model name.
    pub name: String,
    /// The objective metric, e.g. `validation:macro_f1`; `None` until the model finished training.
    pub objective: Option<String>,
    /// The objective's best value.
    pub best_value: Option<f64>,
    /// Accuracy on the test split; `None` until `infer` ran.
    pub test_accuracy: Option<f64>,
}

/// Summarises every run of the experiment, newest (highest number) first. Runs still being
/// allocated are listed with [`RunStatus::Allocating`]; unreadable files become
/// [`RunSummary::warnings`].
///
/// # Errors
/// Storage failures listing `runs/` or reading a run's files (a missing file is not one).
pub fn list_runs(job: &Job) -> Result<Vec<RunSummary>> {
    let nums = layout::list_runs(job.storage.as_ref(), &job.layout)?;
    nums.into_iter().rev().map(|num| summarize(job, num)).collect()
}

fn summarize(job: &Job, num: u64) -> Result<RunSummary> {
    let mut warnings = Vec::new();
    let (manifest, status) = read::manifest_and_status(job, num, &mut warnings)?;
    let size_bytes = job.storage.list_sizes(&job.layout.run(num).prefix())?.iter().map(|(_, size)| size).sum();
    let Some(manifest) = manifest else {
        let claim = read::claim(job, num)?.or_warn(&mut warnings);
        let started = claim.and_then(|claim| claim.created);
        return Ok(RunSummary { num, started, job_type: None, status, models: Vec::new(), size_bytes, warnings });
    };
    let mut models = Vec::new();
    for name in manifest.model_names() {
        let result = manifest.results.get(&name).cloned().unwrap_or_default();
        let test = read::test_scores(job, num, &name)?.or_warn(&mut warnings);
        models.push(ModelSummary {
            name,
            objective: result.objective,
            best_value: result.best_value,
            test_accuracy: test.map(|scores| scores.accuracy),
        });
    }
    let started = Some(manifest.started).filter(|text| !text.is_empty());
    let job_type = Some(manifest.job_type).filter(|text| !text.is_empty());
    Ok(RunSummary { num, started, job_type, status, models, size_bytes, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browse::test_runs::{finished_manifest, job, put};

    #[test]
    fn runs_are_listed_newest_first_with_their_results() {
        let job = job();
        put(&job, "demo/runs/1/manifest.toml", &finished_manifest(1, "training", &[("bert", 0.75)]));
        put(&job, "demo/runs/2/manifest.toml", &finished_manifest(2, "training", &[("bert", 0.8125)]));
        put(
            &job,
            "demo/runs/1/inference/bert/summary.json",
            r#"{"accuracy": 0.7, "macro_f1": 0.6, "weighted_f1": 0.65}"#,
        );
        let runs = list_runs(&job).unwrap();
        assert_eq!(runs.iter().map(|run| run.num).collect::<Vec<_>>(), [2, 1]);
        let old = &runs[1];
        assert_eq!(old.status, RunStatus::Finished);
        assert_eq!(old.job_type.as_deref(), Some("training"));
        assert_eq!(old.started.as_deref(), Some("2026-11-26T14:48:17Z"));
        assert_eq!(
            old.models,
            [ModelSummary {
                name: "bert".into(),
                objective: Some("validation:macro_f1".into()),
                best_value: Some(0.75),
                test_accuracy: Some(0.7),
            }]
        );
        assert_eq!(runs[0].models[0].test_accuracy, None, "run 2 was not evaluated");
        let manifest_len = |num| finished_manifest(num, "training", &[("bert", 0.75)]).len() as u64;
        assert_eq!(runs[1].size_bytes, manifest_len(1) + 55, "run 1: its manifest and its 55-byte summary");
        assert_eq!(runs[0].size_bytes, manifest_len(2), "run 2: its manifest only");
        assert!(runs.iter().all(|run| run.warnings.is_empty()));
    }

    #[test]
    fn a_run_with_only_a_claim_is_allocating_since_the_claim() {
        let job = job();
        put(&job, "demo/runs/3/claim.toml", "pid = 12\ncreated = \"2026-11-27T08:00:00Z\"\n");
        put(&job, "demo/runs/4/settings.ini", "[experiment]\n");
        let runs = list_runs(&job).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!((runs[0].num, &runs[0].status, runs[0].started.as_deref()), (4, &RunStatus::Allocating, None));
        assert_eq!(
            (runs[1].num, &runs[1].status, runs[1].started.as_deref()),
            (3, &RunStatus::Allocating, Some("2026-11-27T08:00:00Z"))
        );
        assert!(runs[1].models.is_empty() && runs[1].warnings.is_empty());
    }

    #[test]
    fn an_unreadable_manifest_is_one_warning_naming_it_and_the_run_stays_listed() {
        let job = job();
        put(&job, "demo/runs/1/manifest.toml", "run = [unterminated\n");
        put(&job, "demo/runs/2/manifest.toml", &finished_manifest(2, "training", &[("bert", 0.5)]));
        let runs = list_runs(&job).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[1].status, RunStatus::Unreadable);
        assert_eq!(runs[1].warnings.len(), 1);
        let warning = &runs[1].warnings[0];
        assert!(warning.starts_with("memory://demo/runs/1/manifest.toml: not a readable run manifest: "), "{warning}");
        assert!(!warning.contains('\n'), "{warning}");
        assert_eq!(runs[0].status, RunStatus::Finished);
    }

    #[test]
    fn a_bad_inference_summary_is_a_warning_and_leaves_the_accuracy_empty() {
        let job = job();
        put(&job, "demo/runs/1/manifest.toml", &finished_manifest(1, "training", &[("bert", 0.5)]));
        put(&job, "demo/runs/1/inference/bert/summary.json", "{\"accuracy\": ");
        let runs = list_runs(&job).unwrap();
        assert_eq!(runs[0].models[0].test_accuracy, None);
        assert_eq!(runs[0].warnings.len(), 1);
        assert!(runs[0].warnings[0].contains("inference/bert/summary.json: not a readable inference summary"));
    }

    #[test]
    fn a_manifest_missing_fields_still_lists() {
        let job = job();
        put(&job, "demo/runs/5/manifest.toml", "status = \"running\"\n");
        let runs = list_runs(&job).unwrap();
        assert_eq!(runs[0].status, RunStatus::Running);
        assert_eq!((runs[0].started.as_deref(), runs[0].job_type.as_deref()), (None, None));
        assert!(runs[0].models.is_empty());
    }

    #[test]
    fn an_experiment_without_runs_lists_nothing() {
        assert!(list_runs(&job()).unwrap().is_empty());
    }
}
