//! `validate_tuning`: the fixture's tuning request passes; breaking one field at a time fails with
//! a message naming that field, and the setting behind it where there is one. One test per rule.

use super::fixture::{settings_from, tuning_request, tuning_spec, tuning_text};
use crate::sagemaker::{
    tuning_job_request, validate_tuning, CategoricalParameterRange, ContinuousParameterRange, EarlyStoppingType,
    HyperbandStrategyConfig, IntegerParameterRange, SageMakerError, ScalingType, StrategyConfig, Tag, TuningJobRequest,
    TuningStrategyType,
};

/// The message for the fixture's request after `change`.
fn refused(change: impl FnOnce(&mut TuningJobRequest)) -> String {
    let mut request = tuning_request();
    change(&mut request);
    let error = validate_tuning(&request).expect_err("the request should be refused");
    assert!(matches!(error, SageMakerError::Invalid { .. }));
    let message = error.to_string();
    assert!(!message.contains('\n'), "{message}");
    message
}

fn continuous(name: &str, min: &str, max: &str, scaling: ScalingType) -> ContinuousParameterRange {
    ContinuousParameterRange { name: name.into(), min_value: min.into(), max_value: max.into(), scaling_type: scaling }
}

fn categorical(name: &str, values: &[&str]) -> CategoricalParameterRange {
    CategoricalParameterRange { name: name.into(), values: values.iter().map(|v| v.to_string()).collect() }
}

fn hyperband(min: u32, max: u32) -> Option<StrategyConfig> {
    Some(StrategyConfig { hyperband_strategy_config: HyperbandStrategyConfig { min_resource: min, max_resource: max } })
}

#[test]
fn the_built_requests_are_valid() {
    validate_tuning(&tuning_request()).unwrap();
    for tuning in [
        "strategy = grid\nbatch_size = 16, 32\nepochs = 1 -> 30\n",
        "strategy = hyperband\nlearning_rate = 1e-5 -> 1e-3 log\n",
        "strategy = random\nwarmup_ratio = 0 -> 0.5 reverse_log\n",
    ] {
        let request = tuning_job_request(&settings_from(&tuning_text(tuning)), &tuning_spec()).unwrap();
        validate_tuning(&request).unwrap_or_else(|e| panic!("{tuning}: {e}"));
    }
}

#[test]
fn name_has_at_most_32_letters_digits_and_dashes() {
    assert_eq!(
        refused(|r| r.hyper_parameter_tuning_job_name = "x".repeat(33)),
        format!(
            "sagemaker request: HyperParameterTuningJobName = \"{}\": \
             expected 1 to 32 letters, digits and '-', starting and ending with a letter or digit",
            "x".repeat(33)
        )
    );
    assert!(refused(|r| r.hyper_parameter_tuning_job_name = "news_r3".into()).contains("HyperParameterTuningJobName"));
}

#[test]
fn objective_must_be_a_defined_metric() {
    let message = refused(|r| {
        r.hyper_parameter_tuning_job_config.hyper_parameter_tuning_job_objective.metric_name = "validation:f1".into()
    });
    assert!(message.starts_with(
        "sagemaker request: HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName = \
         \"validation:f1\": expected one of the metric definitions (train:loss, "
    ));
    assert!(message.ends_with("; set by training.objective_metric"), "{message}");
}

