//! [`TuningJobRequest`]: the body of SageMaker's `CreateHyperParameterTuningJob`, as plain data.
//! Serialising it gives exactly the API's JSON (field names from the AWS API reference), which is
//! what `--dry-run` prints; `tuning_api` turns the same value into the SDK's builder calls. The
//! training job definition reuses the training request's parts (channels, resources, stopping
//! condition, checkpoints); only the fields mlpipe sets exist, and maps are `BTreeMap`s so the
//! JSON is stable.

use std::collections::BTreeMap;

use serde::Serialize;

use super::tag::Tag;
use super::training_request::{MetricDefinition, TrainingInputMode, TrainingJobSetup};

/// `CreateHyperParameterTuningJob`'s request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TuningJobRequest {
    /// Unique per account and region; `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$`.
    pub hyper_parameter_tuning_job_name: String,
    /// Strategy, objective, limits and the ranges searched.
    pub hyper_parameter_tuning_job_config: TuningJobConfig,
    /// What every training job of the tuning job runs.
    pub training_job_definition: TuningTrainingJobDefinition,
    /// Tags on the tuning job; SageMaker adds them to its training jobs too.
    pub tags: Vec<Tag>,
}

/// `HyperParameterTuningJobConfig`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TuningJobConfig {
    /// How the next hyperparameters are chosen.
    pub strategy: TuningStrategyType,
    /// Hyperband's resource bounds; only with [`TuningStrategyType::Hyperband`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy_config: Option<StrategyConfig>,
    /// The metric to optimise, one of the definition's `MetricDefinitions`.
    pub hyper_parameter_tuning_job_objective: TuningObjective,
    /// How many training jobs, and how many at once.
    pub resource_limits: ResourceLimits,
    /// The hyperparameters searched.
    pub parameter_ranges: ParameterRanges,
    /// Whether SageMaker may stop unpromising training jobs (must be `Off` with Hyperband).
    pub training_job_early_stopping_type: EarlyStoppingType,
    /// When to end the search before the job limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuning_job_completion_criteria: Option<CompletionCriteria>,
}

/// `HyperParameterTuningJobStrategyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TuningStrategyType {
    /// Bayesian optimisation.
    Bayesian,
    /// Independent random draws.
    Random,
    /// Every combination of categorical values.
    Grid,
    /// Many short jobs, the promising ones continued.
    Hyperband,
}

/// `HyperParameterTuningJobStrategyConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StrategyConfig {
    /// Hyperband's settings.
    pub hyperband_strategy_config: HyperbandStrategyConfig,
}

/// `HyperbandStrategyConfig`: the resource is epochs (the trainer logs the objective every epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HyperbandStrategyConfig {
    /// Epochs a job trains before Hyperband may stop it, >= 0.
    pub min_resource: u32,
    /// Epochs after which Hyperband stops a job, 1..=20000.
    pub max_resource: u32,
}

/// `HyperParameterTuningJobObjective`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TuningObjective {
    /// Whether higher is better.
    #[serde(rename = "Type")]
    pub objective_type: ObjectiveType,
    /// A `MetricDefinitions` name, e.g. `validation:macro_f1`.
    pub metric_name: String,
}

/// `HyperParameterTuningJobObjectiveType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ObjectiveType {
    /// Higher is better.
    Maximize,
    /// Lower is better.
    Minimize,
}

/// `ResourceLimits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceLimits {
    /// Training jobs in total, >= 1; left out for Grid, which runs every combination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_number_of_training_jobs: Option<u32>,
    /// Training jobs at once, 1..=`MaxNumberOfTrainingJobs`.
    pub max_parallel_training_jobs: u32,
}

/// `ParameterRanges`: at most 30 ranges in all.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterRanges {
    /// Real-valued ranges.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub continuous_parameter_ranges: Vec<ContinuousParameterRange>,
    /// Integer ranges.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub integer_parameter_ranges: Vec<IntegerParameterRange>,
    /// Lists of choices.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categorical_parameter_ranges: Vec<CategoricalParameterRange>,
}

impl ParameterRanges {
    /// Every range's hyperparameter name, continuous first, then integer, then categorical.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let continuous = self.continuous_parameter_ranges.iter().map(|r| r.name.as_str());
        let integer = self.integer_parameter_ranges.iter().map(|r| r.name.as_str());
        let categorical = self.categorical_parameter_ranges.iter().map(|r| r.name.as_str());
        continuous.chain(integer).chain(categorical)
    }
}

/// `ContinuousParameterRange` and `IntegerParameterRange`: the API gives both the same fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NumericParameterRange {
    /// The hyperparameter, `training.<model>.<key>`.
    pub name: String,
    /// Lower bound, as decimal text.
    pub min_value: String,
    /// Upper bound, as decimal text.
    pub max_value: String,
    /// How to sample (`ReverseLogarithmic` only for real-valued ranges).
    pub scaling_type: ScalingType,
}

/// `ContinuousParameterRange`: a real-valued [`NumericParameterRange`].
pub type ContinuousParameterRange = NumericParameterRange;

/// `IntegerParameterRange`: an integer [`NumericParameterRange`].
pub type IntegerParameterRange = NumericParameterRange;

/// `CategoricalParameterRange`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CategoricalParameterRange {
    /// The hyperparameter, `training.<model>.<key>`.
    pub name: String,
    /// 1..=30 values, as the settings wrote them.
    pub values: Vec<String>,
}

/// `HyperParameterScalingType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ScalingType {
    /// SageMaker chooses.
    Auto,
    /// Uniform.
    Linear,
    /// Uniform in the logarithm (min > 0).
    Logarithmic,
    /// Denser near the top (0 <= min < max < 1, real-valued only).
    ReverseLogarithmic,
}

/// `TrainingJobEarlyStoppingType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EarlyStoppingType {
    /// Every training job runs to the end.
    Off,
    /// SageMaker stops jobs unlikely to beat the best one.
    Auto,
}

/// `TuningJobCompletionCriteria`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompletionCriteria {
    /// Stop once a training job reaches this objective (a 32-bit float on the wire).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_objective_metric_value: Option<f32>,
    /// Stop after this many jobs without improvement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_objective_not_improving: Option<BestObjectiveNotImproving>,
}

/// `BestObjectiveNotImproving`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BestObjectiveNotImproving {
    /// Training jobs that did not improve the best objective by 1 %, >= 3.
    pub max_number_of_training_jobs_not_improving: u32,
}

/// `HyperParameterTrainingJobDefinition`: a training job request without name, tags and profiler,
/// and with static hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TuningTrainingJobDefinition {
    /// Hyperparameters every training job gets; the tuned ones are added per job.
    pub static_hyper_parameters: BTreeMap<String, String>,
    /// Image, input mode and the metrics SageMaker scrapes (the objective among them).
    pub algorithm_specification: TuningAlgorithmSpecification,
    /// The IAM role the training jobs run as.
    pub role_arn: String,
    /// Channels, output, resources, limits, spot, checkpoints and environment, as for a training
    /// job; every training job of the tuning job gets them.
    #[serde(flatten)]
    pub setup: TrainingJobSetup,
}

/// `HyperParameterAlgorithmSpecification` (it has no metrics time-series switch).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TuningAlgorithmSpecification {
    /// The ECR image.
    pub training_image: String,
    /// How channels reach the container.
    pub training_input_mode: TrainingInputMode,
    /// Regexes SageMaker applies to the log lines (at most 40).
    pub metric_definitions: Vec<MetricDefinition>,
}
