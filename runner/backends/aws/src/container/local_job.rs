//! [`TrainingContract::local_job`]: turns a training job's contract into an ordinary local
//! experiment that the train step runs as it would on a laptop. The experiment root lives under
//! `/opt/ml/checkpoints/`, which SageMaker syncs to S3 and restores into a restarted (spot) job, so
//! the run a killed attempt left is found there and resumed instead of started over.

use super::mirror::mirror;
use super::narrow::without_other_models;
use super::{ContainerError, TrainingContract, MODEL_KEY};
use mlpipe_core::layout::{list_runs, ExperimentLayout};
use mlpipe_core::settings::{Origin, Settings, SettingsError};
use mlpipe_core::storage::{self, Storage};
use std::path::{Path, PathBuf};

/// How to run the train step for the job: the arguments the runner would get on its command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTraining {
    /// The settings file: the `config` channel's `settings.ini`, or for a comparison's snapshot
    /// its copy without the other models' `[training.<model>]` sections.
    pub settings_path: PathBuf,
    /// `section.key=value` overrides, as `--set` takes them, to load the settings with.
    pub overrides: Vec<String>,
    /// The run to continue (`--resume`): the newest run under the root whose settings snapshot
    /// matches these settings, left by an earlier attempt of this job; `None` for a new run.
    pub resume: Option<u64>,
}

impl TrainingContract {
    /// Lays out the experiment under `root` (in the container [`OptMl::experiments_root`],
    /// `/opt/ml/checkpoints/experiments`): mirrors the `data` channel into `<root>/<exp>/data/`
    /// and finds a run to resume. The settings are the config channel's, narrowed to this job's
    /// model when they are a comparison's. The overrides are every `section.key` hyperparameter, then
    /// `experiment.root=<root>`, `experiment.model_names=<mlpipe.model>` and
    /// `training.backend=local` (the container *is* the backend), which win over hyperparameters
    /// that set the same keys.
    ///
    /// # Errors
    /// [`ContainerError::Key`] naming `hyperparameters.json` and the key when the settings reject
    /// a hyperparameter (or `mlpipe.model`); [`ContainerError::Settings`] for a bad settings
    /// snapshot; [`ContainerError::Read`] for a missing channel; write and storage errors.
    ///
    /// [`OptMl::experiments_root`]: super::OptMl::experiments_root
    pub fn local_job(&self, root: &Path) -> Result<LocalTraining, ContainerError> {
        let settings_path = self.settings_for_model()?;
        let overrides = self.overrides(root);
        let settings = Settings::load(&settings_path, &overrides).map_err(|err| self.blame(err))?;
        let layout = ExperimentLayout::new(&settings.experiment.name)?;
        let storage = storage::local(root.to_path_buf());
        let data_dir = root.join(layout.data_prefix());
        let copied = mirror(&self.opt_ml.data_channel(), &data_dir)?;
        tracing::info!(written = copied.written, kept = copied.kept, "data channel mirrored to {}", data_dir.display());
        let resume = resumable_run(storage.as_ref(), &layout, &settings.to_ini())?;
        Ok(LocalTraining { settings_path, overrides, resume })
    }

    /// The config channel's settings, or where they name other models' `[training.<model>]`
    /// sections (a comparison), a copy without them at [`OptMl::narrowed_settings`]. That path is
    /// fixed, so a restarted job gets the same settings, relative paths included.
    ///
    /// [`OptMl::narrowed_settings`]: super::OptMl::narrowed_settings
    fn settings_for_model(&self) -> Result<PathBuf, ContainerError> {
        let channel = self.opt_ml.training_settings();
        let text = std::fs::read_to_string(&channel)
            .map_err(|source| ContainerError::Read { path: channel.clone(), source })?;
        let Some(narrowed) = without_other_models(&text, self.model()) else { return Ok(channel) };
        let path = self.opt_ml.narrowed_settings();
        let write_error = |source| ContainerError::Write { path: path.clone(), source };
        std::fs::create_dir_all(self.opt_ml.checkpoints()).map_err(write_error)?;
        std::fs::write(&path, narrowed).map_err(write_error)?;
        tracing::info!("settings narrowed to model {} in {}", self.model(), path.display());
        Ok(path)
    }

    fn overrides(&self, root: &Path) -> Vec<String> {
        let mut overrides: Vec<String> =
            self.hyperparameters.overrides.iter().map(|(key, value)| format!("{key}={value}")).collect();
        overrides.push(format!("experiment.root={}", root.display()));
        overrides.push(format!("experiment.model_names={}", self.hyperparameters.model));
        overrides.push("training.backend=local".into());
        overrides
    }

    /// A settings error caused by a hyperparameter, reported against `hyperparameters.json` and the
    /// hyperparameter's own key; any other passes through.
    fn blame(&self, err: SettingsError) -> ContainerError {
        let Origin::Override { text } = &err.origin else { return err.into() };
        let target = text.split_once('=').map_or(text.as_str(), |(target, _)| target);
        let key = if target == "experiment.model_names" {
            MODEL_KEY
        } else if self.hyperparameters.overrides.iter().any(|(key, _)| key == target) {
            target
        } else {
            return err.into();
        };
        ContainerError::Key { path: self.hyperparameters.path.clone(), key: key.into(), problem: err.kind.to_string() }
    }
}

/// The newest run whose settings snapshot is `settings_ini`. A run without one (killed before it
/// wrote it) or with other settings cannot be resumed exactly, so it is passed over.
fn resumable_run(
    storage: &dyn Storage,
    layout: &ExperimentLayout,
    settings_ini: &str,
) -> Result<Option<u64>, ContainerError> {
    for num in list_runs(storage, layout)?.into_iter().rev() {
        match storage.get(&layout.run(num).settings()) {
            Ok(snapshot) if snapshot == settings_ini.as_bytes() => return Ok(Some(num)),
            Ok(_) => tracing::info!(run = num, "not resumed: its settings differ from this job's"),
            Err(err) if err.is_not_found() => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(None)
}
