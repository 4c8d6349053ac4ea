//! `settings.ini`, read in two stages. Stage 1 ([`RawIni`]) checks only the syntax and remembers where
//! every value came from; stage 2 ([`Settings`]) checks names and values against the schema, fills
//! in defaults and resolves paths. Every problem is a one-line [`SettingsError`] naming the file
//! line (or `--set` override) and the `section.key`.
//!
//! One file per section of the schema (`experiment`, `data`, `training`, `tuning`, `sagemaker`,
//! `tracking`; `[plugin]` is free-form), plus the shared machinery: value parsers, AWS name checks,
//! the section reader and the INI writer behind [`Settings::to_ini`].

mod aws;
mod data;
mod device;
mod error;
mod experiment;
mod job;
mod key_table;
mod keyword;
mod load;
mod model_training;
mod objective;
mod overrides;
mod raw;
mod reader;
mod render;
mod report;
mod sagemaker;
mod search_space;
mod suggest;
#[cfg(test)]
mod test_util;
mod tracking;
mod training;
mod tuning;
mod values;

// The AWS shape checks, reused by mlpipe-aws to validate SageMaker requests before sending them.
pub use aws::{image_uri, region, role_arn, s3_uri};
pub use data::DataSettings;
pub use device::Device;
pub use error::{ErrorKind, Origin, SettingsError};
pub use experiment::{ExperimentSettings, Root, ENSEMBLE};
pub use job::JobType;
pub use load::{Settings, SECTIONS};
pub use objective::{MetricName, MetricSplit, ObjectiveMetric};
pub use overrides::apply_override;
pub use raw::{RawEntry, RawIni, RawSection};
pub use report::ReportSettings;
pub use sagemaker::SageMakerSettings;
pub use search_space::{Scaling, SearchSpace};
pub use tracking::TrackingSettings;
pub use training::{Backend, Batching, ClassWeighting, MixedPrecision, Sampler, TrainingSettings};
pub use tuning::{TuningEarlyStopping, TuningSettings, TuningStrategy};
