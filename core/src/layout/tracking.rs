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
