//! Writing settings back out as INI: [`Settings::to_ini`] renders every key with its effective
//! value (defaults filled in, paths resolved) in schema order. The result is the snapshot stored
//! with each run, and [`Settings::parse`] reads it back to an equal [`Settings`].
//!
//! Limits of the round trip: a `[plugin]` value or path containing whitespace followed by `;` or `#`
//! (possible only through `--set`) would read back cut at the comment marker, surrounding whitespace
//! is trimmed, and a path that is not UTF-8 is written lossily.

use std::fmt::{Display, Write};

use super::load::Settings;

/// Accumulates INI text one section and key at a time.
pub(crate) struct IniWriter {
    text: String,
}

impl IniWriter {
    pub(crate) fn new(header: &str) -> Self {
        IniWriter { text: format!("; {header}\n") }
    }

    /// Writes a line as is (a `key = value` line rendered elsewhere).
    pub(crate) fn line(&mut self, line: &str) {
        let _ = writeln!(self.text, "{line}");
    }

    /// The `key = value` lines written so far (headers and comments left out).
    pub(crate) fn key_lines(&self) -> Vec<String> {
        self.text.lines().filter(|line| !line.starts_with([';', '[']) && !line.is_empty()).map(String::from).collect()
    }

    /// Starts `[name]`, separated from the previous section by a blank line.
    pub(crate) fn section(&mut self, name: &str) {
        let _ = write!(self.text, "\n[{name}]\n");
    }

    /// Writes `key = value`.
    pub(crate) fn key(&mut self, key: &str, value: impl Display) {
        let _ = writeln!(self.text, "{key} = {value}");
    }

    /// Writes `key = value`, or `key =` (which reads back as unset) for `None`.
    pub(crate) fn optional(&mut self, key: &str, value: Option<impl Display>) {
        match value {
            Some(value) => self.key(key, value),
            None => {
                let _ = writeln!(self.text, "{key} =");
            }
        }
    }
}

impl Settings {
    /// Renders the fully resolved settings as INI text that [`Settings::parse`] reads back to an
    /// equal value: every key of every section with its effective value, the tuning search space in
    /// its original syntax, unset optional keys as `key =`.
    pub fn to_ini(&self) -> String {
        let mut out = IniWriter::new(&format!("mlpipe settings, fully resolved from {}", self.path.display()));
        self.experiment.write_ini(&mut out);
        self.data.write_ini(&mut out);
        out.section("plugin");
        for (key, value) in &self.plugin {
            out.key(key, value);
        }
        self.training.write_ini(&mut out);
        super::model_training::write_ini(&mut out, &self.training, &self.model_training);
        self.tuning.write_ini(&mut out);
        self.sagemaker.write_ini(&mut out);
        self.tracking.write_ini(&mut out);
        self.report.write_ini(&mut out);
        out.text
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::settings::load::Settings;
    use crate::settings::test_util::{parse_ok, MINIMAL};

    fn round_trip(settings: &Settings) {
        let text = settings.to_ini();
        let again = Settings::parse(&text, Path::new("/elsewhere/run/settings.ini"), &[])
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(Settings { path: settings.path.clone(), dir: settings.dir.clone(), ..again }, *settings, "{text}");
    }

    #[test]
    fn defaults_round_trip() {
        round_trip(&parse_ok(MINIMAL));
    }

    #[test]
    fn everything_set_round_trips() {
        let text = "\
[experiment]
name = full.run-1
root = s3://bucket-1/team/runs
model_names = bert, t5
seed = 7
[data]
source = corpus/train.jsonl
validation_fraction = 0.2
test_fraction = 0
num_workers = 3
[plugin]
max_length = 256
labels = a,b ; the labels
[training]
backend = sagemaker
epochs = 4
batch_size = 64
max_device_batch_size = 16
learning_rate = 3e-5
weight_decay = 0
warmup_ratio = 0.06
max_grad_norm = 0
max_steps = 1000
objective_metric = train:loss
early_stopping_patience = 2
eval_every_steps = 50
device = cuda:1
mixed_precision = bf16
num_threads = 4
batching = shuffled
use_distributed = yes
num_processes = 2
dist_timeout_secs = 60
save_checkpoints = no
[tuning]
strategy = random
max_jobs = 12
max_parallel_jobs = 3
early_stopping = auto
target_objective = 0.9
max_jobs_without_improvement = 4
learning_rate = 1e-5 -> 1e-3 log
batch_size = 16, 32, 64
epochs = 2 -> 6
warmup_ratio = 0.0 -> 0.2 reverse_log
[sagemaker]
region = eu-west-1
role_arn = arn:aws:iam::123456789012:role/service-role/Exec
image_uri = 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlpipe@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
instance_type = ml.g5.2xlarge
instance_count = 2
volume_size_gb = 100
max_runtime_secs = 7200
use_spot = true
max_wait_secs = 10000
checkpoint_s3_uri = s3://bucket-1/checkpoints
processing_instance_type = ml.c5.xlarge
[tracking]
mlflow_uri = https://mlflow.example.com
mlflow_experiment = news
";
        let settings = parse_ok(text);
        assert_eq!(settings.plugin["labels"], "a,b");
        round_trip(&settings);
    }

    #[test]
    fn snapshot_lists_every_key_with_its_effective_value() {
        let text = parse_ok(MINIMAL).to_ini();
        for line in [
            "root = /srv/project/experiments",
            "max_device_batch_size = 32",
            "learning_rate = 5e-5",
            "objective_metric = validation:macro_f1",
            "role_arn =",
            "max_wait_secs = 86400",
            "mlflow_experiment = demo",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
    }
}
