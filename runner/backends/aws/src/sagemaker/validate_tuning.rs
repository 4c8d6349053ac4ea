//! [`validate_tuning`]: the rules of `CreateHyperParameterTuningJob` that can be checked without
//! asking AWS, from the API reference (`HyperParameterTuningJobConfig`, `ResourceLimits`,
//! `ParameterRanges` and its range types, `HyperbandStrategyConfig`, `BestObjectiveNotImproving`,
//! `HyperParameterTrainingJobDefinition`). The training job definition gets the training job's
//! checks. Where a field comes from a setting, the message ends by naming it (`; set by
//! tuning.max_jobs`), since that is what the user edits. The first broken rule is reported.

use std::collections::BTreeSet;

use mlpipe_core::settings as shapes;

use super::checks::{self, chars, count, invalid, range, shape, Check};
use super::job_name::MAX_TUNING_JOB_NAME;
use super::tuning_request::{
    CategoricalParameterRange, ContinuousParameterRange, EarlyStoppingType, IntegerParameterRange, ParameterRanges,
    ScalingType, TuningJobConfig, TuningJobRequest, TuningStrategyType, TuningTrainingJobDefinition,
};
use super::validate_training;

/// SageMaker's limit on the ranges of one tuning job, all kinds together.
pub const MAX_PARAMETER_RANGES: usize = 30;

/// SageMaker's limit on the values of one categorical range.
pub const MAX_CATEGORICAL_VALUES: usize = 30;

/// SageMaker's limit on static and tuned hyperparameters together.
const MAX_HYPERPARAMETERS: usize = 100;

/// Hyperband's limit on `MaxResource` (epochs).
const MAX_HYPERBAND_RESOURCE: u64 = 20_000;

const CONFIG: &str = "HyperParameterTuningJobConfig";
const DEFINITION: &str = "TrainingJobDefinition.";

/// Checks `request` against SageMaker's rules for `CreateHyperParameterTuningJob`.
///
/// # Errors
///
/// [`SageMakerError::Invalid`](super::SageMakerError::Invalid) naming the first field that breaks a
/// rule, and the setting behind it where there is one.
pub fn validate_tuning(request: &TuningJobRequest) -> Check {
    let name = &request.hyper_parameter_tuning_job_name;
    checks::job_name_within("HyperParameterTuningJobName", name, MAX_TUNING_JOB_NAME)?;
    let config = &request.hyper_parameter_tuning_job_config;
    let definition = &request.training_job_definition;
    objective(config, definition)?;
    limits(config)?;
    ranges(config, definition)?;
    strategy(config)?;
    completion(config)?;
    training_definition(definition)?;
    checks::tags(&request.tags)
}

/// `problem`, ending with the setting that produced the field.
fn set_by(problem: impl std::fmt::Display, setting: &str) -> String {
    format!("{problem}; set by {setting}")
}

/// The `[tuning]` key behind a range named `training.<model>.<key>`.
fn setting_of(name: &str) -> String {
    match name.strip_prefix("training.").and_then(|rest| rest.split_once('.')) {
        Some((_, key)) => format!("tuning.{key}"),
        None => format!("the range {name}"),
    }
}

fn objective(config: &TuningJobConfig, definition: &TuningTrainingJobDefinition) -> Check {
    let field = format!("{CONFIG}.HyperParameterTuningJobObjective.MetricName");
    let metric = &config.hyper_parameter_tuning_job_objective.metric_name;
    chars(&field, metric, 1, 255)?;
    let defined = &definition.algorithm_specification.metric_definitions;
    if defined.iter().any(|d| &d.name == metric) {
        return Ok(());
    }
    let names: Vec<&str> = defined.iter().map(|d| d.name.as_str()).collect();
    let problem = format!("expected one of the metric definitions ({})", names.join(", "));
    Err(invalid(field, metric, set_by(problem, "training.objective_metric")))
}

fn limits(config: &TuningJobConfig) -> Check {
    let limits = &config.resource_limits;
    let field = format!("{CONFIG}.ResourceLimits.MaxNumberOfTrainingJobs");
    let max_jobs = match (config.strategy, limits.max_number_of_training_jobs) {
        (TuningStrategyType::Grid, Some(jobs)) => {
            let problem = "grid search runs every combination of the choices: leave the job count out";
            return Err(invalid(field, &jobs.to_string(), problem));
        }
        (TuningStrategyType::Grid, None) => None,
        (_, None) => return Err(invalid(field, "", set_by("expected a job count", "tuning.max_jobs"))),
        (_, Some(jobs)) => {
            let problem = "expected an integer from 1 to 2147483647";
            range(&field, jobs.into(), 1, i32::MAX as u64)
                .map_err(|_| invalid(field.as_str(), &jobs.to_string(), set_by(problem, "tuning.max_jobs")))?;
            Some(jobs)
        }
    };
    let field = format!("{CONFIG}.ResourceLimits.MaxParallelTrainingJobs");
    let parallel = limits.max_parallel_training_jobs;
    let upper = max_jobs.unwrap_or(i32::MAX as u32);
    if !(1..=upper).contains(&parallel) {
        let problem = match max_jobs {
            Some(jobs) => format!("expected 1 to MaxNumberOfTrainingJobs ({jobs})"),
            None => format!("expected 1 to {upper}"),
        };
        return Err(invalid(field, &parallel.to_string(), set_by(problem, "tuning.max_parallel_jobs")));
    }
    Ok(())
}

