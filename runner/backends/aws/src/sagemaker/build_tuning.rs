//! [`tuning_job_request`]: the settings and one model of a run → the
//! `CreateHyperParameterTuningJob` request searching `[tuning]`'s space for that model. The
//! training job definition is the model's training job request (see
//! [`training_job_request`]) without its name, tags and profiler; every tuned `[training]` key
//! becomes the hyperparameter `training.<model>.<key>`, a settings override the container applies
//! over both `[training]` and `[training.<model>]`.

use mlpipe_core::settings::{Scaling, SearchSpace, Settings, TuningEarlyStopping, TuningStrategy};

use super::build_training::{training_job_request, TrainingJobSpec};
use super::error::SageMakerError;
use super::job_name::tuning_job_name;
use super::training_request::TrainingJobRequest;
use super::tuning_request::{
    BestObjectiveNotImproving, CategoricalParameterRange, CompletionCriteria, EarlyStoppingType,
    HyperbandStrategyConfig, NumericParameterRange, ObjectiveType, ParameterRanges, ResourceLimits, ScalingType,
    StrategyConfig, TuningAlgorithmSpecification, TuningJobConfig, TuningJobRequest, TuningObjective,
    TuningStrategyType, TuningTrainingJobDefinition,
};
use super::validate_tuning::MAX_CATEGORICAL_VALUES;

/// The `[training]` key Hyperband spends as its resource: it decides each job's epochs itself.
const EPOCHS_KEY: &str = "epochs";

/// The hyperparameter that tunes the `[training]` key `key` of `model`: `training.<model>.<key>`.
pub fn tuned_hyperparameter(model: &str, key: &str) -> String {
    format!("training.{model}.{key}")
}

/// The `CreateHyperParameterTuningJob` request tuning `spec.model` for run `spec.run`. The spec's
/// overrides become static hyperparameters (tuned keys win over them); its `now` stamps the name.
///
/// The request is not validated; call [`validate_tuning`](super::validate_tuning) (or let
/// `create_job::<TuningJob>` do it).
///
/// # Errors
///
/// As [`training_job_request`]; [`SageMakerError::Invalid`] when Hyperband is asked to tune
/// `epochs`, which it sets itself.
pub fn tuning_job_request(settings: &Settings, spec: &TrainingJobSpec) -> Result<TuningJobRequest, SageMakerError> {
    let training = training_job_request(settings, spec)?;
    let tuning = &settings.tuning;
    let model = spec.model.as_str();
    let model_training = settings.training_for(model);
    let strategy = match tuning.strategy {
        TuningStrategy::Bayesian => TuningStrategyType::Bayesian,
        TuningStrategy::Random => TuningStrategyType::Random,
        TuningStrategy::Grid => TuningStrategyType::Grid,
        TuningStrategy::Hyperband => TuningStrategyType::Hyperband,
    };
    if strategy == TuningStrategyType::Hyperband && tuning.search_space.iter().any(|(key, _)| key == EPOCHS_KEY) {
        let problem = "hyperband decides how many epochs each job trains: drop tuning.epochs or use another strategy";
        let name = tuned_hyperparameter(model, EPOCHS_KEY);
        return Err(SageMakerError::invalid("HyperParameterTuningJobConfig.ParameterRanges", name, problem));
    }
    let objective = model_training.objective_metric;
    let completion = (tuning.target_objective.is_some() || tuning.max_jobs_without_improvement.is_some()).then(|| {
        CompletionCriteria {
            // The API takes a 32-bit float.
            target_objective_metric_value: tuning.target_objective.map(|t| t as f32),
            best_objective_not_improving: tuning
                .max_jobs_without_improvement
                .map(|n| BestObjectiveNotImproving { max_number_of_training_jobs_not_improving: n }),
        }
    });
    let config = TuningJobConfig {
        strategy,
        strategy_config: (strategy == TuningStrategyType::Hyperband).then_some(StrategyConfig {
            hyperband_strategy_config: HyperbandStrategyConfig { min_resource: 1, max_resource: model_training.epochs },
        }),
        hyper_parameter_tuning_job_objective: TuningObjective {
            objective_type: if objective.maximize() { ObjectiveType::Maximize } else { ObjectiveType::Minimize },
            metric_name: objective.to_string(),
        },
        resource_limits: ResourceLimits {
            // Grid runs every combination of the choices; SageMaker refuses a job count with it.
            max_number_of_training_jobs: (strategy != TuningStrategyType::Grid).then_some(tuning.max_jobs),
            max_parallel_training_jobs: tuning.max_parallel_jobs,
        },
        parameter_ranges: parameter_ranges(model, &tuning.search_space, strategy == TuningStrategyType::Grid),
        training_job_early_stopping_type: match tuning.early_stopping {
            TuningEarlyStopping::Off => EarlyStoppingType::Off,
            TuningEarlyStopping::Auto => EarlyStoppingType::Auto,
        },
        tuning_job_completion_criteria: completion,
    };
    let name = tuning_job_name(&[&settings.experiment.name, &format!("r{}", spec.run), model], spec.now);
    Ok(definition(name, config, training))
}

