//! The SageMaker backend of the pipeline: [`SageMakerBackend`] runs a request's steps as
//! SageMaker jobs with data and results on the experiment's S3 root. `train` allocates the run
//! (settings snapshot included) and starts one training job per model, waits for each (status
//! transitions printed, Ctrl-C stops the job), then unpacks the job's `model.tar.gz` into the run
//! folder; `tune` does the same with one tuning job per model; `reconcile`, `prepare` and `infer`
//! become processing jobs. `--dry-run` prints every request as the JSON that would be sent, after
//! the same local validation, and sends nothing.

mod model_archive;
mod steps;
mod support;
mod train;
mod tune;

pub use steps::SageMakerBackend;
