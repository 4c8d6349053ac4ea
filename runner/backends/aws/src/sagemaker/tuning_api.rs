//! Tuning jobs through the SDK: [`TuningJob`], the [`JobKind`] whose request is a
//! [`TuningJobRequest`], turned into `CreateHyperParameterTuningJob` builder calls (the only place
//! the two meet), and whose describe answer becomes a [`TuningJobStatus`]; plus the tuning job's
//! own call, listing its training jobs.

use aws_sdk_sagemaker::operation::create_hyper_parameter_tuning_job::builders::CreateHyperParameterTuningJobFluentBuilder;
use aws_sdk_sagemaker::operation::describe_hyper_parameter_tuning_job::DescribeHyperParameterTuningJobOutput;
use aws_sdk_sagemaker::types as sdk;
use aws_sdk_sagemaker::Client;

use super::client::{api_error, wire_int, SageMaker};
use super::error::SageMakerError;
use super::job_kind::JobKind;
use super::sdk_parts as parts;
use super::status::JobState;
use super::tuning_request::{
    EarlyStoppingType, ObjectiveType, ParameterRanges, ScalingType, TuningJobConfig, TuningJobRequest,
    TuningStrategyType, TuningTrainingJobDefinition,
};
use super::tuning_status::{BestTrainingJob, TrainingJobCounts, TuningJobStatus};
use super::tuning_trials::{widen, TuningTrial};
use super::validate_tuning::validate_tuning;

/// Trials per `ListTrainingJobsForHyperParameterTuningJob` page, the API's maximum.
const PAGE_SIZE: i32 = 100;

/// The hyperparameter tuning job kind: `sagemaker.create_job::<TuningJob>(&request)`.
#[derive(Debug, Clone, Copy)]
pub struct TuningJob;

impl JobKind for TuningJob {
    type Request = TuningJobRequest;
    type Status = TuningJobStatus;

    fn validate(request: &TuningJobRequest) -> Result<(), SageMakerError> {
        validate_tuning(request)
    }

    async fn create(client: &Client, request: &TuningJobRequest) -> Result<String, SageMakerError> {
        let job = &request.hyper_parameter_tuning_job_name;
        let call = create_call(client.create_hyper_parameter_tuning_job(), request)?;
        let output = call.send().await.map_err(|e| api_error("CreateHyperParameterTuningJob", job, e))?;
        Ok(output.hyper_parameter_tuning_job_arn().unwrap_or_default().to_string())
    }

    async fn describe(client: &Client, name: &str) -> Result<TuningJobStatus, SageMakerError> {
        let call = client.describe_hyper_parameter_tuning_job().hyper_parameter_tuning_job_name(name);
        let output = call.send().await.map_err(|e| api_error("DescribeHyperParameterTuningJob", name, e))?;
        Ok(tuning_status(name, &output))
    }

    async fn stop(client: &Client, name: &str) -> Result<(), SageMakerError> {
        let call = client.stop_hyper_parameter_tuning_job().hyper_parameter_tuning_job_name(name);
        call.send().await.map(drop).map_err(|e| api_error("StopHyperParameterTuningJob", name, e))
    }
}

