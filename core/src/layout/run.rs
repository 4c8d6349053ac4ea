//! [`RunLayout`]: the keys inside one run folder, `<exp>/runs/<n>/`: settings snapshot, manifest,
//! training outputs per model, tuning records and inference results.

use super::ExperimentLayout;
use crate::storage::{validate_segment, StorageError};

/// `runs/<n>/settings.ini`'s file name: the settings snapshot of a run.
pub const SETTINGS_FILE: &str = "settings.ini";
/// `runs/<n>/manifest.toml`'s file name: what a run is and what it was made from.
pub const MANIFEST_FILE: &str = "manifest.toml";
/// `training/<model>/model.pt`'s file name: a model's exported TorchScript module.
pub const MODEL_FILE: &str = "model.pt";
/// `training/<model>/weights.safetensors`'s file name: a model's trained weights.
pub const WEIGHTS_FILE: &str = "weights.safetensors";
/// `training/<model>/input_keys.json`'s file name: a model's forward() inputs in order.
pub const INPUT_KEYS_FILE: &str = "input_keys.json";
/// `runs/<n>/training/`: the folder of every model's training outputs.
pub const TRAINING_DIR: &str = "training/";
/// `training/<model>/checkpoints/`: the folder of a model's checkpoints.
pub const CHECKPOINTS_DIR: &str = "checkpoints/";
/// `runs/<n>/inference/`: the folder of the evaluation results.
pub const INFERENCE_DIR: &str = "inference/";
/// `runs/<n>/tuning/`: the folder of what hyper-parameter tuning produced.
pub const TUNING_DIR: &str = "tuning/";
/// `tuning/<model>/trial-<k>/`: how a trial's folder name starts.
pub const TRIAL_PREFIX: &str = "trial-";
/// `inference/report.html`'s file name: the human-readable report.
pub const REPORT_FILE: &str = "report.html";
/// `tuning/<model>/objective.png`'s file name: the objective per trial and the best so far.
pub const TUNING_PLOT_FILE: &str = "objective.png";
/// `tuning/trials.jsonl`'s file name: one line per trial.
pub const TRIALS_FILE: &str = "trials.jsonl";

/// `<model>-objective.png`: the name of `model`'s tuning plot while it is drawn in a local scratch
/// folder (one folder may hold every model's), before it is stored at [`RunLayout::tuning_plot`].
pub fn tuning_plot_scratch(model: &str) -> String {
    format!("{model}-{TUNING_PLOT_FILE}")
}

/// The keys of one run, `<exp>/runs/<n>/...`. Methods taking a model name (or a curve or
/// checkpoint name) check that it is a single key segment and fail with
/// [`StorageError::InvalidKey`] otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLayout {
    pub(super) experiment: ExperimentLayout,
    pub(super) num: u64,
    /// `tuning/<model>/trial-<k>/` for the layout of one tuning trial (see [`RunLayout::trial`]).
    pub(super) trial: Option<String>,
}

impl RunLayout {
    /// The run number.
    pub fn num(&self) -> u64 {
        self.num
    }

    /// The experiment the run belongs to.
    pub fn experiment(&self) -> &ExperimentLayout {
        &self.experiment
    }

    /// `<exp>/runs/<n>/`: everything of the run (of a trial layout: the trial's folder).
    pub fn prefix(&self) -> String {
        match &self.trial {
            None => self.run_prefix(),
            Some(sub) => format!("{}{sub}", self.run_prefix()),
        }
    }

    fn run_prefix(&self) -> String {
        format!("{}{}/", self.experiment.runs_prefix(), self.num)
    }

    /// The layout of trial `trial` of tuning `model` in this run: the same keys, under
    /// `runs/<n>/tuning/<model>/trial-<trial>/` (so its model lives in
    /// `.../trial-<trial>/training/<model>/`).
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn trial(&self, model: &str, trial: u32) -> Result<RunLayout, StorageError> {
        validate_segment(model, "model name")?;
        let mut layout = self.clone();
        layout.trial = Some(format!("{TUNING_DIR}{model}/{TRIAL_PREFIX}{trial}/"));
        Ok(layout)
    }

    /// Whether this is a trial's layout.
    pub fn is_trial(&self) -> bool {
        self.trial.is_some()
    }

    /// `trial-<k>`, the trial folder's name, for a trial's layout.
    pub fn trial_name(&self) -> Option<&str> {
        self.trial.as_deref().and_then(|sub| sub.trim_end_matches('/').rsplit('/').next())
    }

    /// `runs/<n>/settings.ini`: the exact settings the run used.
    pub fn settings(&self) -> String {
        format!("{}{SETTINGS_FILE}", self.prefix())
    }

    /// `runs/<n>/manifest.toml`: versions, hashes, job type and timings.
    pub fn manifest(&self) -> String {
        format!("{}{MANIFEST_FILE}", self.prefix())
    }

    /// `runs/<n>/claim.toml`: written create-only by [`allocate_run`] to take the number.
    pub fn claim(&self) -> String {
        format!("{}claim.toml", self.prefix())
    }

