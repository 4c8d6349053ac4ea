//! SageMaker's managed MLflow tracking servers are named by ARN
//! (`arn:aws:sagemaker:<region>:<account>:mlflow-tracking-server/<name>`, or `mlflow-app/<id>`),
//! as AWS's `sagemaker-mlflow` Python plugin accepts them for `mlflow.set_tracking_uri`. All of a
//! region's servers share one endpoint, `https://<region>.experiments.sagemaker.aws`; a request
//! says which server it is for in the `x-mlflow-sm-tracking-server-arn` header and is signed with
//! AWS SigV4 for the service `sagemaker-mlflow`.

use std::fmt;

/// The header that routes a request to one tracking server behind the regional endpoint.
pub const ARN_HEADER: &str = "x-mlflow-sm-tracking-server-arn";

/// The SigV4 service name of SageMaker's managed MLflow.
pub const SIGNING_SERVICE: &str = "sagemaker-mlflow";

/// The resource types of MLflow servers SageMaker hosts.
const RESOURCE_TYPES: [&str; 2] = ["mlflow-tracking-server", "mlflow-app"];

/// A parsed managed MLflow server ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SageMakerArn {
    /// The ARN as written.
    pub arn: String,
    /// `aws` or `aws-us-gov`.
    pub partition: String,
    /// E.g. `us-east-1`.
    pub region: String,
    /// The 12-digit account id.
    pub account: String,
    /// `mlflow-tracking-server` or `mlflow-app`.
    pub resource_type: String,
    /// The server's name (or app id).
    pub name: String,
}

impl SageMakerArn {
    /// Whether `text` is meant as an ARN (and so must parse as one), not a URL.
    pub fn looks_like_arn(text: &str) -> bool {
        text.starts_with("arn:")
    }

    /// Parses a managed MLflow server ARN.
    ///
    /// # Errors
    /// A one-line reason naming the part at fault.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return Err("it is not an ARN (arn:aws:sagemaker:<region>:<account>:mlflow-tracking-server/<name>)".into());
        };
        if arn != "arn" {
            return Err("it does not start with arn:".into());
        }
        if !matches!(partition, "aws" | "aws-us-gov") {
            return Err(format!("partition {partition:?} has no managed MLflow (aws, aws-us-gov)"));
        }
        if service != "sagemaker" {
            return Err(format!("service {service:?} is not sagemaker"));
        }
        let region_ok =
            !region.is_empty() && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_ok {
            return Err(format!("region {region:?} is not a region name"));
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("account {account:?} is not a 12-digit account id"));
        }
        let (resource_type, name) = resource.split_once('/').unwrap_or((resource, ""));
        if !RESOURCE_TYPES.contains(&resource_type) {
            return Err(format!(
                "resource {resource_type:?} is not an MLflow server (mlflow-tracking-server/<name>, mlflow-app/<id>)"
            ));
        }
        if name.is_empty() || name.contains('/') {
            return Err(format!("it names no single server after {resource_type}/"));
        }
        Ok(Self {
            arn: text.to_string(),
            partition: partition.to_string(),
            region: region.to_string(),
            account: account.to_string(),
            resource_type: resource_type.to_string(),
            name: name.to_string(),
        })
    }

    /// The regional endpoint that serves the server's REST API.
    pub fn endpoint(&self) -> String {
        // Both served partitions use the `aws` DNS suffix.
        format!("https://{}.experiments.sagemaker.aws", self.region)
    }
}

impl fmt::Display for SageMakerArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_server_and_app_arns_parse_to_their_regional_endpoint() {
        let arn =
            SageMakerArn::parse("arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/team-a").unwrap();
        assert_eq!(
            (arn.region.as_str(), arn.account.as_str(), arn.name.as_str()),
            ("eu-west-1", "123456789012", "team-a")
        );
        assert_eq!(arn.endpoint(), "https://eu-west-1.experiments.sagemaker.aws");
        let app = SageMakerArn::parse("arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:mlflow-app/app-x1").unwrap();
        assert_eq!(app.resource_type, "mlflow-app");
        assert_eq!(app.endpoint(), "https://us-gov-west-1.experiments.sagemaker.aws");
    }

    #[test]
    fn malformed_arns_name_the_part_at_fault() {
        let cases = [
            ("arn:aws:sagemaker:us-east-1:123456789012", "is not an ARN"),
            ("arn:aws-cn:sagemaker:cn-north-1:123456789012:mlflow-tracking-server/a", "partition \"aws-cn\""),
            ("arn:aws:s3:us-east-1:123456789012:mlflow-tracking-server/a", "service \"s3\" is not sagemaker"),
            ("arn:aws:sagemaker:US_EAST:123456789012:mlflow-tracking-server/a", "region \"US_EAST\""),
            ("arn:aws:sagemaker:us-east-1:1234:mlflow-tracking-server/a", "account \"1234\""),
            ("arn:aws:sagemaker:us-east-1:123456789012:training-job/a", "resource \"training-job\""),
            ("arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/", "names no single server"),
        ];
        for (text, expected) in cases {
            let err = SageMakerArn::parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
        assert!(SageMakerArn::looks_like_arn("arn:aws:x") && !SageMakerArn::looks_like_arn("https://x"));
    }
}
