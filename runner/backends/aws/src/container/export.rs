//! [`TrainingContract::export_model`]: copies what a run trained into `/opt/ml/model/`, which
//! SageMaker uploads as the job's `model.tar.gz`: the model's training folder (weights, TorchScript
//! export, input keys, metric log, statistics, curves) without its checkpoints, which are only
//! for resuming and already synced through `/opt/ml/checkpoints/`, plus the run's manifest and
//! settings snapshot so that the archive says what produced it.

use super::{ContainerError, TrainingContract};
use mlpipe_core::job::Job;
use mlpipe_core::layout::{MANIFEST_FILE, SETTINGS_FILE};

/// The names the run's manifest and settings get inside `model/`.
const RUN_FILES: [&str; 2] = [MANIFEST_FILE, SETTINGS_FILE];

impl TrainingContract {
    /// Copies run `run`'s outputs for this job's model from `job`'s storage into
    /// [`OptMl::model_dir`](super::OptMl::model_dir), keeping the training folder's sub-folders
    /// (`curves/`).
    ///
    /// # Errors
    /// [`ContainerError::NotTrained`] when the run has no `statistics.json` for the model (it did not
    /// finish); storage errors reading the run or writing `model/`.
    pub fn export_model(&self, job: &Job, run: u64) -> Result<(), ContainerError> {
        let model = self.model();
        let run = job.layout.run(run);
        let storage = job.storage.as_ref();
        if !storage.exists(&run.statistics(model)?)? {
            return Err(ContainerError::NotTrained {
                uri: storage.uri(&run.training_dir(model)?),
                model: model.into(),
            });
        }
        let model_dir = self.opt_ml.model_dir();
        let training_dir = run.training_dir(model)?;
        let checkpoints = run.checkpoints_prefix(model)?;
        let mut copied = 0;
        for key in storage.list(&training_dir)? {
            if key.starts_with(&checkpoints) {
                continue;
            }
            let relative = key.strip_prefix(&training_dir).unwrap_or(&key);
            storage.get_file(&key, &model_dir.join(relative))?;
            copied += 1;
        }
        for (key, name) in [run.manifest(), run.settings()].iter().zip(RUN_FILES) {
            storage.get_file(key, &model_dir.join(name))?;
        }
        let files = copied + RUN_FILES.len();
        tracing::info!("exported {files} files of run {} ({model}) to {}", run.num(), model_dir.display());
        Ok(())
    }
}
