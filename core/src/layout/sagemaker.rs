//! The names the SageMaker backend reads and writes: the archive a training job leaves, the keys
//! its unpacked files get in the run, and where a shared checkpoint prefix keeps one model's
//! checkpoints, and the S3 URIs of a training job's channels, output and checkpoints.

use super::SETTINGS_FILE;

/// The archive SageMaker makes of a training job's `/opt/ml/model` (`<job>/output/model.tar.gz`).
pub const MODEL_ARCHIVE: &str = "model.tar.gz";

/// The key of the file at `relative` (`/`-separated) inside the model's training folder
/// `training_dir` (a prefix ending in `/`, from [`RunLayout::training_dir`](super::RunLayout::training_dir)).
pub fn unpacked_model_file(training_dir: &str, relative: &str) -> String {
    format!("{training_dir}{relative}")
}

/// The checkpoint prefix of `model` in run `run` of `experiment` under the shared prefix `base`
/// (`sagemaker.checkpoint_s3_uri`): SageMaker downloads whatever is under a job's prefix into the
/// new job, so another model's (or run's) checkpoints must never be there.
pub fn shared_checkpoint_prefix(base: &str, experiment: &str, run: u64, model: &str) -> String {
    format!("{}/{experiment}/{run}/{model}/", base.trim_end_matches('/'))
}

/// `<run uri>/settings.ini`: the run's settings snapshot, the `config` channel.
pub fn settings_snapshot_uri(run_uri: &str) -> String {
    format!("{}/{SETTINGS_FILE}", trim(run_uri))
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
    fn a_shared_checkpoint_prefix_is_split_per_experiment_run_and_model() {
        assert_eq!(shared_checkpoint_prefix("s3://b/ckpt/", "news", 3, "bow"), "s3://b/ckpt/news/3/bow/");
        assert_eq!(shared_checkpoint_prefix("s3://b/ckpt", "news", 3, "bow"), "s3://b/ckpt/news/3/bow/");
    }

    #[test]
    fn unpacked_files_land_under_the_training_folder() {
        assert_eq!(
            unpacked_model_file("e/runs/3/training/bow/", "curves/loss.csv"),
            "e/runs/3/training/bow/curves/loss.csv"
        );
    }

    #[test]
    fn uris_join_with_one_slash_whether_or_not_the_base_ends_in_one() {
        assert_eq!(settings_snapshot_uri("s3://b/e/runs/3/"), "s3://b/e/runs/3/settings.ini");
        assert_eq!(data_uri("s3://b/e"), "s3://b/e/data/");
        assert_eq!(output_uri("s3://b/e/runs/3", "bert"), "s3://b/e/runs/3/sagemaker/bert/");
        assert_eq!(checkpoint_uri("s3://b/e/runs/3/", "bert"), "s3://b/e/runs/3/sagemaker/bert/checkpoints/");
    }
}