impl SageMaker {
    /// Every training job the tuning job started, oldest first (all pages of
    /// `ListTrainingJobsForHyperParameterTuningJob`).
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Api`].
    pub fn list_tuning_trials(&self, name: &str) -> Result<Vec<TuningTrial>, SageMakerError> {
        let mut trials = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let call = self
                .client
                .list_training_jobs_for_hyper_parameter_tuning_job()
                .hyper_parameter_tuning_job_name(name)
                .max_results(PAGE_SIZE)
                .sort_by(sdk::TrainingJobSortByOptions::CreationTime)
                .sort_order(sdk::SortOrder::Ascending)
                .set_next_token(token.take());
            let page = self
                .block_on(call.send())
                .map_err(|e| api_error("ListTrainingJobsForHyperParameterTuningJob", name, e))?;
            trials.extend(page.training_job_summaries().iter().map(TuningTrial::from_summary));
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
        // Sorted here too: the order is what numbers the trials, so it must not depend on the
        // server honouring `SortBy`.
        trials.sort_by(|a, b| (a.created, &a.job).cmp(&(b.created, &b.job)));
        Ok(trials)
    }
}

/// A describe answer as [`TuningJobStatus`].
pub(crate) fn tuning_status(name: &str, output: &DescribeHyperParameterTuningJobOutput) -> TuningJobStatus {
    let count = |n: Option<i32>| n.map_or(0, |n| n.max(0) as u32);
    let counts = output.training_job_status_counters().map_or_else(TrainingJobCounts::default, |c| TrainingJobCounts {
        completed: count(c.completed()),
        in_progress: count(c.in_progress()),
        stopped: count(c.stopped()),
        failed: count(c.retryable_error()) + count(c.non_retryable_error()),
    });
    let best = output.best_training_job().and_then(|best| {
        Some(BestTrainingJob {
            job: best.training_job_name().filter(|job| !job.is_empty())?.to_string(),
            objective: best.final_hyper_parameter_tuning_job_objective_metric().and_then(|m| m.value()).map(widen),
        })
    });
    TuningJobStatus {
        job: name.to_string(),
        state: JobState::parse(output.hyper_parameter_tuning_job_status().map_or("", |s| s.as_str())),
        counts,
        best,
        failure_reason: output.failure_reason().map(str::to_string),
    }
}

/// Every field of `request` as a builder call on `call`.
fn create_call(
    call: CreateHyperParameterTuningJobFluentBuilder,
    request: &TuningJobRequest,
) -> Result<CreateHyperParameterTuningJobFluentBuilder, SageMakerError> {
    Ok(call
        .hyper_parameter_tuning_job_name(&request.hyper_parameter_tuning_job_name)
        .hyper_parameter_tuning_job_config(config(&request.hyper_parameter_tuning_job_config)?)
        .training_job_definition(definition(&request.training_job_definition)?)
        .set_tags(Some(parts::tags(&request.tags))))
}

fn config(config: &TuningJobConfig) -> Result<sdk::HyperParameterTuningJobConfig, SageMakerError> {
    let limits = &config.resource_limits;
    let mut resource_limits = sdk::ResourceLimits::builder().max_parallel_training_jobs(wire_int(
        "HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs",
        limits.max_parallel_training_jobs.into(),
    )?);
    if let Some(jobs) = limits.max_number_of_training_jobs {
        let field = "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs";
        resource_limits = resource_limits.max_number_of_training_jobs(wire_int(field, jobs.into())?);
    }
    let objective = &config.hyper_parameter_tuning_job_objective;
    let mut built = sdk::HyperParameterTuningJobConfig::builder()
        .strategy(match config.strategy {
            TuningStrategyType::Bayesian => sdk::HyperParameterTuningJobStrategyType::Bayesian,
            TuningStrategyType::Random => sdk::HyperParameterTuningJobStrategyType::Random,
            TuningStrategyType::Grid => sdk::HyperParameterTuningJobStrategyType::Grid,
            TuningStrategyType::Hyperband => sdk::HyperParameterTuningJobStrategyType::Hyperband,
        })
        .hyper_parameter_tuning_job_objective(
            sdk::HyperParameterTuningJobObjective::builder()
                .r#type(match objective.objective_type {
                    ObjectiveType::Maximize => sdk::HyperParameterTuningJobObjectiveType::Maximize,
                    ObjectiveType::Minimize => sdk::HyperParameterTuningJobObjectiveType::Minimize,
                })
                .metric_name(&objective.metric_name)
                .build(),
        )
        .resource_limits(resource_limits.build())
        .parameter_ranges(ranges(&config.parameter_ranges))
        .training_job_early_stopping_type(match config.training_job_early_stopping_type {
            EarlyStoppingType::Off => sdk::TrainingJobEarlyStoppingType::Off,
            EarlyStoppingType::Auto => sdk::TrainingJobEarlyStoppingType::Auto,
        });
    if let Some(strategy) = &config.strategy_config {
        let hyperband = &strategy.hyperband_strategy_config;
        let field = "HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig";
        let hyperband = sdk::HyperbandStrategyConfig::builder()
            .min_resource(wire_int(&format!("{field}.MinResource"), hyperband.min_resource.into())?)
            .max_resource(wire_int(&format!("{field}.MaxResource"), hyperband.max_resource.into())?)
            .build();
        built = built.strategy_config(
            sdk::HyperParameterTuningJobStrategyConfig::builder().hyperband_strategy_config(hyperband).build(),
        );
    }
    if let Some(criteria) = &config.tuning_job_completion_criteria {
        let mut completion = sdk::TuningJobCompletionCriteria::builder()
            .set_target_objective_metric_value(criteria.target_objective_metric_value);
        if let Some(best) = &criteria.best_objective_not_improving {
            let field = "HyperParameterTuningJobConfig.TuningJobCompletionCriteria.BestObjectiveNotImproving";
            let jobs = best.max_number_of_training_jobs_not_improving.into();
            let jobs = wire_int(&format!("{field}.MaxNumberOfTrainingJobsNotImproving"), jobs)?;
            completion = completion.best_objective_not_improving(
                sdk::BestObjectiveNotImproving::builder().max_number_of_training_jobs_not_improving(jobs).build(),
            );
        }
        built = built.tuning_job_completion_criteria(completion.build());
    }
    Ok(built.build())
}

fn ranges(ranges: &ParameterRanges) -> sdk::ParameterRanges {
    let continuous = ranges.continuous_parameter_ranges.iter().map(|r| {
        sdk::ContinuousParameterRange::builder()
            .name(&r.name)
            .min_value(&r.min_value)
            .max_value(&r.max_value)
            .scaling_type(scaling(r.scaling_type))
            .build()
    });
    let integer = ranges.integer_parameter_ranges.iter().map(|r| {
        sdk::IntegerParameterRange::builder()
            .name(&r.name)
            .min_value(&r.min_value)
            .max_value(&r.max_value)
            .scaling_type(scaling(r.scaling_type))
            .build()
    });
    let categorical = ranges
        .categorical_parameter_ranges
        .iter()
        .map(|r| sdk::CategoricalParameterRange::builder().name(&r.name).set_values(Some(r.values.clone())).build());
    sdk::ParameterRanges::builder()
        .set_continuous_parameter_ranges(Some(continuous.collect()))
        .set_integer_parameter_ranges(Some(integer.collect()))
        .set_categorical_parameter_ranges(Some(categorical.collect()))
        .build()
}

fn scaling(scaling: ScalingType) -> sdk::HyperParameterScalingType {
    match scaling {
        ScalingType::Auto => sdk::HyperParameterScalingType::Auto,
        ScalingType::Linear => sdk::HyperParameterScalingType::Linear,
        ScalingType::Logarithmic => sdk::HyperParameterScalingType::Logarithmic,
        ScalingType::ReverseLogarithmic => sdk::HyperParameterScalingType::ReverseLogarithmic,
    }
}

fn definition(
    definition: &TuningTrainingJobDefinition,
) -> Result<sdk::HyperParameterTrainingJobDefinition, SageMakerError> {
    const AT: &str = "TrainingJobDefinition.";
    let spec = &definition.algorithm_specification;
    let algorithm = sdk::HyperParameterAlgorithmSpecification::builder()
        .training_image(&spec.training_image)
        .training_input_mode(parts::input_mode(spec.training_input_mode))
        .set_metric_definitions(parts::metric_definitions(&spec.metric_definitions));
    let built = sdk::HyperParameterTrainingJobDefinition::builder()
        .set_static_hyper_parameters(Some(definition.static_hyper_parameters.clone().into_iter().collect()))
        .algorithm_specification(algorithm.build())
        .role_arn(&definition.role_arn);
    Ok(parts::with_setup!(built, AT, &definition.setup).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_answers_give_state_counts_and_best_job() {
        let output = DescribeHyperParameterTuningJobOutput::builder()
            .hyper_parameter_tuning_job_status(sdk::HyperParameterTuningJobStatus::InProgress)
            .training_job_status_counters(
                sdk::TrainingJobStatusCounters::builder()
                    .completed(3)
                    .in_progress(2)
                    .stopped(1)
                    .retryable_error(1)
                    .non_retryable_error(1)
                    .build(),
            )
            .best_training_job(
                sdk::HyperParameterTrainingJobSummary::builder()
                    .training_job_name("t-002-aa")
                    .final_hyper_parameter_tuning_job_objective_metric(
                        sdk::FinalHyperParameterTuningJobObjectiveMetric::builder().value(0.75).build(),
                    )
                    .build(),
            )
            .build();
        let status = tuning_status("t", &output);
        assert_eq!(status.state, JobState::InProgress);
        assert_eq!(status.counts, TrainingJobCounts { completed: 3, in_progress: 2, stopped: 1, failed: 2 });
        assert_eq!(status.best, Some(BestTrainingJob { job: "t-002-aa".into(), objective: Some(0.75) }));
    }

    #[test]
    fn a_new_job_has_no_counts_and_no_best_job() {
        let output = DescribeHyperParameterTuningJobOutput::builder()
            .hyper_parameter_tuning_job_status(sdk::HyperParameterTuningJobStatus::InProgress)
            .build();
        let status = tuning_status("t", &output);
        assert_eq!((status.counts, status.best), (TrainingJobCounts::default(), None));
    }
}