fn ranges(config: &TuningJobConfig, definition: &TuningTrainingJobDefinition) -> Check {
    let ranges = &config.parameter_ranges;
    let field = format!("{CONFIG}.ParameterRanges");
    let total = ranges.names().count();
    if total == 0 {
        let problem = "expected at least one range: the [tuning] section names no training key to search";
        return Err(invalid(field, "", problem));
    }
    count(&field, total, MAX_PARAMETER_RANGES, "ranges")?;
    let statics = &definition.static_hyper_parameters;
    let all = total + statics.len();
    if all > MAX_HYPERPARAMETERS {
        let problem = format!("expected at most {MAX_HYPERPARAMETERS} static and tuned hyperparameters together");
        return Err(invalid(field, &format!("{all} hyperparameters"), problem));
    }
    let mut seen = BTreeSet::new();
    for name in ranges.names() {
        chars(&format!("{field}.Name"), name, 1, 256)?;
        if !seen.insert(name) {
            return Err(invalid(format!("{field}.Name"), name, "a hyperparameter can have only one range"));
        }
        if statics.contains_key(name) {
            let problem = "a tuned hyperparameter cannot also be a static one";
            return Err(invalid(format!("{DEFINITION}StaticHyperParameters"), name, problem));
        }
    }
    if config.strategy == TuningStrategyType::Grid {
        grid_only_categorical(&field, ranges)?;
    }
    for (i, r) in ranges.continuous_parameter_ranges.iter().enumerate() {
        continuous(&format!("{field}.ContinuousParameterRanges[{i}]"), r)?;
    }
    for (i, r) in ranges.integer_parameter_ranges.iter().enumerate() {
        integer(&format!("{field}.IntegerParameterRanges[{i}]"), r)?;
    }
    for (i, r) in ranges.categorical_parameter_ranges.iter().enumerate() {
        categorical(&format!("{field}.CategoricalParameterRanges[{i}]"), r)?;
    }
    Ok(())
}

fn grid_only_categorical(field: &str, ranges: &ParameterRanges) -> Check {
    let continuous = ranges.continuous_parameter_ranges.iter().map(|r| ("ContinuousParameterRanges", &r.name));
    let integer = ranges.integer_parameter_ranges.iter().map(|r| ("IntegerParameterRanges", &r.name));
    match continuous.chain(integer).next() {
        Some((kind, name)) => {
            let problem = set_by("grid search takes lists of choices only, like `a, b, c`", &setting_of(name));
            Err(invalid(format!("{field}.{kind}"), name, problem))
        }
        None => Ok(()),
    }
}

/// Bounds `min < max`, each a number of at most 256 characters, and the scaling's domain.
fn bounds<T: std::str::FromStr + PartialOrd + Into<f64> + Copy>(
    field: &str,
    name: &str,
    (min, max): (&str, &str),
    scaling: ScalingType,
    what: &str,
) -> Check {
    let setting = setting_of(name);
    let parse = |bound: &str, text: &str| -> Result<T, super::SageMakerError> {
        chars(&format!("{field}.{bound}"), text, 1, 256)?;
        let value = text.parse::<T>().ok().filter(|v| (*v).into().is_finite());
        value.ok_or_else(|| invalid(format!("{field}.{bound}"), text, set_by(format!("expected {what}"), &setting)))
    };
    let (low, high) = (parse("MinValue", min)?, parse("MaxValue", max)?);
    let text = format!("{min} -> {max}");
    if low >= high {
        return Err(invalid(field, &text, set_by("expected MinValue < MaxValue", &setting)));
    }
    let (low, high) = (low.into(), high.into());
    let problem = match scaling {
        ScalingType::Logarithmic if low <= 0.0 => "logarithmic scaling needs MinValue > 0",
        ScalingType::ReverseLogarithmic if low < 0.0 || high >= 1.0 => {
            "reverse logarithmic scaling needs 0 <= MinValue < MaxValue < 1"
        }
        _ => return Ok(()),
    };
    Err(invalid(field, &text, set_by(problem, &setting)))
}

