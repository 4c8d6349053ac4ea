//! `[sagemaker]`: the AWS side of `training.backend = sagemaker` and of SageMaker processing jobs:
//! region, role, image, instances and time limits.

use super::aws::{image_uri, region, role_arn, s3_uri};
use super::error::SettingsError;
use super::raw::RawIni;
use super::reader::SectionReader;
use super::render::IniWriter;
use super::training::Backend;
use super::values::{boolean, int_between, positive, Expect};

const KEYS: &[&str] = &[
    "region",
    "role_arn",
    "image_uri",
    "instance_type",
    "instance_count",
    "volume_size_gb",
    "max_runtime_secs",
    "use_spot",
    "max_wait_secs",
    "checkpoint_s3_uri",
    "processing_instance_type",
];

/// The `[sagemaker]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct SageMakerSettings {
    /// AWS region (default us-east-1).
    pub region: String,
    /// IAM role the jobs run as; required when `training.backend = sagemaker`.
    pub role_arn: Option<String>,
    /// ECR image the jobs run; required when `training.backend = sagemaker`.
    pub image_uri: Option<String>,
    /// Training instance type, `ml.*` (default ml.m5.xlarge).
    pub instance_type: String,
    /// Training instances, >= 1 (default 1).
    pub instance_count: u32,
    /// Storage per instance in GB, 1..=16384 (default 30).
    pub volume_size_gb: u32,
    /// Time limit of a training job in seconds, 1..=2419200 (default 86400).
    pub max_runtime_secs: u64,
    /// Use managed spot instances (default false).
    pub use_spot: bool,
    /// Time limit including waits for spot capacity, >= `max_runtime_secs` (default: equal).
    pub max_wait_secs: u64,
    /// Where SageMaker syncs checkpoints, `s3://bucket/prefix`.
    pub checkpoint_s3_uri: Option<String>,
    /// Instance type for processing jobs, `ml.*` (default ml.m5.xlarge).
    pub processing_instance_type: String,
}

impl SageMakerSettings {
    pub(crate) fn read(raw: &RawIni, backend: Backend) -> Result<Self, SettingsError> {
        let r = SectionReader::new(raw, "sagemaker", KEYS)?;
        let default_instance = || "ml.m5.xlarge".to_string();
        let settings = SageMakerSettings {
            region: r.or("region", "us-east-1".to_string(), region)?,
            role_arn: r.optional("role_arn", role_arn)?,
            image_uri: r.optional("image_uri", image_uri)?,
            instance_type: r.or("instance_type", default_instance(), instance_type)?,
            instance_count: r.or("instance_count", 1, positive)?,
            volume_size_gb: r.or("volume_size_gb", 30, int_between(1, 16384))?,
            max_runtime_secs: r.or("max_runtime_secs", 86400, int_between(1, 2_419_200))?,
            use_spot: r.or("use_spot", false, boolean)?,
            max_wait_secs: 0,
            checkpoint_s3_uri: r.optional("checkpoint_s3_uri", s3_uri)?,
            processing_instance_type: r.or("processing_instance_type", default_instance(), instance_type)?,
        };
        let max_wait_secs = r.optional("max_wait_secs", positive)?.unwrap_or(settings.max_runtime_secs);
        if max_wait_secs < settings.max_runtime_secs {
            let expected = format!("at least sagemaker.max_runtime_secs ({})", settings.max_runtime_secs);
            return Err(r.invalid("max_wait_secs", expected, &max_wait_secs.to_string()));
        }
        if backend == Backend::SageMaker {
            let because = || Some("training.backend = sagemaker needs it".to_string());
            if settings.role_arn.is_none() {
                return Err(r.missing("role_arn", because()));
            }
            if settings.image_uri.is_none() {
                return Err(r.missing("image_uri", because()));
            }
        }
        Ok(SageMakerSettings { max_wait_secs, ..settings })
    }

