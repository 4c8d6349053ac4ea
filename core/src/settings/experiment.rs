//! `[experiment]`: what the experiment is called, where its files go, which models it trains, the
//! random seed, and whether a comparison job also evaluates the ensemble of its models.

use std::fmt;
use std::path::{Path, PathBuf};

use super::aws::split_s3_uri;
use super::error::SettingsError;
use super::raw::RawIni;
use super::reader::SectionReader;
use super::render::IniWriter;
use super::values::{boolean, local_path, non_negative, Expect};

const KEYS: &[&str] = &["name", "root", "model_names", "seed", "ensemble"];

/// The name under which `infer` evaluates a comparison job's ensemble (`[experiment] ensemble`).
pub const ENSEMBLE: &str = "ensemble";

/// The `[experiment]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentSettings {
    /// The experiment name, `[A-Za-z0-9._-]{1,100}`; runs are filed under it.
    pub name: String,
    /// Where experiments are stored (default `./experiments` next to the settings file).
    pub root: Root,
    /// The plugin's models to train, in the order given; several make a comparison job.
    pub model_names: Vec<String>,
    /// The seed for every random choice (default 42).
    pub seed: u64,
    /// `infer` also evaluates model [`ENSEMBLE`], the mean of the models' probabilities (default
    /// false; a comparison job only).
    pub ensemble: bool,
}

/// Where experiment files are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    /// A local folder, already resolved against the settings file's folder.
    Local(PathBuf),
    /// An S3 location `s3://bucket/prefix`.
    S3 {
        /// The bucket name (validated against S3's naming rules).
        bucket: String,
        /// The key prefix, without leading or trailing `/`; empty for the bucket's top level.
        prefix: String,
    },
}

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Root::Local(path) => write!(f, "{}", path.display()),
            Root::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Root::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

impl ExperimentSettings {
    pub(crate) fn read(raw: &RawIni, dir: &Path) -> Result<Self, SettingsError> {
        let reader = SectionReader::new(raw, "experiment", KEYS)?;
        let model_names = reader.required("model_names", model_names)?;
        let ensemble = reader.or("ensemble", false, boolean)?;
        if ensemble && model_names.len() < 2 {
            let expected = "false for a job of one model (an ensemble averages two or more model_names)";
            return Err(reader.invalid("ensemble", expected.into(), "true"));
        }
        if ensemble && model_names.iter().any(|name| name == ENSEMBLE) {
            let expected = format!("names other than {ENSEMBLE:?} with ensemble = true (the ensemble's own name)");
            return Err(reader.invalid("model_names", expected, &model_names.join(", ")));
        }
        Ok(ExperimentSettings {
            name: reader.required("name", experiment_name)?,
            root: reader.or("root", Root::Local(dir.join(crate::layout::DEFAULT_ROOT_DIR)), |t| root(dir, t))?,
            model_names,
            seed: reader.or("seed", 42, non_negative)?,
            ensemble,
        })
    }

    pub(crate) fn write_ini(&self, out: &mut IniWriter) {
        out.section("experiment");
        out.key("name", &self.name);
        out.key("root", &self.root);
        out.key("model_names", self.model_names.join(", "));
        out.key("seed", self.seed);
        if self.ensemble {
            out.key("ensemble", self.ensemble);
        }
    }
}

fn experiment_name(text: &str) -> Expect<String> {
    // A leading '.' is reserved for mlpipe's own folders under the root (the cache).
    let ok = (1..=100).contains(&text.len())
        && !text.starts_with('.')
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    ok.then(|| text.to_string())
        .ok_or_else(|| "1 to 100 characters of letters, digits, '.', '_' and '-', not starting with '.'".to_string())
}

fn root(dir: &Path, text: &str) -> Expect<Root> {
    if text.starts_with("s3://") {
        let (bucket, prefix) =
            split_s3_uri(text).ok_or_else(|| "s3://bucket/prefix with a valid S3 bucket name".to_string())?;
        return Ok(Root::S3 { bucket, prefix });
    }
    if text.contains("://") {
        return Err("a local path or s3://bucket/prefix".to_string());
    }
    local_path(dir, text).map(Root::Local)
}

