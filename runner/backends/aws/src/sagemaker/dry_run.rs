//! [`dry_run_json`]: a request as the pretty JSON body SageMaker would receive, for `--dry-run`.

use serde::Serialize;

use super::processing_request::ProcessingJobRequest;
use super::training_request::TrainingJobRequest;
use super::tuning_request::TuningJobRequest;

/// A request that [`dry_run_json`] can print.
pub trait JobRequest: Serialize {}

impl JobRequest for TrainingJobRequest {}
impl JobRequest for ProcessingJobRequest {}
impl JobRequest for TuningJobRequest {}

/// `request` as the pretty-printed JSON of its `Create…Job` call.
pub fn dry_run_json(request: &impl JobRequest) -> String {
    // Plain strings, numbers, booleans and string-keyed maps: serialising cannot fail (a
    // non-finite tuning target would print as null; validation refuses it).
    serde_json::to_string_pretty(request).expect("sagemaker requests always serialise")
}
