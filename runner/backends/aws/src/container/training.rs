//! [`TrainingContract`]: what SageMaker hands a training job's container, read once from
//! `/opt/ml/input/config/` (hyperparameters and hosts). The files of the channels are used later,
//! by [`TrainingContract::local_job`] and [`TrainingContract::export_model`].

use super::{ContainerError, Hyperparameters, OptMl, ResourceConfig};
use std::path::PathBuf;

/// A training job's inputs: one model to train, settings overrides, and the hosts of the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingContract {
    /// Where the contract's files are.
    pub opt_ml: OptMl,
    /// `input/config/hyperparameters.json`.
    pub hyperparameters: Hyperparameters,
    /// `input/config/resourceconfig.json`.
    pub resources: ResourceConfig,
}

impl TrainingContract {
    /// Reads `hyperparameters.json` and `resourceconfig.json` under `opt_ml`.
    ///
    /// # Errors
    /// A file that is missing or not JSON, named; a missing `mlpipe.model` or another bad key,
    /// named with its file (see [`Hyperparameters::read`] and [`ResourceConfig::read`]).
    pub fn read(opt_ml: &OptMl) -> Result<Self, ContainerError> {
        let hyperparameters = Hyperparameters::read(&opt_ml.hyperparameters())?;
        let resources = ResourceConfig::read(&opt_ml.resource_config())?;
        Ok(Self { opt_ml: opt_ml.clone(), hyperparameters, resources })
    }

    /// The model this job trains (`mlpipe.model`).
    pub fn model(&self) -> &str {
        &self.hyperparameters.model
    }

    /// The experiment root for the job, under `checkpoints/` so that a restarted (spot) job finds
    /// its run: [`OptMl::experiments_root`], or for a tuning trial named `job_name` (SageMaker's
    /// `TRAINING_JOB_NAME`) `checkpoints/trials/<job_name>/experiments`. The trials of a tuning
    /// job share one checkpoint prefix in S3; a folder per trial keeps each trial's runs (all
    /// numbered from 1) from overwriting the others' there and from being resumed by another.
    pub fn experiments_root(&self, job_name: Option<&str>) -> PathBuf {
        let name = job_name
            .map(str::trim)
            .filter(|name| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        match name {
            Some(name) if self.hyperparameters.tuning_trial => self.opt_ml.trial_experiments_root(name),
            _ => self.opt_ml.experiments_root(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn contract(hyperparameters: &str) -> TrainingContract {
        let dir = tempfile::tempdir().unwrap();
        let opt_ml = OptMl::at(dir.path());
        std::fs::create_dir_all(opt_ml.hyperparameters().parent().unwrap()).unwrap();
        std::fs::write(opt_ml.hyperparameters(), hyperparameters).unwrap();
        let hyperparameters = Hyperparameters::read(&opt_ml.hyperparameters()).unwrap();
        let resources = ResourceConfig { current_host: "algo-1".into(), hosts: vec!["algo-1".into()] };
        TrainingContract { opt_ml: OptMl::at(Path::new("/opt/ml")), hyperparameters, resources }
    }

    #[test]
    fn each_tuning_trial_keeps_its_experiments_apart() {
        let trial = contract(r#"{"mlpipe.model": "bow", "_tuning_objective_metric": "validation:macro_f1"}"#);
        assert_eq!(
            trial.experiments_root(Some("news-bow-003-1a2b3c4d")),
            Path::new("/opt/ml/checkpoints/trials/news-bow-003-1a2b3c4d/experiments")
        );
        // Without a usable job name, or outside a tuning job: the one experiment root.
        assert_eq!(trial.experiments_root(None), Path::new("/opt/ml/checkpoints/experiments"));
        assert_eq!(trial.experiments_root(Some("../x")), Path::new("/opt/ml/checkpoints/experiments"));
        let single = contract(r#"{"mlpipe.model": "bow"}"#);
        assert_eq!(single.experiments_root(Some("news-bow-1a2b")), Path::new("/opt/ml/checkpoints/experiments"));
    }
}
