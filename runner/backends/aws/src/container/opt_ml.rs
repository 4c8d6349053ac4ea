//! [`OptMl`]: the one place the paths of SageMaker's container contract are spelled. SageMaker
//! mounts everything under `/opt/ml`; `MLPIPE_OPT_ML` moves that root, so that tests and a local
//! `docker run -v` can build a fake one anywhere.

use std::path::{Path, PathBuf};

/// The environment variable that replaces [`DEFAULT_OPT_ML`].
pub const OPT_ML_VAR: &str = "MLPIPE_OPT_ML";

/// Where SageMaker puts the container's inputs and collects its outputs.
pub const DEFAULT_OPT_ML: &str = "/opt/ml";

/// The root of the container contract and every path under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptMl {
    root: PathBuf,
}

impl OptMl {
    /// `$MLPIPE_OPT_ML` when set and not empty, else `/opt/ml`.
    pub fn from_env() -> Self {
        match std::env::var_os(OPT_ML_VAR) {
            Some(root) if !root.is_empty() => Self::at(root),
            _ => Self::at(DEFAULT_OPT_ML),
        }
    }

    /// The contract rooted at `root` instead of `/opt/ml`.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `input/config/hyperparameters.json`: the training job's hyperparameters, a JSON object of
    /// strings.
    pub fn hyperparameters(&self) -> PathBuf {
        self.root.join("input/config/hyperparameters.json")
    }

    /// `input/config/resourceconfig.json`: this host's name and all hosts of the training job.
    pub fn resource_config(&self) -> PathBuf {
        self.root.join("input/config/resourceconfig.json")
    }

    /// `input/data/<channel>/`: one input channel of a training job.
    pub fn channel(&self, name: &str) -> PathBuf {
        self.root.join("input/data").join(name)
    }

    /// `input/data/config/settings.ini`: the run's settings snapshot (channel `config`).
    pub fn training_settings(&self) -> PathBuf {
        self.channel("config").join("settings.ini")
    }

    /// `input/data/data/`: the experiment's `<exp>/data/` folder (channel `data`).
    pub fn data_channel(&self) -> PathBuf {
        self.channel("data")
    }

    /// `checkpoints/`: synced to S3 while the job runs and restored into a restarted (spot) job.
    pub fn checkpoints(&self) -> PathBuf {
        self.root.join("checkpoints")
    }

    /// `checkpoints/experiments/`: the experiment root training uses inside the container, kept
    /// under `checkpoints/` so that a restarted job finds its run and resumes it.
    pub fn experiments_root(&self) -> PathBuf {
        self.checkpoints().join("experiments")
    }

    /// `checkpoints/trials/<job_name>/experiments/`: the experiment root of one tuning trial, apart
    /// from the other trials that share the tuning job's checkpoint prefix.
    pub fn trial_experiments_root(&self, job_name: &str) -> PathBuf {
        self.checkpoints().join("trials").join(job_name).join("experiments")
    }

    /// `checkpoints/settings.ini`: the config channel's settings narrowed to the job's model, when
    /// they are a comparison's (see [`TrainingContract::local_job`](super::TrainingContract::local_job)).
    pub fn narrowed_settings(&self) -> PathBuf {
        self.checkpoints().join("settings.ini")
    }

    /// `model/`: everything in it is uploaded as the job's `model.tar.gz`.
    pub fn model_dir(&self) -> PathBuf {
        self.root.join("model")
    }

    /// `output/failure`: the reason a failed job shows.
    pub fn failure(&self) -> PathBuf {
        self.root.join("output/failure")
    }

    /// `processing/input/config/settings.ini`: the settings of a processing job.
    pub fn processing_settings(&self) -> PathBuf {
        self.root.join("processing/input/config/settings.ini")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_hangs_off_the_root() {
        let opt_ml = OptMl::at("/tmp/fake");
        assert_eq!(opt_ml.hyperparameters(), Path::new("/tmp/fake/input/config/hyperparameters.json"));
        assert_eq!(opt_ml.resource_config(), Path::new("/tmp/fake/input/config/resourceconfig.json"));
        assert_eq!(opt_ml.training_settings(), Path::new("/tmp/fake/input/data/config/settings.ini"));
        assert_eq!(opt_ml.data_channel(), Path::new("/tmp/fake/input/data/data"));
        assert_eq!(opt_ml.experiments_root(), Path::new("/tmp/fake/checkpoints/experiments"));
        assert_eq!(opt_ml.narrowed_settings(), Path::new("/tmp/fake/checkpoints/settings.ini"));
        assert_eq!(opt_ml.model_dir(), Path::new("/tmp/fake/model"));
        assert_eq!(opt_ml.failure(), Path::new("/tmp/fake/output/failure"));
        assert_eq!(opt_ml.processing_settings(), Path::new("/tmp/fake/processing/input/config/settings.ini"));
    }
}
