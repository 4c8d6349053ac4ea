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

/// `<run uri>/settings.ini`: the run's settings snapshot, the `config` channel.
pub fn settings_snapshot_uri(run_uri: &str) -> String {
    format!("{}/settings.ini", trim(run_uri))
}

/// `<experiment uri>/data/`: the `data` channel.
pub fn data_uri(experiment_uri: &str) -> String {
    format!("{}/data/", trim(experiment_uri))
}

/// `<run uri>/sagemaker/<model>/`: SageMaker's output path; it writes `<job>/output/model.tar.gz`.
pub fn output_uri(run_uri: &str, model: &str) -> String {
    format!("{}/sagemaker/{model}/", trim(run_uri))
}

/// `<run uri>/sagemaker/<model>/checkpoints/`: the default checkpoint location.
pub fn checkpoint_uri(run_uri: &str, model: &str) -> String {
    format!("{}checkpoints/", output_uri(run_uri, model))
}

fn trim(uri: &str) -> &str {
    uri.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_join_with_one_slash_whether_or_not_the_base_ends_in_one() {
        assert_eq!(settings_snapshot_uri("s3://b/e/runs/3/"), "s3://b/e/runs/3/settings.ini");
        assert_eq!(data_uri("s3://b/e"), "s3://b/e/data/");
        assert_eq!(output_uri("s3://b/e/runs/3", "bert"), "s3://b/e/runs/3/sagemaker/bert/");
        assert_eq!(checkpoint_uri("s3://b/e/runs/3/", "bert"), "s3://b/e/runs/3/sagemaker/bert/checkpoints/");
    }
}