fn continuous(field: &str, r: &ContinuousParameterRange) -> Check {
    bounds::<f64>(field, &r.name, (&r.min_value, &r.max_value), r.scaling_type, "a decimal number")
}

fn integer(field: &str, r: &IntegerParameterRange) -> Check {
    if r.scaling_type == ScalingType::ReverseLogarithmic {
        let problem = set_by("reverse logarithmic scaling is for real-valued ranges only", &setting_of(&r.name));
        return Err(invalid(format!("{field}.ScalingType"), &r.name, problem));
    }
    // i32 converts to f64 exactly; SageMaker's integer hyperparameters are 32-bit.
    bounds::<i32>(field, &r.name, (&r.min_value, &r.max_value), r.scaling_type, "a 32-bit integer")
}

fn categorical(field: &str, r: &CategoricalParameterRange) -> Check {
    let values_field = format!("{field}.Values");
    let setting = setting_of(&r.name);
    if r.values.is_empty() || r.values.len() > MAX_CATEGORICAL_VALUES {
        let problem = set_by(format!("expected 1 to {MAX_CATEGORICAL_VALUES} values"), &setting);
        return Err(invalid(values_field, &format!("{} values", r.values.len()), problem));
    }
    let mut seen = BTreeSet::new();
    for value in &r.values {
        chars(&values_field, value, 0, 256)?;
        if !seen.insert(value) {
            return Err(invalid(values_field, value, set_by("values must be distinct", &setting)));
        }
    }
    Ok(())
}

fn strategy(config: &TuningJobConfig) -> Check {
    let field = format!("{CONFIG}.StrategyConfig");
    let hyperband = config.strategy == TuningStrategyType::Hyperband;
    match (&config.strategy_config, hyperband) {
        (None, false) => Ok(()),
        (Some(_), false) => Err(invalid(
            field,
            "HyperbandStrategyConfig",
            "only allowed with Strategy = Hyperband; set by tuning.strategy",
        )),
        (None, true) => Err(invalid(field, "", "hyperband needs MinResource and MaxResource (epochs)")),
        (Some(config_), true) => {
            let hyperband = &config_.hyperband_strategy_config;
            let max_field = format!("{field}.HyperbandStrategyConfig.MaxResource");
            let max = u64::from(hyperband.max_resource);
            range(&max_field, max, 1, MAX_HYPERBAND_RESOURCE).map_err(|_| {
                let problem = format!("expected 1 to {MAX_HYPERBAND_RESOURCE} epochs");
                invalid(max_field.as_str(), &max.to_string(), set_by(problem, "training.epochs"))
            })?;
            if hyperband.min_resource > hyperband.max_resource {
                let min_field = format!("{field}.HyperbandStrategyConfig.MinResource");
                let problem = format!("expected at most MaxResource ({max})");
                return Err(invalid(min_field, &hyperband.min_resource.to_string(), problem));
            }
            if config.training_job_early_stopping_type != EarlyStoppingType::Off {
                let field = format!("{CONFIG}.TrainingJobEarlyStoppingType");
                let problem = set_by("hyperband stops jobs itself and needs Off", "tuning.early_stopping");
                return Err(invalid(field, "Auto", problem));
            }
            Ok(())
        }
    }
}

fn completion(config: &TuningJobConfig) -> Check {
    let Some(criteria) = &config.tuning_job_completion_criteria else { return Ok(()) };
    let field = format!("{CONFIG}.TuningJobCompletionCriteria");
    if let Some(target) = criteria.target_objective_metric_value.filter(|t| !t.is_finite()) {
        let problem = set_by("expected a finite 32-bit number", "tuning.target_objective");
        return Err(invalid(format!("{field}.TargetObjectiveMetricValue"), &target.to_string(), problem));
    }
    if let Some(best) = &criteria.best_objective_not_improving {
        let jobs = best.max_number_of_training_jobs_not_improving;
        if jobs < 3 {
            let field = format!("{field}.BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving");
            let problem = set_by("expected at least 3", "tuning.max_jobs_without_improvement");
            return Err(invalid(field, &jobs.to_string(), problem));
        }
    }
    Ok(())
}

fn training_definition(definition: &TuningTrainingJobDefinition) -> Check {
    shape(&format!("{DEFINITION}RoleArn"), &definition.role_arn, shapes::role_arn)?;
    let spec = &definition.algorithm_specification;
    validate_training::algorithm(DEFINITION, &spec.training_image, &spec.metric_definitions)?;
    validate_training::hyper_parameters(
        &format!("{DEFINITION}StaticHyperParameters"),
        &definition.static_hyper_parameters,
    )?;
    validate_training::setup(DEFINITION, &definition.setup, 48)
}
