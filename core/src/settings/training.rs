//! `[training]`: how one model is trained: where (local or SageMaker), for how long, with which
//! optimiser settings, on which device, and which metric counts.

use super::device::Device;
use super::error::SettingsError;
use super::keyword::keyword_enum;
use super::objective::ObjectiveMetric;
use super::raw::RawIni;
use super::reader::SectionReader;
use super::render::IniWriter;
use super::values::{
    boolean, fraction_below_one, fraction_up_to_half, non_negative, non_negative_number, positive, positive_number,
    Expect,
};

const KEYS: &[&str] = &[
    "backend",
    "epochs",
    "batch_size",
    "max_device_batch_size",
    "learning_rate",
    "weight_decay",
    "warmup_ratio",
    "max_grad_norm",
    "max_steps",
    "objective_metric",
    "early_stopping_patience",
    "eval_every_steps",
    "device",
    "mixed_precision",
    "num_threads",
    "batching",
    "use_distributed",
    "num_processes",
    "dist_timeout_secs",
    "save_checkpoints",
    "checkpoint_every_steps",
    "keep_checkpoints",
    "keep_checkpoints_after_finish",
    "class_weighting",
    "sampler",
    "label_smoothing",
];

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

/// The `[training]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSettings {
    /// Where training runs (default local).
    pub backend: Backend,
    /// Passes over the training records, >= 1 (default 3).
    pub epochs: u32,
    /// Records per optimiser step, >= 1 (default 32).
    pub batch_size: usize,
    /// Records per forward pass; divides `batch_size` (default: `batch_size`).
    pub max_device_batch_size: usize,
    /// Peak learning rate, > 0 (default 5e-5).
    pub learning_rate: f64,
    /// Decoupled weight decay, >= 0 (default 0.01).
    pub weight_decay: f64,
    /// Share of steps spent warming the learning rate up, 0 <= x < 1 (default 0).
    pub warmup_ratio: f64,
    /// Gradient clipping norm, >= 0; 0 disables clipping (default 1).
    pub max_grad_norm: f64,
    /// Stop after this many optimiser steps; 0 means no limit (the default).
    pub max_steps: u64,
    /// The metric that picks the best checkpoint (default `validation:macro_f1`).
    pub objective_metric: ObjectiveMetric,
    /// Evaluations without improvement before stopping; 0 turns early stopping off (the default).
    pub early_stopping_patience: u32,
    /// Evaluate every this many steps as well as after each epoch; 0 means per epoch only.
    pub eval_every_steps: u64,
    /// The compute device (default auto).
    pub device: Device,
    /// Reduced-precision arithmetic (default no).
    pub mixed_precision: MixedPrecision,
    /// CPU threads for tensor work; 0 means automatic (the default).
    pub num_threads: usize,
    /// Batching strategy (default bucketed).
    pub batching: Batching,
    /// Train data-parallel over several processes (default false).
    pub use_distributed: bool,
    /// Processes for distributed training; 0 means one per device (the default).
    pub num_processes: usize,
    /// Seconds a process waits for its peers before giving up, >= 1 (default 300).
    pub dist_timeout_secs: u64,
    /// Write checkpoints during training (default true).
    pub save_checkpoints: bool,
    /// Also checkpoint every N optimiser steps, not only at epoch ends (default 0: epoch ends only).
    pub checkpoint_every_steps: u64,
    /// How many recent checkpoints to keep besides the best model, >= 1 (default 1).
    pub keep_checkpoints: usize,
    /// Keep `checkpoints/` once a model has finished (default false: they are deleted, the
    /// exported model and `weights.safetensors` stay).
    pub keep_checkpoints_after_finish: bool,
    /// Per-label weights of the training loss, from the training split's counts (default none).
    pub class_weighting: ClassWeighting,
    /// Which records each epoch visits (default shuffle).
    pub sampler: Sampler,
    /// Label smoothing of the training loss, 0 <= x <= 0.5, PyTorch's formula (default 0).
    pub label_smoothing: f64,
}