    pub(crate) fn write_ini(&self, out: &mut IniWriter) {
        out.section("sagemaker");
        out.key("region", &self.region);
        out.optional("role_arn", self.role_arn.as_ref());
        out.optional("image_uri", self.image_uri.as_ref());
        out.key("instance_type", &self.instance_type);
        out.key("instance_count", self.instance_count);
        out.key("volume_size_gb", self.volume_size_gb);
        out.key("max_runtime_secs", self.max_runtime_secs);
        out.key("use_spot", self.use_spot);
        out.key("max_wait_secs", self.max_wait_secs);
        out.optional("checkpoint_s3_uri", self.checkpoint_s3_uri.as_ref());
        out.key("processing_instance_type", &self.processing_instance_type);
    }
}

fn instance_type(text: &str) -> Expect<String> {
    let ok = text.len() > 3
        && text.starts_with("ml.")
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    ok.then(|| text.to_string()).ok_or_else(|| "an instance type like ml.m5.xlarge".to_string())
}

#[cfg(test)]
mod tests {
    use crate::settings::test_util::{error, parse_ok, MINIMAL};

    const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerRole";
    const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mlpipe:1.0";

    fn sagemaker_error(lines: &str) -> String {
        error(&format!("{MINIMAL}[sagemaker]\n{lines}\n"))
    }

    #[test]
    fn defaults_need_nothing_for_local_training() {
        let sagemaker = parse_ok(MINIMAL).sagemaker;
        assert_eq!(sagemaker.region, "us-east-1");
        assert_eq!(sagemaker.instance_type, "ml.m5.xlarge");
        assert_eq!((sagemaker.instance_count, sagemaker.volume_size_gb), (1, 30));
        assert_eq!(sagemaker.max_wait_secs, sagemaker.max_runtime_secs);
        assert_eq!(sagemaker.role_arn, None);
    }

    #[test]
    fn sagemaker_backend_accepts_role_and_image() {
        let text = format!(
            "{MINIMAL}[training]\nbackend = sagemaker\n[sagemaker]\nrole_arn = {ROLE}\n\
             image_uri = {IMAGE}\nuse_spot = yes\nmax_wait_secs = 90000\n"
        );
        let sagemaker = parse_ok(&text).sagemaker;
        assert_eq!(sagemaker.image_uri.as_deref(), Some(IMAGE));
        assert!(sagemaker.use_spot);
        assert_eq!(sagemaker.max_wait_secs, 90000);
    }

    #[test]
    fn sagemaker_backend_without_role_names_the_key() {
        let text = format!("{MINIMAL}[training]\nbackend = sagemaker\n");
        assert_eq!(
            error(&text),
            "settings.ini: sagemaker.role_arn: required key is missing \
             (training.backend = sagemaker needs it)"
        );
        let text = format!("{text}[sagemaker]\nrole_arn = {ROLE}\n");
        assert!(error(&text).starts_with("settings.ini: sagemaker.image_uri: required key"));
    }

    #[test]
    fn bad_role_arn_is_rejected() {
        assert_eq!(
            sagemaker_error("role_arn = arn:aws:iam::1234:role/x"),
            "settings.ini:5: sagemaker.role_arn: expected an IAM role ARN like \
             arn:aws:iam::123456789012:role/name, got \"arn:aws:iam::1234:role/x\""
        );
    }

    #[test]
    fn bad_image_uri_is_rejected() {
        assert!(sagemaker_error("image_uri = mlpipe:latest")
            .starts_with("settings.ini:5: sagemaker.image_uri: expected an ECR image URI like"));
    }

    #[test]
    fn bad_region_and_instance_type_are_rejected() {
        assert!(sagemaker_error("region = Virginia")
            .ends_with("sagemaker.region: expected an AWS region like us-east-1, got \"Virginia\""));
        assert!(sagemaker_error("instance_type = m5.xlarge")
            .contains("sagemaker.instance_type: expected an instance type like ml.m5.xlarge"));
    }

    #[test]
    fn wait_shorter_than_runtime_is_rejected() {
        assert_eq!(
            sagemaker_error("max_runtime_secs = 3600\nmax_wait_secs = 60"),
            "settings.ini:6: sagemaker.max_wait_secs: expected at least \
             sagemaker.max_runtime_secs (3600), got \"60\""
        );
    }

    #[test]
    fn volume_size_out_of_range_is_rejected() {
        assert!(
            sagemaker_error("volume_size_gb = 20000").ends_with("expected an integer from 1 to 16384, got \"20000\"")
        );
    }
}