/// The request around `training`'s parts: the tuned hyperparameters leave its static ones.
fn definition(name: String, config: TuningJobConfig, training: TrainingJobRequest) -> TuningJobRequest {
    let mut static_hyper_parameters = training.hyper_parameters;
    for tuned in config.parameter_ranges.names() {
        static_hyper_parameters.remove(tuned);
    }
    let algorithm = training.algorithm_specification;
    TuningJobRequest {
        hyper_parameter_tuning_job_name: name,
        hyper_parameter_tuning_job_config: config,
        training_job_definition: TuningTrainingJobDefinition {
            static_hyper_parameters,
            algorithm_specification: TuningAlgorithmSpecification {
                training_image: algorithm.training_image,
                training_input_mode: algorithm.training_input_mode,
                metric_definitions: algorithm.metric_definitions,
            },
            role_arn: training.role_arn,
            // Every training job of the tuning job gets the same checkpoint prefix (SageMaker does
            // not split it per job); the container resumes only a run whose settings snapshot,
            // tuned values included, matches its own.
            setup: training.setup,
        },
        tags: training.tags,
    }
}

/// `[tuning]`'s search space as SageMaker's ranges, in file order within each kind. SageMaker's
/// grid search takes lists of choices only, so for `grid` an integer range becomes the list of
/// its integers (validation then holds it to 30 values).
fn parameter_ranges(model: &str, space: &[(String, SearchSpace)], grid: bool) -> ParameterRanges {
    let mut ranges = ParameterRanges::default();
    for (key, space) in space {
        let name = tuned_hyperparameter(model, key);
        match space {
            SearchSpace::Integer { min, max, .. } if grid => {
                // At most one value past the limit is spelled out: enough for validation to refuse.
                let values = (*min..=*max).take(MAX_CATEGORICAL_VALUES + 1).map(|n| n.to_string()).collect();
                ranges.categorical_parameter_ranges.push(CategoricalParameterRange { name, values })
            }
            SearchSpace::Continuous { min, max, scaling } => {
                ranges.continuous_parameter_ranges.push(numeric_range(name, min, max, *scaling))
            }
            SearchSpace::Integer { min, max, scaling } => {
                ranges.integer_parameter_ranges.push(numeric_range(name, min, max, *scaling))
            }
            SearchSpace::Categorical(values) => {
                ranges.categorical_parameter_ranges.push(CategoricalParameterRange { name, values: values.clone() })
            }
        }
    }
    ranges
}

/// A continuous or integer range: both are bounds as decimal text and a scaling.
fn numeric_range(name: String, min: &impl ToString, max: &impl ToString, scaling: Scaling) -> NumericParameterRange {
    // Display never uses an exponent, so SageMaker reads plain decimals.
    NumericParameterRange {
        name,
        min_value: min.to_string(),
        max_value: max.to_string(),
        scaling_type: scaling_type(scaling),
    }
}

fn scaling_type(scaling: Scaling) -> ScalingType {
    match scaling {
        Scaling::Auto => ScalingType::Auto,
        Scaling::Linear => ScalingType::Linear,
        Scaling::Log => ScalingType::Logarithmic,
        Scaling::ReverseLog => ScalingType::ReverseLogarithmic,
    }
}