impl TrainingSettings {
    /// Forward passes per optimiser step: `batch_size / max_device_batch_size` (exact, as the
    /// settings check that it divides).
    pub fn accumulation_steps(&self) -> usize {
        self.batch_size / self.max_device_batch_size
    }

    /// The value of tunable key `key` (see `[tuning]`) as settings text, `None` for another key.
    pub fn tunable_value(&self, key: &str) -> Option<String> {
        Some(match key {
            "learning_rate" => format!("{:?}", self.learning_rate),
            "weight_decay" => format!("{:?}", self.weight_decay),
            "warmup_ratio" => format!("{:?}", self.warmup_ratio),
            "max_grad_norm" => format!("{:?}", self.max_grad_norm),
            "epochs" => self.epochs.to_string(),
            "batch_size" => self.batch_size.to_string(),
            "max_device_batch_size" => self.max_device_batch_size.to_string(),
            "early_stopping_patience" => self.early_stopping_patience.to_string(),
            "label_smoothing" => format!("{:?}", self.label_smoothing),
            "class_weighting" => self.class_weighting.to_string(),
            "sampler" => self.sampler.to_string(),
            _ => return None,
        })
    }

    pub(crate) fn read(raw: &RawIni) -> Result<Self, SettingsError> {
        let r = SectionReader::new(raw, "training", KEYS)?;
        let batch_size = r.or("batch_size", 32, positive)?;
        let max_device_batch_size = r.optional("max_device_batch_size", positive)?.unwrap_or(batch_size);
        let key = "max_device_batch_size";
        let given = max_device_batch_size.to_string();
        if max_device_batch_size > batch_size {
            let expected = format!("at most training.batch_size ({batch_size})");
            return Err(r.invalid(key, expected, &given));
        }
        if batch_size % max_device_batch_size != 0 {
            let expected = format!("a divisor of training.batch_size ({batch_size})");
            return Err(r.invalid(key, expected, &given));
        }
        Ok(TrainingSettings {
            backend: r.or("backend", Backend::Local, Backend::parse_keyword)?,
            epochs: r.or("epochs", 3, positive)?,
            batch_size,
            max_device_batch_size,
            learning_rate: r.or("learning_rate", 5e-5, positive_number)?,
            weight_decay: r.or("weight_decay", 0.01, non_negative_number)?,
            warmup_ratio: r.or("warmup_ratio", 0.0, fraction_below_one)?,
            max_grad_norm: r.or("max_grad_norm", 1.0, non_negative_number)?,
            max_steps: r.or("max_steps", 0, non_negative)?,
            objective_metric: r.or("objective_metric", Default::default(), ObjectiveMetric::parse)?,
            early_stopping_patience: r.or("early_stopping_patience", 0, non_negative)?,
            eval_every_steps: r.or("eval_every_steps", 0, non_negative)?,
            device: r.or("device", Device::Auto, Device::parse)?,
            mixed_precision: r.or("mixed_precision", MixedPrecision::No, MixedPrecision::parse_keyword)?,
            num_threads: r.or("num_threads", 0, non_negative)?,
            batching: r.or("batching", Batching::Bucketed, Batching::parse_keyword)?,
            use_distributed: r.or("use_distributed", false, boolean)?,
            num_processes: r.or("num_processes", 0, non_negative)?,
            dist_timeout_secs: r.or("dist_timeout_secs", 300, positive)?,
            save_checkpoints: r.or("save_checkpoints", true, boolean)?,
            checkpoint_every_steps: r.or("checkpoint_every_steps", 0, non_negative)?,
            keep_checkpoints: r.or("keep_checkpoints", 1, positive)?,
            keep_checkpoints_after_finish: r.or("keep_checkpoints_after_finish", false, boolean)?,
            class_weighting: r.or("class_weighting", ClassWeighting::None, ClassWeighting::parse_keyword)?,
            sampler: r.or("sampler", Sampler::Shuffle, Sampler::parse_keyword)?,
            label_smoothing: r.or("label_smoothing", 0.0, fraction_up_to_half)?,
        })
    }

