//! Instance type checks: first the shape `ml.<family>.<size>` with a known size word, then
//! membership in the SDK's list of training or processing instance types (the two lists differ:
//! `ml.c5n.*`, for one, trains but cannot process). The lists are those of the pinned
//! aws-sdk-sagemaker; a type AWS adds later is rejected until the SDK is updated, which is the
//! price of catching `ml.p4.24xlarge`-style typos before a job is queued.

use aws_sdk_sagemaker::types::{ProcessingInstanceType, TrainingInstanceType};

use super::checks::{invalid, Check};

/// What a job's instances are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobKind {
    Training,
    Processing,
}

/// Checks that `value` is an instance type SageMaker offers for `kind` jobs.
pub(crate) fn instance_type(field: &str, value: &str, kind: JobKind) -> Check {
    if !is_shaped(value) {
        return Err(invalid(field, value, "expected an instance type like ml.m5.xlarge"));
    }
    let (known, word) = match kind {
        JobKind::Training => (TrainingInstanceType::values(), "training"),
        JobKind::Processing => (ProcessingInstanceType::values(), "processing"),
    };
    if known.contains(&value) {
        return Ok(());
    }
    Err(invalid(field, value, format!("not a sagemaker {word} instance type")))
}

/// `ml.<family>.<size>`: family of lowercase letters, digits and `-` starting with a letter; size
/// `medium`, `large`, `xlarge` or `<n>xlarge`.
fn is_shaped(value: &str) -> bool {
    let mut parts = value.split('.');
    let (Some("ml"), Some(family), Some(size), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let family_ok = family.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && family.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let size_ok = match size {
        "medium" | "large" | "xlarge" => true,
        _ => size
            .strip_suffix("xlarge")
            .is_some_and(|n| !n.is_empty() && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())),
    };
    family_ok && size_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_needs_ml_family_and_a_size_word() {
        for good in ["ml.m5.xlarge", "ml.g5.12xlarge", "ml.t3.medium", "ml.p6-b200.48xlarge", "ml.c5.large"] {
            assert!(is_shaped(good), "{good}");
        }
        for bad in ["m5.xlarge", "ml.m5", "ml.m5.huge", "ml.M5.xlarge", "ml.m5.0xlarge", "ml.m5.xlarge.x", "ml..large"]
        {
            assert!(!is_shaped(bad), "{bad}");
        }
    }

    #[test]
    fn misshaped_types_say_what_is_expected() {
        let error = instance_type("ResourceConfig.InstanceType", "m5.large", JobKind::Training).unwrap_err();
        assert_eq!(
            error.to_string(),
            "sagemaker request: ResourceConfig.InstanceType = \"m5.large\": \
             expected an instance type like ml.m5.xlarge"
        );
    }

    #[test]
    fn well_shaped_but_unknown_types_are_rejected() {
        let error = instance_type("ResourceConfig.InstanceType", "ml.p4.24xlarge", JobKind::Training).unwrap_err();
        assert!(error.to_string().ends_with("not a sagemaker training instance type"), "{error}");
    }

    #[test]
    fn training_and_processing_lists_differ() {
        assert!(instance_type("f", "ml.c5n.xlarge", JobKind::Training).is_ok());
        let error = instance_type("f", "ml.c5n.xlarge", JobKind::Processing).unwrap_err();
        assert!(error.to_string().ends_with("not a sagemaker processing instance type"));
        assert!(instance_type("f", "ml.m5.xlarge", JobKind::Processing).is_ok());
    }
}
