//! Shape checks for AWS names the settings mention: regions, S3 buckets and URIs, IAM role ARNs and
//! ECR image URIs. They catch typos before a job is submitted; they do not ask AWS whether the thing
//! exists.

use super::values::Expect;

/// A region like `us-east-1` or `us-gov-west-1`: `[a-z]{2}(-gov)?-[a-z]+-\d`.
pub fn region(text: &str) -> Expect<String> {
    let parts: Vec<&str> = text.split('-').collect();
    let lower = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    let ok = match parts.as_slice() {
        [area, middle, digit] => area.len() == 2 && lower(area) && lower(middle) && is_digit(digit),
        [area, "gov", middle, digit] => area.len() == 2 && lower(area) && lower(middle) && is_digit(digit),
        _ => false,
    };
    ok.then(|| text.to_string()).ok_or_else(|| "an AWS region like us-east-1".to_string())
}

fn is_digit(text: &str) -> bool {
    text.len() == 1 && text.bytes().all(|b| b.is_ascii_digit())
}

/// An S3 bucket name: 3-63 characters of lowercase letters, digits, `.` and `-`, starting and
/// ending with a letter or digit, without `..` and not shaped like an IP address.
pub(crate) fn is_bucket(name: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = name.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes.iter().all(|&b| alnum(b) || b == b'.' || b == b'-')
        && alnum(bytes[0])
        && alnum(bytes[bytes.len() - 1])
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err()
}

/// Splits `s3://bucket/optional/prefix` into the bucket and the prefix (without surrounding `/`,
/// possibly empty); `None` when the text is not an S3 URI with a valid bucket name.
pub(crate) fn split_s3_uri(text: &str) -> Option<(String, String)> {
    let rest = text.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = prefix.trim_matches('/');
    (is_bucket(bucket) && !prefix.contains("//")).then(|| (bucket.to_string(), prefix.to_string()))
}

/// An S3 URI `s3://bucket[/prefix]`, kept as written.
pub fn s3_uri(text: &str) -> Expect<String> {
    split_s3_uri(text)
        .map(|_| text.to_string())
        .ok_or_else(|| "an S3 URI s3://bucket/prefix with a valid bucket name".to_string())
}

/// An IAM role ARN: `arn:aws[a-z-]*:iam::<12 digits>:role/<optional path/>name`.
pub fn role_arn(text: &str) -> Expect<String> {
    let ok = (|| {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts.as_slice() else {
            return None;
        };
        let partition_ok = partition.strip_prefix("aws")?.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
        let role = resource.strip_prefix("role/")?;
        let name = role.rsplit('/').next()?;
        let role_chars = role.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b));
        Some(
            *arn == "arn"
                && partition_ok
                && *service == "iam"
                && region.is_empty()
                && is_account(account)
                && role_chars
                && (1..=64).contains(&name.len()),
        )
    })()
    .unwrap_or(false);
    ok.then(|| text.to_string()).ok_or_else(|| "an IAM role ARN like arn:aws:iam::123456789012:role/name".to_string())
}

/// An ECR image URI: `<12 digits>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@sha256:<hex>]`.
pub fn image_uri(text: &str) -> Expect<String> {
    let ok = (|| {
        let (host, image) = text.split_once('/')?;
        let host: Vec<&str> = host.split('.').collect();
        let [account, "dkr", "ecr", region_name, "amazonaws", "com"] = host.as_slice() else {
            return None;
        };
        let (repository, reference_ok) = match image.split_once('@') {
            Some((repository, digest)) => {
                let hex = digest.strip_prefix("sha256:")?;
                let ok = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
                (repository, ok)
            }
            None => match image.rsplit_once(':') {
                Some((repository, tag)) => (repository, is_tag(tag)),
                None => (image, true),
            },
        };
        Some(is_account(account) && region(region_name).is_ok() && is_repository(repository) && reference_ok)
    })()
    .unwrap_or(false);
    ok.then(|| text.to_string())
        .ok_or_else(|| "an ECR image URI like 123456789012.dkr.ecr.us-east-1.amazonaws.com/repository:tag".to_string())
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_repository(text: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !text.is_empty()
        && text.split('/').all(|part| {
            !part.is_empty() && part.bytes().all(|b| alnum(b) || b"._-".contains(&b)) && alnum(part.as_bytes()[0])
        })
}

fn is_tag(text: &str) -> bool {
    (1..=128).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_follow_the_aws_pattern() {
        for good in ["us-east-1", "eu-central-2", "us-gov-west-1"] {
            assert!(region(good).is_ok(), "{good}");
        }
        for bad in ["useast1", "us-east", "US-east-1", "us-east-12", "usa-east-1"] {
            assert!(region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert!(is_bucket("my-bucket.data"));
        for bad in ["ab", "My-Bucket", "-bucket", "bucket-", "a..b", "192.168.1.1", "a_b"] {
            assert!(!is_bucket(bad), "{bad}");
        }
    }

    #[test]
    fn s3_uri_splits_bucket_and_prefix() {
        assert_eq!(split_s3_uri("s3://bucket/a/b/"), Some(("bucket".into(), "a/b".into())));
        assert_eq!(split_s3_uri("s3://bucket"), Some(("bucket".into(), "".into())));
        assert_eq!(split_s3_uri("s3://Bucket/x"), None);
        assert_eq!(split_s3_uri("http://bucket/x"), None);
    }

    #[test]
    fn role_arns_need_account_and_role_name() {
        for good in [
            "arn:aws:iam::123456789012:role/SageMakerRole",
            "arn:aws-cn:iam::123456789012:role/service-role/AmazonSageMaker-Exec",
        ] {
            assert!(role_arn(good).is_ok(), "{good}");
        }
        for bad in [
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:s3::123456789012:role/x",
            "arn:aws:iam:us-east-1:123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
        ] {
            assert!(role_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn image_uris_need_ecr_host_and_repository() {
        for good in [
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/mlpipe",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/mlpipe:v1.2",
            &format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/m@sha256:{}", "a".repeat(64)),
        ] {
            assert!(image_uri(good).is_ok(), "{good}");
        }
        for bad in [
            "mlpipe:latest",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/",
            "12345.dkr.ecr.us-east-1.amazonaws.com/m",
            "123456789012.dkr.ecr.nowhere.amazonaws.com/m",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/m@sha256:abc",
        ] {
            assert!(image_uri(bad).is_err(), "{bad}");
        }
    }
}
