//! Field checks shared by the training and processing validators: names, lengths, ranges, S3 URIs,
//! environment maps and tags, each failing with a [`SageMakerError::Invalid`] that names the field
//! by its path in the API request. The limits are SageMaker's, from the AWS API reference.

use std::collections::BTreeMap;

use mlpipe_core::settings as shapes;

use super::error::SageMakerError;
use super::job_name::MAX_JOB_NAME;
use super::tag::Tag;

pub(crate) type Check = Result<(), SageMakerError>;

/// Longest value quoted in a message; longer ones are cut so the message stays one readable line.
const MAX_QUOTED: usize = 100;

/// An [`SageMakerError::Invalid`] quoting at most [`MAX_QUOTED`] characters of `value`.
pub(crate) fn invalid(field: impl Into<String>, value: &str, problem: impl Into<String>) -> SageMakerError {
    let quoted = match value.char_indices().nth(MAX_QUOTED) {
        Some((cut, _)) => format!("{}...", &value[..cut]),
        None => value.to_string(),
    };
    SageMakerError::invalid(field, quoted, problem)
}

/// A job name: `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`.
pub(crate) fn job_name(field: &str, name: &str) -> Check {
    job_name_within(field, name, MAX_JOB_NAME)
}

/// A job name of at most `max` characters: `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,max-1}$`.
pub(crate) fn job_name_within(field: &str, name: &str, max: usize) -> Check {
    let alnum = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    let bytes = name.as_bytes();
    let ok = (1..=max).contains(&bytes.len())
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && alnum(bytes.first())
        && alnum(bytes.last());
    ok.then_some(()).ok_or_else(|| {
        let problem =
            format!("expected 1 to {max} letters, digits and '-', starting and ending with a letter or digit");
        invalid(field, name, problem)
    })
}

/// One of mlpipe-core's shape checks (`role_arn`, `image_uri`, ...), whose error is the phrase
/// for what was expected.
pub(crate) fn shape(field: &str, value: &str, check: fn(&str) -> Result<String, String>) -> Check {
    check(value).map(drop).map_err(|expected| invalid(field, value, format!("expected {expected}")))
}

/// An S3 URI of at most 1024 characters (SageMaker's limit on every `S3Uri`).
pub(crate) fn s3_uri(field: &str, uri: &str) -> Check {
    shape(field, uri, shapes::s3_uri)?;
    chars(field, uri, 1, 1024)
}

/// A text of `min..=max` characters.
pub(crate) fn chars(field: &str, text: &str, min: usize, max: usize) -> Check {
    let len = text.chars().count();
    if (min..=max).contains(&len) {
        return Ok(());
    }
    let expected = if min == 0 { format!("at most {max}") } else { format!("{min} to {max}") };
    Err(invalid(field, text, format!("expected {expected} characters, got {len}")))
}

/// An integer in `min..=max`.
pub(crate) fn range(field: &str, value: u64, min: u64, max: u64) -> Check {
    (min..=max)
        .contains(&value)
        .then_some(())
        .ok_or_else(|| invalid(field, &value.to_string(), format!("expected an integer from {min} to {max}")))
}

/// At most `max` entries in a list or map.
pub(crate) fn count(field: &str, len: usize, max: usize, what: &str) -> Check {
    (len <= max)
        .then_some(())
        .ok_or_else(|| invalid(field, &format!("{len} {what}"), format!("expected at most {max} {what}")))
}

/// Environment variables: at most 100, names `[a-zA-Z_][a-zA-Z0-9_]*` of at most `max_key`
/// characters, values of at most `max_value`.
pub(crate) fn environment(env: &BTreeMap<String, String>, max_key: usize, max_value: usize) -> Check {
    environment_at("Environment", env, 100, max_key, max_value)
}

/// [`environment`] for the map at `field`, holding at most `max_count` variables.
pub(crate) fn environment_at(
    field: &str,
    env: &BTreeMap<String, String>,
    max_count: usize,
    max_key: usize,
    max_value: usize,
) -> Check {
    count(field, env.len(), max_count, "variables")?;
    for (key, value) in env {
        let first_ok = key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
        if !first_ok || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            let problem = "expected a variable name of letters, digits and '_', not starting with a digit";
            return Err(invalid(field, key, problem));
        }
        chars(field, key, 1, max_key)?;
        chars(&format!("{field}.{key}"), value, 0, max_value)?;
    }
    Ok(())
}

