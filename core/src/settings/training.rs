//! `[training]`: how one model is trained: where (local or SageMaker), for how long, with which
//! optimiser settings, on which device, and which metric counts.

use super::device::Device;
use super::error::SettingsError;
use super::key_table::{ini_text_as_display, key_table, IniText};
use super::keyword::keyword_enum;
use super::objective::ObjectiveMetric;
use super::reader::SectionReader;
use super::render::IniWriter;
use super::values::{
    boolean, fraction_below_one, fraction_up_to_half, non_negative, non_negative_number, positive, positive_number,
    Expect,
};

keyword_enum! {
    /// Where training runs.
    pub enum Backend {
        /// On this machine (the default).
        Local = "local",
        /// As a SageMaker training job (needs `[sagemaker] role_arn` and `image_uri`).
        SageMaker = "sagemaker",
    }
}

keyword_enum! {
    /// Reduced-precision arithmetic during training.
    pub enum MixedPrecision {
        /// Full precision (the default).
        No = "no",
        /// bfloat16 autocast.
        Bf16 = "bf16",
        /// float16 autocast with loss scaling.
        Fp16 = "fp16",
    }
}

keyword_enum! {
    /// How training records are grouped into batches.
    pub enum Batching {
        /// Records of similar length batched together, batches shuffled (the default).
        Bucketed = "bucketed",
        /// Records shuffled, then batched in order.
        Shuffled = "shuffled",
    }
}

keyword_enum! {
    /// How much each label's records weigh in the training loss.
    pub enum ClassWeighting {
        /// Every record weighs 1 (the default).
        None = "none",
        /// `n / (k × count)` per label: scikit-learn's `compute_class_weight("balanced")`.
        Balanced = "balanced",
        /// The square root of the balanced weights, scaled to mean 1 over the labels.
        Sqrt = "sqrt",
    }
}

keyword_enum! {
    /// Which training records an epoch visits.
    pub enum Sampler {
        /// Every record once, in a seeded random order (the default).
        Shuffle = "shuffle",
        /// As many draws as records, each label drawn equally often, records drawn with
        /// replacement within their label (seeded).
        Balanced = "balanced",
    }
}

ini_text_as_display!(Backend, MixedPrecision, Batching, ClassWeighting, Sampler);

key_table! {
    section = "training";
    /// The `[training]` section.
    pub struct TrainingSettings {
        /// Where training runs (default local).
        backend: Backend = or(Backend::Local, Backend::parse_keyword), scope = job;
        /// Passes over the training records, >= 1 (default 3).
        epochs: u32 = or(3, positive), tunable Integer(positive_integer);
        /// Records per optimiser step, >= 1 (default 32).
        batch_size: usize = or(32, positive), tunable Integer(positive_integer);
        /// Records per forward pass; divides `batch_size` (default: `batch_size`).
        max_device_batch_size: usize = or_blank(batch_size, positive),
            tunable Integer(positive_integer),
            then |reader, &value| divides_batch_size(reader, batch_size, value);
        /// Peak learning rate, > 0 (default 5e-5).
        learning_rate: f64 = or(5e-5, positive_number), tunable Float(positive_number);
        /// Decoupled weight decay, >= 0 (default 0.01).
        weight_decay: f64 = or(0.01, non_negative_number), tunable Float(non_negative_number);
        /// Share of steps spent warming the learning rate up, 0 <= x < 1 (default 0).
        warmup_ratio: f64 = or(0.0, fraction_below_one), tunable Float(fraction_below_one);
        /// Gradient clipping norm, >= 0; 0 disables clipping (default 1).
        max_grad_norm: f64 = or(1.0, non_negative_number), tunable Float(non_negative_number);
        /// Stop after this many optimiser steps; 0 means no limit (the default).
        max_steps: u64 = or(0, non_negative);
        /// The metric that picks the best checkpoint (default `validation:macro_f1`).
        objective_metric: ObjectiveMetric = or(ObjectiveMetric::default(), ObjectiveMetric::parse), scope = job;
        /// Evaluations without improvement before stopping; 0 turns early stopping off (the default).
        early_stopping_patience: u32 = or(0, non_negative), tunable Integer(non_negative_integer);
        /// Evaluate every this many steps as well as after each epoch; 0 means per epoch only.
        eval_every_steps: u64 = or(0, non_negative);
        /// The compute device (default auto).
        device: Device = or(Device::Auto, Device::parse), scope = job;
        /// Reduced-precision arithmetic (default no).
        mixed_precision: MixedPrecision = or(MixedPrecision::No, MixedPrecision::parse_keyword);
        /// CPU threads for tensor work; 0 means automatic (the default).
        num_threads: usize = or(0, non_negative), scope = job;
        /// Batching strategy (default bucketed).
        batching: Batching = or(Batching::Bucketed, Batching::parse_keyword);
        /// Train data-parallel over several processes (default false).
        use_distributed: bool = or(false, boolean), scope = job;
        /// Processes for distributed training; 0 means one per device (the default).
        num_processes: usize = or(0, non_negative), scope = job;
        /// Seconds a process waits for its peers before giving up, >= 1 (default 300).
        dist_timeout_secs: u64 = or(300, positive), scope = job;
        /// Write checkpoints during training (default true).
        save_checkpoints: bool = or(true, boolean);
        /// Also checkpoint every N optimiser steps, not only at epoch ends (default 0: epoch ends only).
        checkpoint_every_steps: u64 = or(0, non_negative);
        /// How many recent checkpoints to keep besides the best model, >= 1 (default 1).
        keep_checkpoints: usize = or(1, positive);
        /// Keep `checkpoints/` once a model has finished (default false: they are deleted, the
        /// exported model and `weights.safetensors` stay).
        keep_checkpoints_after_finish: bool = or(false, boolean);
        /// Per-label weights of the training loss, from the training split's counts (default none).
        class_weighting: ClassWeighting = or(ClassWeighting::None, ClassWeighting::parse_keyword),
            tunable Keyword(|text| ClassWeighting::parse_keyword(text).map(drop));
        /// Which records each epoch visits (default shuffle).
        sampler: Sampler = or(Sampler::Shuffle, Sampler::parse_keyword),
            tunable Keyword(|text| Sampler::parse_keyword(text).map(drop));
        /// Label smoothing of the training loss, 0 <= x <= 0.5, PyTorch's formula (default 0).
        label_smoothing: f64 = or(0.0, fraction_up_to_half), tunable Float(fraction_up_to_half);
    }
}

