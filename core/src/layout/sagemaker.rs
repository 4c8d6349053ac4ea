//! The names the SageMaker backend reads and writes: the archive a training job leaves, the keys
//! its unpacked files get in the run, and where a shared checkpoint prefix keeps one model's
//! checkpoints.

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
}
