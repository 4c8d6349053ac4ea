//! The names the SageMaker jobs and the mlpipe container agree on: the container's entrypoint,
//! channel and input names, where SageMaker mounts them, the hyperparameter and tag keys, and the
//! S3 locations under a run. The container side (`runner --container`) is written against exactly
//! these strings, so they live in one place and nothing else spells them.

/// The image's ENTRYPOINT; SageMaker appends `train` for training jobs, processing jobs name it
/// explicitly and append the step.
pub const ENTRYPOINT: [&str; 4] = ["runner", "--plugin", "/opt/mlpipe/plugin.so", "--container"];

/// Training channel holding the run's settings snapshot (one object, `<run>/settings.ini`).
pub const CONFIG_CHANNEL: &str = "config";
/// Training channel holding the experiment's reconciled and prepared data, `<experiment>/data/`.
pub const DATA_CHANNEL: &str = "data";

/// Where SageMaker syncs checkpoints inside a training container.
pub const CHECKPOINT_LOCAL_PATH: &str = "/opt/ml/checkpoints";
/// Where a processing job's `config` input (the settings snapshot) is downloaded.
pub const PROCESSING_CONFIG_PATH: &str = "/opt/ml/processing/input/config";

/// The hyperparameter section mlpipe keeps for itself; overrides use the settings' sections.
pub const HP_SECTION: &str = "mlpipe";
/// Hyperparameter naming the model a training job trains.
pub const HP_MODEL: &str = "mlpipe.model";
/// Hyperparameter naming the run number a training job belongs to.
pub const HP_RUN: &str = "mlpipe.run";

/// Turns off the SageMaker debugger hook that images built on the SageMaker framework containers
/// install; mlpipe's trainer does not use it and it slows every step.
pub const SMDEBUG_ENV: (&str, &str) = ("USE_SMDEBUG", "0");

/// Tag keys on every job, so the console and billing can be filtered by experiment and run.
pub const TAG_EXPERIMENT: &str = "mlpipe:experiment";
/// See [`TAG_EXPERIMENT`].
pub const TAG_RUN: &str = "mlpipe:run";
/// See [`TAG_EXPERIMENT`].
pub const TAG_MODEL: &str = "mlpipe:model";
/// See [`TAG_EXPERIMENT`]; on processing jobs.
pub const TAG_STEP: &str = "mlpipe:step";

pub use mlpipe_core::layout::sagemaker::{checkpoint_uri, data_uri, output_uri, settings_snapshot_uri};