impl TrainingSettings {
    /// Forward passes per optimiser step: `batch_size / max_device_batch_size` (exact, as the
    /// settings check that it divides).
    pub fn accumulation_steps(&self) -> usize {
        self.batch_size / self.max_device_batch_size
    }

    /// The `key = value` lines of [`Self::write_ini`], to compare two settings key by key.
    pub(crate) fn ini_lines(&self) -> Vec<String> {
        let mut out = IniWriter::new("");
        self.write_ini(&mut out);
        out.key_lines()
    }
}

/// The cross-key check of `max_device_batch_size`: at most `batch_size`, and a divisor of it.
fn divides_batch_size(reader: &SectionReader<'_>, batch_size: usize, value: usize) -> Result<(), SettingsError> {
    let key = "max_device_batch_size";
    let given = value.to_string();
    if value > batch_size {
        let expected = format!("at most training.batch_size ({batch_size})");
        return Err(reader.invalid(key, expected, &given));
    }
    if !batch_size.is_multiple_of(value) {
        let expected = format!("a divisor of training.batch_size ({batch_size})");
        return Err(reader.invalid(key, expected, &given));
    }
    Ok(())
}

fn positive_integer(text: &str) -> Expect<i64> {
    positive::<u32>(text).map(i64::from)
}

fn non_negative_integer(text: &str) -> Expect<i64> {
    non_negative::<u32>(text).map(i64::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::key_table::Tunable;
    use crate::settings::test_util::{error, parse_ok, MINIMAL};

    fn training_error(lines: &str) -> String {
        error(&format!("{MINIMAL}[training]\n{lines}\n"))
    }

    #[test]
    fn every_tunable_key_has_a_value_that_parses_back() {
        let training = parse_ok(MINIMAL).training;
        for (key, tunable) in TUNABLE {
            let text = training.tunable_value(key).unwrap_or_else(|| panic!("{key} has no value"));
            let parsed = match tunable {
                Tunable::Float(check) => check(&text).is_ok(),
                Tunable::Integer(check) => check(&text).is_ok() || *key == "early_stopping_patience",
                Tunable::Keyword(check) => check(&text).is_ok(),
            };
            assert!(parsed, "{key} = {text}");
        }
        assert_eq!(training.tunable_value("device"), None);
    }

    #[test]
    fn job_wide_keys_are_where_and_how_the_job_runs_and_its_metric() {
        let expected = ["backend", "objective_metric", "device", "num_threads", "use_distributed", "num_processes"];
        assert_eq!(JOB_KEYS, [&expected[..], &["dist_timeout_secs"]].concat());
        assert!(TUNABLE.iter().all(|(key, _)| !JOB_KEYS.contains(key)));
    }

    #[test]
    fn defaults_match_the_documentation() {
        let t = parse_ok(MINIMAL).training;
        assert_eq!((t.backend, t.epochs, t.batch_size), (Backend::Local, 3, 32));
        assert_eq!(t.max_device_batch_size, 32);
        assert_eq!((t.learning_rate, t.weight_decay), (5e-5, 0.01));
        assert_eq!((t.warmup_ratio, t.max_grad_norm, t.max_steps), (0.0, 1.0, 0));
        assert_eq!(t.objective_metric.to_string(), "validation:macro_f1");
        assert_eq!((t.device, t.mixed_precision), (Device::Auto, MixedPrecision::No));
        assert_eq!((t.batching, t.use_distributed), (Batching::Bucketed, false));
        assert_eq!((t.dist_timeout_secs, t.save_checkpoints), (300, true));
        assert_eq!(t.accumulation_steps(), 1);
        assert_eq!((t.class_weighting, t.sampler, t.label_smoothing), (ClassWeighting::None, Sampler::Shuffle, 0.0));
    }

    #[test]
    fn imbalance_keys_are_read_and_checked() {
        let t = parse_ok(&format!(
            "{MINIMAL}[training]\nclass_weighting = sqrt\nsampler = balanced\nlabel_smoothing = 0.5\n"
        ))
        .training;
        assert_eq!((t.class_weighting, t.sampler, t.label_smoothing), (ClassWeighting::Sqrt, Sampler::Balanced, 0.5));
        assert_eq!(
            training_error("class_weighting = inverse"),
            "settings.ini:5: training.class_weighting: expected one of none, balanced, sqrt, got \"inverse\""
        );
        assert_eq!(
            training_error("sampler = oversample"),
            "settings.ini:5: training.sampler: expected one of shuffle, balanced, got \"oversample\""
        );
        for bad in ["0.6", "-0.1", "NaN", "some"] {
            assert_eq!(
                training_error(&format!("label_smoothing = {bad}")),
                format!("settings.ini:5: training.label_smoothing: expected a number from 0 to 0.5, got \"{bad}\"")
            );
        }
    }

    #[test]
    fn device_batch_size_divides_into_accumulation_steps() {
        let text = format!("{MINIMAL}[training]\nbatch_size = 64\nmax_device_batch_size = 16\n");
        assert_eq!(parse_ok(&text).training.accumulation_steps(), 4);
    }

    #[test]
    fn bad_integer_is_rejected() {
        assert_eq!(
            training_error("batch_size = abc"),
            "settings.ini:5: training.batch_size: expected a positive integer, got \"abc\""
        );
    }

    #[test]
    fn zero_or_negative_where_positive_needed_is_rejected() {
        assert!(training_error("epochs = 0").ends_with("training.epochs: expected a positive integer, got \"0\""));
        assert!(training_error("learning_rate = -1e-4")
            .ends_with("training.learning_rate: expected a number greater than 0, got \"-1e-4\""));
    }

    #[test]
    fn bad_bool_is_rejected() {
        assert_eq!(
            training_error("use_distributed = sometimes"),
            "settings.ini:5: training.use_distributed: expected true or false (or yes/no, 1/0), \
             got \"sometimes\""
        );
    }

    #[test]
    fn bad_device_is_rejected() {
        assert_eq!(
            training_error("device = gpu0"),
            "settings.ini:5: training.device: expected auto, cpu, cuda or cuda:N, got \"gpu0\""
        );
    }

    #[test]
    fn bad_keyword_lists_the_choices() {
        assert_eq!(
            training_error("mixed_precision = fp8"),
            "settings.ini:5: training.mixed_precision: expected one of no, bf16, fp16, got \"fp8\""
        );
    }

    #[test]
    fn bad_objective_metric_is_rejected() {
        assert!(training_error("objective_metric = validation:f1")
            .starts_with("settings.ini:5: training.objective_metric: expected <split>:<metric> with split"));
    }

    #[test]
    fn device_batch_size_must_divide_batch_size() {
        assert_eq!(
            training_error("batch_size = 32\nmax_device_batch_size = 12"),
            "settings.ini:6: training.max_device_batch_size: expected a divisor of \
             training.batch_size (32), got \"12\""
        );
        assert_eq!(
            training_error("max_device_batch_size = 64"),
            "settings.ini:5: training.max_device_batch_size: expected at most \
             training.batch_size (32), got \"64\""
        );
    }

    #[test]
    fn unknown_key_suggests_the_close_one() {
        assert_eq!(
            training_error("learnig_rate = 1e-4"),
            "settings.ini:5: training.learnig_rate: unknown key (did you mean learning_rate?)"
        );
    }
}