    /// The `key = value` lines of [`Self::write_ini`], to compare two settings key by key.
    pub(crate) fn ini_lines(&self) -> Vec<String> {
        let mut out = IniWriter::new("");
        self.write_ini(&mut out);
        out.key_lines()
    }

    pub(crate) fn write_ini(&self, out: &mut IniWriter) {
        out.section("training");
        out.key("backend", self.backend);
        out.key("epochs", self.epochs);
        out.key("batch_size", self.batch_size);
        out.key("max_device_batch_size", self.max_device_batch_size);
        out.key("learning_rate", format!("{:?}", self.learning_rate));
        out.key("weight_decay", format!("{:?}", self.weight_decay));
        out.key("warmup_ratio", format!("{:?}", self.warmup_ratio));
        out.key("max_grad_norm", format!("{:?}", self.max_grad_norm));
        out.key("max_steps", self.max_steps);
        out.key("objective_metric", self.objective_metric);
        out.key("early_stopping_patience", self.early_stopping_patience);
        out.key("eval_every_steps", self.eval_every_steps);
        out.key("device", self.device);
        out.key("mixed_precision", self.mixed_precision);
        out.key("num_threads", self.num_threads);
        out.key("batching", self.batching);
        out.key("use_distributed", self.use_distributed);
        out.key("num_processes", self.num_processes);
        out.key("dist_timeout_secs", self.dist_timeout_secs);
        out.key("save_checkpoints", self.save_checkpoints);
        out.key("checkpoint_every_steps", self.checkpoint_every_steps);
        out.key("keep_checkpoints", self.keep_checkpoints);
        out.key("keep_checkpoints_after_finish", self.keep_checkpoints_after_finish);
        out.key("class_weighting", self.class_weighting);
        out.key("sampler", self.sampler);
        out.key("label_smoothing", format!("{:?}", self.label_smoothing));
    }
}

/// The type of a training key that `[tuning]` may search over, with the check its values pass.
#[derive(Clone, Copy)]
pub(crate) enum Tunable {
    /// A real-valued key.
    Float(fn(&str) -> Expect<f64>),
    /// An integer key.
    Integer(fn(&str) -> Expect<i64>),
    /// A keyword key: only a list of choices can search it.
    Keyword(fn(&str) -> Expect<()>),
}

/// The training keys a search space may name, each with the same check as in `[training]`.
pub(crate) const TUNABLE: &[(&str, Tunable)] = &[
    ("learning_rate", Tunable::Float(positive_number)),
    ("weight_decay", Tunable::Float(non_negative_number)),
    ("warmup_ratio", Tunable::Float(fraction_below_one)),
    ("max_grad_norm", Tunable::Float(non_negative_number)),
    ("epochs", Tunable::Integer(positive_integer)),
    ("batch_size", Tunable::Integer(positive_integer)),
    ("max_device_batch_size", Tunable::Integer(positive_integer)),
    ("early_stopping_patience", Tunable::Integer(non_negative_integer)),
    ("label_smoothing", Tunable::Float(fraction_up_to_half)),
    ("class_weighting", Tunable::Keyword(|text| ClassWeighting::parse_keyword(text).map(drop))),
    ("sampler", Tunable::Keyword(|text| Sampler::parse_keyword(text).map(drop))),
];

fn positive_integer(text: &str) -> Expect<i64> {
    positive::<u32>(text).map(i64::from)
}

fn non_negative_integer(text: &str) -> Expect<i64> {
    non_negative::<u32>(text).map(i64::from)
}

#[cfg(test)]
mod tests {
    use super::*;
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