fn model_names(text: &str) -> Expect<Vec<String>> {
    let names: Vec<String> = text.split(',').map(|n| n.trim().to_string()).collect();
    let valid = |n: &String| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    if !names.iter().all(valid) {
        return Err("a comma-separated list of model names made of a-z, 0-9, '_' and '-'".to_string());
    }
    let repeated = (1..names.len()).find(|&i| names[..i].contains(&names[i]));
    if let Some(name) = repeated.map(|i| &names[i]) {
        return Err(format!("model names without repeats ({name:?} is listed twice)"));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use crate::settings::test_util::{error, parse_ok, MINIMAL};

    #[test]
    fn defaults_fill_root_and_seed() {
        let settings = parse_ok(MINIMAL);
        assert_eq!(settings.experiment.seed, 42);
        assert_eq!(settings.experiment.root, super::Root::Local("/srv/project/experiments".into()));
    }

    #[test]
    fn s3_root_splits_bucket_and_prefix() {
        let settings = parse_ok(&format!("{MINIMAL}root = s3://my-bucket/runs/\n"));
        assert_eq!(settings.experiment.root, super::Root::S3 { bucket: "my-bucket".into(), prefix: "runs".into() });
    }

    #[test]
    fn model_names_are_trimmed_and_ordered() {
        let text = MINIMAL.replace("model_names = bert", "model_names = bert , gpt-2,t5_small");
        let names = parse_ok(&text).experiment.model_names;
        assert_eq!(names, ["bert", "gpt-2", "t5_small"]);
    }

    #[test]
    fn missing_name_is_reported_without_a_line() {
        assert_eq!(error("[experiment]\nmodel_names = a\n"), "settings.ini: experiment.name: required key is missing");
    }

    #[test]
    fn bad_experiment_name_is_rejected() {
        let text = MINIMAL.replace("name = demo", "name = my demo");
        assert_eq!(
            error(&text),
            "settings.ini:2: experiment.name: expected 1 to 100 characters of letters, \
             digits, '.', '_' and '-', not starting with '.', got \"my demo\""
        );
        // A leading '.' is the cache's folder (.mlpipe-cache), not an experiment's.
        let text = MINIMAL.replace("name = demo", "name = .mlpipe-cache");
        assert!(error(&text).ends_with("not starting with '.', got \".mlpipe-cache\""), "{}", error(&text));
    }

    #[test]
    fn an_ensemble_needs_two_models_and_its_own_name() {
        let one = MINIMAL.replace("model_names = bert", "model_names = bert\nensemble = true");
        assert_eq!(
            error(&one),
            "settings.ini:4: experiment.ensemble: expected false for a job of one model (an ensemble averages two or \
             more model_names), got \"true\""
        );
        let named = MINIMAL.replace("model_names = bert", "model_names = bert, ensemble\nensemble = yes");
        assert!(
            error(&named).contains("experiment.model_names: expected names other than \"ensemble\""),
            "{}",
            error(&named)
        );
        let two = MINIMAL.replace("model_names = bert", "model_names = bert, bow\nensemble = true");
        assert!(parse_ok(&two).experiment.ensemble);
        assert!(!parse_ok(MINIMAL).experiment.ensemble, "off by default");
    }

    #[test]
    fn bad_model_name_is_rejected() {
        let text = MINIMAL.replace("model_names = bert", "model_names = bert, GPT");
        assert!(error(&text).starts_with("settings.ini:3: experiment.model_names: expected a comma-separated list"));
    }

    #[test]
    fn duplicate_model_names_are_rejected() {
        let text = MINIMAL.replace("model_names = bert", "model_names = bert, t5, bert");
        assert_eq!(
            error(&text),
            "settings.ini:3: experiment.model_names: expected model names without \
             repeats (\"bert\" is listed twice), got \"bert, t5, bert\""
        );
    }

    #[test]
    fn bad_s3_root_is_rejected() {
        let message = error(&format!("{MINIMAL}root = s3://My_Bucket/x\n"));
        assert_eq!(
            message,
            "settings.ini:4: experiment.root: expected s3://bucket/prefix with a \
             valid S3 bucket name, got \"s3://My_Bucket/x\""
        );
    }

    #[test]
    fn other_uri_schemes_are_not_roots() {
        let message = error(&format!("{MINIMAL}root = gs://bucket\n"));
        assert!(message.contains("experiment.root: expected a local path or s3://"));
    }
}