    /// `runs/<n>/training/<model>/`: everything training produced for `model`.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn training_dir(&self, model: &str) -> Result<String, StorageError> {
        validate_segment(model, "model name")?;
        Ok(format!("{}{TRAINING_DIR}{model}/", self.prefix()))
    }

    /// `training/<model>/model.pt`: the exported TorchScript model.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn model_file(&self, model: &str) -> Result<String, StorageError> {
        Ok(self.training_dir(model)? + MODEL_FILE)
    }

    /// `training/<model>/weights.safetensors`: the trained weights.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn weights(&self, model: &str) -> Result<String, StorageError> {
        Ok(self.training_dir(model)? + WEIGHTS_FILE)
    }

    /// `training/<model>/input_keys.json`: forward() input names in positional order.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn input_keys(&self, model: &str) -> Result<String, StorageError> {
        Ok(self.training_dir(model)? + INPUT_KEYS_FILE)
    }

    /// `training/<model>/metrics.jsonl`: the metric log, one JSON event per line.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn metrics(&self, model: &str) -> Result<String, StorageError> {
        Ok(self.training_dir(model)? + "metrics.jsonl")
    }

    /// `training/<model>/statistics.json`: summary statistics of the training.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn statistics(&self, model: &str) -> Result<String, StorageError> {
        Ok(self.training_dir(model)? + "statistics.json")
    }

    /// `training/<model>/curves/<name>.png`: one plotted curve.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model or curve name.
    pub fn curve(&self, model: &str, name: &str) -> Result<String, StorageError> {
        validate_segment(name, "curve name")?;
        Ok(format!("{}curves/{name}.png", self.training_dir(model)?))
    }

    /// `training/<model>/checkpoints/`: all checkpoints of `model`.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn checkpoints_prefix(&self, model: &str) -> Result<String, StorageError> {
        Ok(self.training_dir(model)? + CHECKPOINTS_DIR)
    }

    /// `training/<model>/checkpoints/<name>.safetensors`: one checkpoint.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model or checkpoint name.
    pub fn checkpoint(&self, model: &str, name: &str) -> Result<String, StorageError> {
        validate_segment(name, "checkpoint name")?;
        Ok(format!("{}{name}.safetensors", self.checkpoints_prefix(model)?))
    }

    /// `runs/<n>/training/<model>/checkpoints/state.toml`: the trainer's progress at the last
    /// checkpoint (written after the tensors it refers to).
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] when `model` is not a single key segment.
    pub fn checkpoint_state(&self, model: &str) -> Result<String, StorageError> {
        Ok(format!("{}state.toml", self.checkpoints_prefix(model)?))
    }

    /// `runs/<n>/training/<model>/<file>`: another file of a model's training outputs.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] when `model` or `file` is not a single key segment.
    pub fn training_file(&self, model: &str, file: &str) -> Result<String, StorageError> {
        validate_segment(file, "file name")?;
        Ok(format!("{}{file}", self.training_dir(model)?))
    }

    /// `runs/<n>/tuning/`: what hyper-parameter tuning produced.
    pub fn tuning_dir(&self) -> String {
        format!("{}{TUNING_DIR}", self.run_prefix())
    }

    /// `runs/<n>/tuning/<model>/objective.png`: the objective per trial and the best so far.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn tuning_plot(&self, model: &str) -> Result<String, StorageError> {
        validate_segment(model, "model name")?;
        Ok(format!("{}{model}/{TUNING_PLOT_FILE}", self.tuning_dir()))
    }

    /// `runs/<n>/tuning/trials.jsonl`: one line per trial.
    pub fn tuning_trials(&self) -> String {
        format!("{}{TRIALS_FILE}", self.tuning_dir())
    }

    /// `runs/<n>/tuning/best.json`: the best trial's parameters and score.
    pub fn tuning_best(&self) -> String {
        format!("{}best.json", self.tuning_dir())
    }

    /// `runs/<n>/inference/`: evaluation results of all models.
    pub fn inference_prefix(&self) -> String {
        format!("{}{INFERENCE_DIR}", self.prefix())
    }

    /// `runs/<n>/inference/<model>/`: evaluation results of `model`.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn inference_dir(&self, model: &str) -> Result<String, StorageError> {
        validate_segment(model, "model name")?;
        Ok(format!("{}{model}/", self.inference_prefix()))
    }

    /// `inference/<model>/per_label.csv`: per-label precision, recall and F1.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn per_label(&self, model: &str) -> Result<String, StorageError> {
        Ok(self.inference_dir(model)? + "per_label.csv")
    }

    /// `inference/<model>/summary.json`: overall scores and timings.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn summary(&self, model: &str) -> Result<String, StorageError> {
        Ok(self.inference_dir(model)? + "summary.json")
    }

    /// `inference/<model>/predictions.parquet`: one prediction per test record.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn predictions(&self, model: &str) -> Result<String, StorageError> {
        Ok(self.inference_dir(model)? + "predictions.parquet")
    }

    /// `inference/ensemble/ensemble.json`: a comparison job's ensemble — its members, their
    /// `model.pt` and input keys, and how their probabilities combine — so that it can be
    /// served and checked outside mlpipe.
    pub fn ensemble_manifest(&self) -> String {
        format!("{}ensemble/ensemble.json", self.inference_prefix())
    }

    /// `runs/<n>/inference/comparison.json`: the models side by side.
    pub fn comparison(&self) -> String {
        format!("{}comparison.json", self.inference_prefix())
    }

    /// `runs/<n>/inference/report.html`: the human-readable report.
    pub fn report(&self) -> String {
        format!("{}{REPORT_FILE}", self.inference_prefix())
    }
}