#[test]
fn grid_search_has_no_job_count() {
    assert_eq!(
        refused(|r| {
            let config = &mut r.hyper_parameter_tuning_job_config;
            config.strategy = TuningStrategyType::Grid;
            config.parameter_ranges.continuous_parameter_ranges.clear();
            config.parameter_ranges.integer_parameter_ranges.clear();
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs = \"12\": \
         grid search runs every combination of the choices: leave the job count out"
    );
}

#[test]
fn other_strategies_need_a_job_count() {
    assert_eq!(
        refused(|r| r.hyper_parameter_tuning_job_config.resource_limits.max_number_of_training_jobs = None),
        "sagemaker request: HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs = \"\": \
         expected a job count; set by tuning.max_jobs"
    );
}

#[test]
fn parallel_jobs_are_at_most_the_job_count() {
    assert_eq!(
        refused(|r| r.hyper_parameter_tuning_job_config.resource_limits.max_parallel_training_jobs = 13),
        "sagemaker request: HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs = \"13\": \
         expected 1 to MaxNumberOfTrainingJobs (12); set by tuning.max_parallel_jobs"
    );
    assert!(refused(|r| r.hyper_parameter_tuning_job_config.resource_limits.max_parallel_training_jobs = 0)
        .contains("MaxParallelTrainingJobs = \"0\""));
}

#[test]
fn at_least_one_range_is_needed() {
    assert_eq!(
        refused(|r| r.hyper_parameter_tuning_job_config.parameter_ranges = Default::default()),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges = \"\": \
         expected at least one range: the [tuning] section names no training key to search"
    );
}

#[test]
fn at_most_30_ranges_in_all() {
    assert_eq!(
        refused(|r| {
            let ranges = &mut r.hyper_parameter_tuning_job_config.parameter_ranges.continuous_parameter_ranges;
            ranges.extend((0..28).map(|i| continuous(&format!("training.bert.x{i}"), "0", "1", ScalingType::Auto)));
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges = \"31 ranges\": expected at most 30 ranges"
    );
}

#[test]
fn static_and_tuned_hyperparameters_are_at_most_100() {
    let message = refused(|r| {
        let statics = &mut r.training_job_definition.static_hyper_parameters;
        statics.extend((0..96).map(|i| (format!("plugin.k{i}"), "v".to_string())));
    });
    assert_eq!(
        message,
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges = \"101 hyperparameters\": \
         expected at most 100 static and tuned hyperparameters together"
    );
}

#[test]
fn a_hyperparameter_has_one_range() {
    assert_eq!(
        refused(|r| {
            let ranges = &mut r.hyper_parameter_tuning_job_config.parameter_ranges;
            ranges.categorical_parameter_ranges.push(categorical("training.bert.epochs", &["2", "3"]));
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges.Name = \"training.bert.epochs\": \
         a hyperparameter can have only one range"
    );
}

#[test]
fn a_tuned_hyperparameter_is_not_static() {
    assert_eq!(
        refused(|r| {
            let statics = &mut r.training_job_definition.static_hyper_parameters;
            statics.insert("training.bert.epochs".into(), "3".into());
        }),
        "sagemaker request: TrainingJobDefinition.StaticHyperParameters = \"training.bert.epochs\": \
         a tuned hyperparameter cannot also be a static one"
    );
}

#[test]
fn grid_search_takes_choices_only() {
    assert_eq!(
        refused(|r| {
            let config = &mut r.hyper_parameter_tuning_job_config;
            config.strategy = TuningStrategyType::Grid;
            config.resource_limits.max_number_of_training_jobs = None;
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges = \
         \"training.bert.learning_rate\": grid search takes lists of choices only, like `a, b, c`; \
         set by tuning.learning_rate"
    );
}

#[test]
fn range_bounds_are_ordered_numbers() {
    assert_eq!(
        refused(|r| {
            let range = &mut r.hyper_parameter_tuning_job_config.parameter_ranges.integer_parameter_ranges[0];
            range.min_value = "6".into();
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges.IntegerParameterRanges[0] = \"6 -> 6\": \
         expected MinValue < MaxValue; set by tuning.epochs"
    );
    assert_eq!(
        refused(|r| {
            let range = &mut r.hyper_parameter_tuning_job_config.parameter_ranges.integer_parameter_ranges[0];
            range.max_value = "6.5".into();
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges.IntegerParameterRanges[0].MaxValue = \
         \"6.5\": expected a 32-bit integer; set by tuning.epochs"
    );
    assert!(refused(|r| {
        let range = &mut r.hyper_parameter_tuning_job_config.parameter_ranges.continuous_parameter_ranges[0];
        range.min_value = "inf".into();
    })
    .ends_with(
        "ContinuousParameterRanges[0].MinValue = \"inf\": expected a decimal number; set by tuning.learning_rate"
    ));
}

#[test]
fn log_scaling_needs_a_positive_minimum() {
    assert_eq!(
        refused(|r| {
            let range = &mut r.hyper_parameter_tuning_job_config.parameter_ranges.continuous_parameter_ranges[0];
            range.min_value = "0".into();
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges[0] = \
         \"0 -> 0.001\": logarithmic scaling needs MinValue > 0; set by tuning.learning_rate"
    );
}

#[test]
fn reverse_log_scaling_needs_a_range_within_0_and_1() {
    assert_eq!(
        refused(|r| {
            let ranges = &mut r.hyper_parameter_tuning_job_config.parameter_ranges.continuous_parameter_ranges;
            ranges[0] = continuous("training.bert.warmup_ratio", "0", "1", ScalingType::ReverseLogarithmic);
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges[0] = \
         \"0 -> 1\": reverse logarithmic scaling needs 0 <= MinValue < MaxValue < 1; set by tuning.warmup_ratio"
    );
}

#[test]
fn integer_ranges_have_no_reverse_log_scaling() {
    assert_eq!(
        refused(|r| {
            let ranges = &mut r.hyper_parameter_tuning_job_config.parameter_ranges.integer_parameter_ranges;
            ranges[0] = IntegerParameterRange {
                name: "training.bert.epochs".into(),
                min_value: "0".into(),
                max_value: "1".into(),
                scaling_type: ScalingType::ReverseLogarithmic,
            };
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges.IntegerParameterRanges[0].ScalingType = \
         \"training.bert.epochs\": reverse logarithmic scaling is for real-valued ranges only; set by tuning.epochs"
    );
}

#[test]
fn categorical_ranges_have_1_to_30_values() {
    let values: Vec<String> = (0..31).map(|i| i.to_string()).collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    assert_eq!(
        refused(|r| {
            r.hyper_parameter_tuning_job_config.parameter_ranges.categorical_parameter_ranges[0] =
                categorical("training.bert.batch_size", &values);
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges.CategoricalParameterRanges[0].Values = \
         \"31 values\": expected 1 to 30 values; set by tuning.batch_size"
    );
    assert!(refused(|r| {
        r.hyper_parameter_tuning_job_config.parameter_ranges.categorical_parameter_ranges[0].values.clear();
    })
    .contains("Values = \"0 values\""));
}

#[test]
fn a_grid_over_more_than_30_integers_is_refused() {
    let settings = settings_from(&tuning_text("strategy = grid\nepochs = 1 -> 40\n"));
    let request = tuning_job_request(&settings, &tuning_spec()).unwrap();
    assert_eq!(
        validate_tuning(&request).unwrap_err().to_string(),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges.CategoricalParameterRanges[0].Values = \
         \"31 values\": expected 1 to 30 values; set by tuning.epochs"
    );
}

#[test]
fn categorical_values_are_distinct() {
    assert_eq!(
        refused(|r| {
            r.hyper_parameter_tuning_job_config.parameter_ranges.categorical_parameter_ranges[0] =
                categorical("training.bert.batch_size", &["16", "16"]);
        }),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges.CategoricalParameterRanges[0].Values = \
         \"16\": values must be distinct; set by tuning.batch_size"
    );
}

#[test]
fn a_strategy_config_is_only_for_hyperband() {
    assert_eq!(
        refused(|r| r.hyper_parameter_tuning_job_config.strategy_config = hyperband(1, 3)),
        "sagemaker request: HyperParameterTuningJobConfig.StrategyConfig = \"HyperbandStrategyConfig\": \
         only allowed with Strategy = Hyperband; set by tuning.strategy"
    );
}

/// The fixture's request as a valid Hyperband search (no tuned epochs, early stopping off).
fn as_hyperband(r: &mut TuningJobRequest) {
    let config = &mut r.hyper_parameter_tuning_job_config;
    config.strategy = TuningStrategyType::Hyperband;
    config.strategy_config = hyperband(1, 3);
    config.training_job_early_stopping_type = EarlyStoppingType::Off;
    config.parameter_ranges.integer_parameter_ranges.clear();
}

#[test]
fn hyperband_needs_its_resource_bounds() {
    let mut request = tuning_request();
    as_hyperband(&mut request);
    validate_tuning(&request).unwrap();
    assert_eq!(
        refused(|r| {
            as_hyperband(r);
            r.hyper_parameter_tuning_job_config.strategy_config = None;
        }),
        "sagemaker request: HyperParameterTuningJobConfig.StrategyConfig = \"\": \
         hyperband needs MinResource and MaxResource (epochs)"
    );
}

#[test]
fn hyperband_resources_are_1_to_20000_epochs_min_first() {
    assert_eq!(
        refused(|r| {
            as_hyperband(r);
            r.hyper_parameter_tuning_job_config.strategy_config = hyperband(1, 20_001);
        }),
        "sagemaker request: HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MaxResource = \
         \"20001\": expected 1 to 20000 epochs; set by training.epochs"
    );
    assert_eq!(
        refused(|r| {
            as_hyperband(r);
            r.hyper_parameter_tuning_job_config.strategy_config = hyperband(4, 3);
        }),
        "sagemaker request: HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource = \
         \"4\": expected at most MaxResource (3)"
    );
}

#[test]
fn hyperband_needs_early_stopping_off() {
    assert_eq!(
        refused(|r| {
            as_hyperband(r);
            r.hyper_parameter_tuning_job_config.training_job_early_stopping_type = EarlyStoppingType::Auto;
        }),
        "sagemaker request: HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType = \"Auto\": \
         hyperband stops jobs itself and needs Off; set by tuning.early_stopping"
    );
}

#[test]
fn the_target_objective_is_finite() {
    assert_eq!(
        refused(|r| {
            let criteria = r.hyper_parameter_tuning_job_config.tuning_job_completion_criteria.as_mut().unwrap();
            criteria.target_objective_metric_value = Some(f32::INFINITY);
        }),
        "sagemaker request: HyperParameterTuningJobConfig.TuningJobCompletionCriteria.TargetObjectiveMetricValue = \
         \"inf\": expected a finite 32-bit number; set by tuning.target_objective"
    );
}

#[test]
fn jobs_without_improvement_are_at_least_3() {
    let settings = settings_from(&tuning_text("max_jobs_without_improvement = 2\nepochs = 2 -> 6\n"));
    let request = tuning_job_request(&settings, &tuning_spec()).unwrap();
    assert_eq!(
        validate_tuning(&request).unwrap_err().to_string(),
        "sagemaker request: HyperParameterTuningJobConfig.TuningJobCompletionCriteria.BestObjectiveNotImproving.\
         MaxNumberOfTrainingJobsNotImproving = \"2\": expected at least 3; set by tuning.max_jobs_without_improvement"
    );
}

#[test]
fn the_training_job_definition_gets_the_training_job_checks() {
    assert_eq!(
        refused(|r| r.training_job_definition.setup.resource_config.instance_type = "m5.large".into()),
        "sagemaker request: TrainingJobDefinition.ResourceConfig.InstanceType = \"m5.large\": \
         expected an instance type like ml.m5.xlarge"
    );
    assert!(refused(|r| r.training_job_definition.role_arn = "SageMakerRole".into())
        .starts_with("sagemaker request: TrainingJobDefinition.RoleArn = \"SageMakerRole\""));
    assert!(refused(|r| r.training_job_definition.setup.stopping_condition.max_wait_time_in_seconds = Some(60))
        .starts_with("sagemaker request: TrainingJobDefinition.StoppingCondition.MaxWaitTimeInSeconds = \"60\""));
    assert!(refused(|r| r.training_job_definition.setup.checkpoint_config = None)
        .starts_with("sagemaker request: TrainingJobDefinition.CheckpointConfig = \"\""));
    assert!(refused(|r| r.training_job_definition.algorithm_specification.metric_definitions[0].regex = "x".into())
        .starts_with("sagemaker request: TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions[0].Regex"));
    assert!(refused(|r| r.training_job_definition.setup.output_data_config.s3_output_path = "/tmp".into())
        .starts_with("sagemaker request: TrainingJobDefinition.OutputDataConfig.S3OutputPath"));
}

#[test]
fn the_definition_has_at_most_48_environment_variables() {
    assert_eq!(
        refused(|r| {
            let env = &mut r.training_job_definition.setup.environment;
            env.extend((0..48).map(|i| (format!("V{i}"), String::new())));
        }),
        "sagemaker request: TrainingJobDefinition.Environment = \"49 variables\": expected at most 48 variables"
    );
}

#[test]
fn tags_are_checked() {
    assert!(refused(|r| r.tags.push(Tag::new("", "x"))).starts_with("sagemaker request: Tags[3].Key"));
}
