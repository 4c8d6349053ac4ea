//! How a run folder appears in the experiment tracker: each model's MLflow run key
//! (`<experiment>/<run>/<model>`, a trial's `.../trial-<n>`) and which of the run's files become
//! its artifacts, under which artifact paths. The artifact paths mirror the run folder's own names
//! (they are built from the same constants), so a file is found under the same relative name in
//! the tracker as on disk.

use super::run::{
    RunLayout, CHECKPOINTS_DIR, INFERENCE_DIR, MANIFEST_FILE, REPORT_FILE, SETTINGS_FILE, TRAINING_DIR, TRIALS_FILE,
    TRIAL_PREFIX, TUNING_DIR,
};
use crate::storage::StorageError;

/// A folder of the run shown whole as artifacts: every key under `prefix`, at artifact path
/// `under` + the key relative to `prefix`, except those whose relative key starts with `skip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactTree {
    /// The storage prefix listed.
    pub prefix: String,
    /// The artifact folder the files land in (`""` for the artifact root).
    pub under: &'static str,
    /// Relative keys starting with this are left out (`""`: none is).
    pub skip: &'static str,
}

/// The tracker key of `model`'s run in `run` (of the trial's, for a trial layout):
/// `<experiment>/<n>/<model>[/trial-<k>]`.
pub fn tracker_key(experiment: &str, run: &RunLayout, model: &str) -> String {
    let base = format!("{experiment}/{}/{model}", run.num());
    match run.trial_name() {
        Some(trial) => format!("{base}/{trial}"),
        None => base,
    }
}

/// The folders of `run` shown as `model`'s artifacts: its training outputs without checkpoints;
/// for a trial, the trial folder without its training outputs (already shown); else its inference
/// results and its tuning folder without the trials' own folders.
///
/// # Errors
/// [`StorageError::InvalidKey`] for an invalid model name.
pub fn artifact_trees(run: &RunLayout, model: &str) -> Result<Vec<ArtifactTree>, StorageError> {
    let mut trees = vec![ArtifactTree { prefix: run.training_dir(model)?, under: TRAINING_DIR, skip: CHECKPOINTS_DIR }];
    if run.is_trial() {
        trees.push(ArtifactTree { prefix: run.prefix(), under: "", skip: TRAINING_DIR });
    } else {
        trees.push(ArtifactTree { prefix: run.inference_dir(model)?, under: INFERENCE_DIR, skip: "" });
        trees.push(ArtifactTree { prefix: run.tuning_model_dir(model), under: TUNING_DIR, skip: TRIAL_PREFIX });
    }
    Ok(trees)
}

/// The single files of a (non-trial) run shown as artifacts of each model, with their artifact
/// paths: the report, the settings snapshot, the manifest and the tuning trials.
pub fn artifact_files(run: &RunLayout) -> Vec<(String, String)> {
    vec![
        (run.report(), REPORT_FILE.to_string()),
        (run.settings(), SETTINGS_FILE.to_string()),
        (run.manifest(), MANIFEST_FILE.to_string()),
        (run.tuning_trials(), format!("{TUNING_DIR}{TRIALS_FILE}")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::ExperimentLayout;

    #[test]
    fn tracker_keys_name_the_run_model_and_trial() {
        let run = ExperimentLayout::new("news").unwrap().run(3);
        assert_eq!(tracker_key("news", &run, "bert"), "news/3/bert");
        assert_eq!(tracker_key("news", &run.trial("bert", 2).unwrap(), "bert"), "news/3/bert/trial-2");
    }

    #[test]
    fn artifacts_mirror_the_run_folder_and_skip_checkpoints_and_trials() {
        let run = ExperimentLayout::new("news").unwrap().run(3);
        let trees = artifact_trees(&run, "bert").unwrap();
        let shown: Vec<_> = trees.iter().map(|t| (t.prefix.as_str(), t.under, t.skip)).collect();
        assert_eq!(
            shown,
            [
                ("news/runs/3/training/bert/", "training/", "checkpoints/"),
                ("news/runs/3/inference/bert/", "inference/", ""),
                ("news/runs/3/tuning/bert/", "tuning/", "trial-"),
            ]
        );
        let trial = artifact_trees(&run.trial("bert", 2).unwrap(), "bert").unwrap();
        assert_eq!((trial[1].prefix.as_str(), trial[1].skip), ("news/runs/3/tuning/bert/trial-2/", "training/"));
        let files: Vec<_> = artifact_files(&run).into_iter().map(|(_, path)| path).collect();
        assert_eq!(files, ["report.html", "settings.ini", "manifest.toml", "tuning/trials.jsonl"]);
    }
}
