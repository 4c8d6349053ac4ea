//! [`TrainingContract`]: what SageMaker hands a training job's container, read once from
//! `/opt/ml/input/config/` (hyperparameters and hosts). The files of the channels are used later,
//! by [`TrainingContract::local_job`] and [`TrainingContract::export_model`].

use super::{ContainerError, Hyperparameters, OptMl, ResourceConfig};

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
}
