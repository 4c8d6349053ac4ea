//! [`SageMakerError`]: everything that can go wrong between the settings and a finished SageMaker
//! job, from a request that fails a local check to a job that ends `Failed`. Messages are one
//! lowercase line each, so a caller can print the chain as a sentence.

/// An error building, validating, submitting or waiting for a SageMaker job.
#[derive(Debug, thiserror::Error)]
pub enum SageMakerError {
    /// A request field breaks a SageMaker rule (caught locally, before anything is sent).
    #[error("sagemaker request: {field} = {value:?}: {problem}")]
    Invalid {
        /// The field's path in the API request, e.g. `ResourceConfig.InstanceType`.
        field: String,
        /// The offending value as text.
        value: String,
        /// What is wrong, lowercase, e.g. `expected an instance type like ml.m5.xlarge`.
        problem: String,
    },
    /// A setting that SageMaker jobs need is not set.
    #[error("sagemaker settings: {key} is required to run sagemaker jobs")]
    MissingSetting {
        /// The `section.key`, e.g. `sagemaker.role_arn`.
        key: &'static str,
    },
    /// The client could not be set up (its tokio runtime could not start).
    #[error("sagemaker client: {message}")]
    Client {
        /// Why.
        message: String,
    },
    /// A SageMaker API call failed (network, credentials, throttling, or SageMaker said no).
    #[error("sagemaker {operation} {job}: {message}")]
    Api {
        /// The API operation, e.g. `CreateTrainingJob`.
        operation: &'static str,
        /// The job name.
        job: String,
        /// The SDK's error with its causes, on one line.
        message: String,
    },
    /// The job ended `Failed` or `Stopped`.
    #[error("sagemaker job {job} did not complete: {reason}")]
    JobFailed {
        /// The job name.
        job: String,
        /// `failed: <FailureReason>` or `stopped`.
        reason: String,
    },
    /// Ctrl-C arrived while waiting; the job was asked to stop.
    #[error("sagemaker job {job}: interrupted, the job was asked to stop")]
    Interrupted {
        /// The job name.
        job: String,
    },
}

impl SageMakerError {
    /// An [`SageMakerError::Invalid`] for `field` holding `value`.
    pub(crate) fn invalid(field: impl Into<String>, value: impl ToString, problem: impl Into<String>) -> Self {
        SageMakerError::Invalid { field: field.into(), value: value.to_string(), problem: problem.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_reads_as_one_line_naming_the_field() {
        let error = SageMakerError::invalid(
            "ResourceConfig.InstanceType",
            "m5.large",
            "expected an instance type like ml.m5.xlarge",
        );
        assert_eq!(
            error.to_string(),
            "sagemaker request: ResourceConfig.InstanceType = \"m5.large\": \
             expected an instance type like ml.m5.xlarge"
        );
    }

    #[test]
    fn failed_job_names_the_job_and_reason() {
        let error = SageMakerError::JobFailed { job: "exp-r1-bert-20240101000000".into(), reason: "stopped".into() };
        assert_eq!(error.to_string(), "sagemaker job exp-r1-bert-20240101000000 did not complete: stopped");
    }
}