/// Tags: at most 50, keys of 1..=128 characters, values of at most 256.
pub(crate) fn tags(tags: &[Tag]) -> Check {
    count("Tags", tags.len(), 50, "tags")?;
    for (i, tag) in tags.iter().enumerate() {
        chars(&format!("Tags[{i}].Key"), &tag.key, 1, 128)?;
        chars(&format!("Tags[{i}].Value"), &tag.value, 0, 256)?;
    }
    Ok(())
}

/// A channel or input name: `[A-Za-z0-9.\-_]+`, at most 64 characters.
pub(crate) fn channel_name(field: &str, name: &str) -> Check {
    let ok = (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    ok.then_some(()).ok_or_else(|| invalid(field, name, "expected 1 to 64 letters, digits, '.', '-' and '_'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(check: Check) -> String {
        check.unwrap_err().to_string()
    }

    #[test]
    fn job_names_follow_sagemakers_pattern() {
        for good in ["a", "exp-r1-bert-20240101000000", "a--b", &"x".repeat(63)] {
            assert!(job_name("TrainingJobName", good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "a_b", "a.b", &"x".repeat(64)] {
            assert!(job_name("TrainingJobName", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shape_failures_say_what_was_expected() {
        assert_eq!(
            message(shape("RoleArn", "arn:aws:iam::1:role/x", shapes::role_arn)),
            "sagemaker request: RoleArn = \"arn:aws:iam::1:role/x\": \
             expected an IAM role ARN like arn:aws:iam::123456789012:role/name"
        );
    }

    #[test]
    fn s3_uris_need_the_shape_and_fit_1024_characters() {
        assert!(s3_uri("S3OutputPath", "s3://bucket/a/b/").is_ok());
        assert!(message(s3_uri("S3OutputPath", "https://bucket/a")).contains("expected an S3 URI"));
        let long = format!("s3://bucket/{}", "k".repeat(1020));
        assert!(message(s3_uri("S3OutputPath", &long)).ends_with("expected 1 to 1024 characters, got 1032"));
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let error = message(chars("HyperParameters.x", &"v".repeat(3000), 0, 2500));
        assert!(error.contains(&format!("\"{}...\"", "v".repeat(100))), "{error}");
        assert!(error.ends_with("expected at most 2500 characters, got 3000"));
    }

    #[test]
    fn ranges_and_counts_name_their_limits() {
        assert!(range("ResourceConfig.VolumeSizeInGB", 16384, 1, 16384).is_ok());
        assert_eq!(
            message(range("ResourceConfig.VolumeSizeInGB", 0, 1, 16384)),
            "sagemaker request: ResourceConfig.VolumeSizeInGB = \"0\": expected an integer from 1 to 16384"
        );
        assert_eq!(
            message(count("Tags", 51, 50, "tags")),
            "sagemaker request: Tags = \"51 tags\": expected at most 50 tags"
        );
    }

    #[test]
    fn environment_checks_names_sizes_and_count() {
        let env = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert!(environment(&env("USE_SMDEBUG", "0"), 512, 512).is_ok());
        assert!(message(environment(&env("1X", "0"), 512, 512)).contains("expected a variable name"));
        assert!(message(environment(&env("A-B", "0"), 512, 512)).contains("expected a variable name"));
        assert!(message(environment(&env(&"K".repeat(513), "0"), 512, 512)).ends_with("got 513"));
        assert!(
            message(environment(&env("K", &"v".repeat(257)), 256, 256)).starts_with("sagemaker request: Environment.K")
        );
        let many: BTreeMap<String, String> = (0..101).map(|i| (format!("V{i}"), String::new())).collect();
        assert!(message(environment(&many, 512, 512)).ends_with("expected at most 100 variables"));
    }

    #[test]
    fn tags_check_count_key_and_value() {
        assert!(tags(&[Tag::new("mlpipe:run", 3)]).is_ok());
        assert!(message(tags(&[Tag::new("", "x")])).starts_with("sagemaker request: Tags[0].Key"));
        assert!(message(tags(&[Tag::new("k", "v".repeat(257))])).starts_with("sagemaker request: Tags[0].Value"));
        let many: Vec<Tag> = (0..51).map(|i| Tag::new("k", i)).collect();
        assert!(tags(&many).is_err());
    }

    #[test]
    fn channel_names_allow_letters_digits_dot_dash_underscore() {
        assert!(channel_name("c", "train_data-v1.0").is_ok());
        assert!(channel_name("c", "").is_err());
        assert!(channel_name("c", "a/b").is_err());
        assert!(channel_name("c", &"c".repeat(65)).is_err());
    }
}
