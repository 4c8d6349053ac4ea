//! `tuning_job_request`: `[tuning]` becomes the tuning job config field by field, the training job
//! definition is the model's training job request, and the JSON has the API's names.

use serde_json::{json, Value};

use super::fixture::{self, settings_from, tuning_spec, tuning_text, TUNING};
use crate::sagemaker::{
    dry_run_json, training_job_request, tuning_job_request, ObjectiveType, Tag, TuningJobRequest, TuningStrategyType,
};

fn request(tuning: &str) -> TuningJobRequest {
    tuning_job_request(&settings_from(&tuning_text(tuning)), &tuning_spec()).unwrap()
}

fn json_of(request: &TuningJobRequest) -> Value {
    serde_json::from_str(&dry_run_json(request)).unwrap()
}

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn config_json_has_every_range_kind_log_scaling_early_stopping_and_completion_criteria() {
    let json = json_of(&fixture::tuning_request());
    // Expected by hand from the API reference's CreateHyperParameterTuningJob request syntax; the
    // bounds are Rust's Display of 1e-5 and 1e-3 (no exponent), the target 0.9 as a 32-bit float.
    assert_eq!(
        json["HyperParameterTuningJobConfig"],
        json!({
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:macro_f1"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 12, "MaxParallelTrainingJobs": 3},
            "ParameterRanges": {
                "ContinuousParameterRanges": [{
                    "Name": "training.bert.learning_rate",
                    "MinValue": "0.00001",
                    "MaxValue": "0.001",
                    "ScalingType": "Logarithmic"
                }],
                "IntegerParameterRanges": [{
                    "Name": "training.bert.epochs", "MinValue": "2", "MaxValue": "6", "ScalingType": "Auto"
                }],
                "CategoricalParameterRanges": [{"Name": "training.bert.batch_size", "Values": ["16", "32"]}]
            },
            "TrainingJobEarlyStoppingType": "Auto",
            "TuningJobCompletionCriteria": {
                "TargetObjectiveMetricValue": 0.9,
                "BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 5}
            }
        })
    );
}

#[test]
fn json_has_the_create_hyper_parameter_tuning_job_fields() {
    let json = json_of(&fixture::tuning_request());
    let mut top = keys(&json);
    top.sort_unstable();
    assert_eq!(top, ["HyperParameterTuningJobConfig", "HyperParameterTuningJobName", "Tags", "TrainingJobDefinition"]);
    let mut definition = keys(&json["TrainingJobDefinition"]);
    definition.sort_unstable();
    assert_eq!(
        definition,
        [
            "AlgorithmSpecification",
            "CheckpointConfig",
            "EnableManagedSpotTraining",
            "Environment",
            "InputDataConfig",
            "OutputDataConfig",
            "ResourceConfig",
            "RoleArn",
            "StaticHyperParameters",
            "StoppingCondition",
        ]
    );
    let mut algorithm = keys(&json["TrainingJobDefinition"]["AlgorithmSpecification"]);
    algorithm.sort_unstable();
    assert_eq!(algorithm, ["MetricDefinitions", "TrainingImage", "TrainingInputMode"]);
    assert_eq!(json["TrainingJobDefinition"]["Environment"], json!({"USE_SMDEBUG": "0"}));
    assert_eq!(
        json["TrainingJobDefinition"]["StaticHyperParameters"],
        json!({"mlpipe.model": "bert", "mlpipe.run": "3"})
    );
}

#[test]
fn the_definition_is_the_models_training_job_request() {
    let settings = settings_from(&tuning_text(TUNING));
    let training = training_job_request(&settings, &tuning_spec()).unwrap();
    let tuning = tuning_job_request(&settings, &tuning_spec()).unwrap();
    let definition = &tuning.training_job_definition;
    assert_eq!(tuning.hyper_parameter_tuning_job_name, "news-r3-bert-240229123456");
    assert_eq!(definition.role_arn, training.role_arn);
    assert_eq!(definition.algorithm_specification.training_image, training.algorithm_specification.training_image);
    assert_eq!(
        definition.algorithm_specification.metric_definitions,
        training.algorithm_specification.metric_definitions
    );
    assert_eq!(definition.setup.input_data_config, training.setup.input_data_config);
    assert_eq!(definition.setup.output_data_config, training.setup.output_data_config);
    assert_eq!(definition.setup.resource_config, training.setup.resource_config);
    assert_eq!(definition.setup.stopping_condition, training.setup.stopping_condition);
    assert_eq!(definition.setup.enable_managed_spot_training, training.setup.enable_managed_spot_training);
    assert_eq!(definition.setup.checkpoint_config, training.setup.checkpoint_config);
    assert_eq!(definition.setup.environment, training.setup.environment);
    assert_eq!(definition.static_hyper_parameters, training.hyper_parameters);
    assert_eq!(
        tuning.tags,
        [Tag::new("mlpipe:experiment", "news"), Tag::new("mlpipe:run", 3), Tag::new("mlpipe:model", "bert")]
    );
}

#[test]
fn tuned_keys_are_not_static_hyperparameters() {
    let mut spec = tuning_spec();
    spec.overrides =
        vec![("training.bert.learning_rate".into(), "3e-05".into()), ("training.warmup_ratio".into(), "0.1".into())];
    let request = tuning_job_request(&settings_from(&tuning_text(TUNING)), &spec).unwrap();
    let statics: Vec<&str> =
        request.training_job_definition.static_hyper_parameters.keys().map(String::as_str).collect();
    assert_eq!(statics, ["mlpipe.model", "mlpipe.run", "training.warmup_ratio"]);
}

#[test]
fn grid_search_leaves_the_job_count_out() {
    let request = request("strategy = grid\nmax_parallel_jobs = 2\nbatch_size = 16, 32, 64\n");
    let config = &request.hyper_parameter_tuning_job_config;
    assert_eq!(config.strategy, TuningStrategyType::Grid);
    assert_eq!(config.resource_limits.max_number_of_training_jobs, None);
    assert_eq!(
        json_of(&request)["HyperParameterTuningJobConfig"]["ResourceLimits"],
        json!({"MaxParallelTrainingJobs": 2})
    );
}

#[test]
fn grid_search_lists_the_integers_of_an_integer_range() {
    let request = request("strategy = grid\nepochs = 2 -> 4\nbatch_size = 16, 32\n");
    let json = json_of(&request);
    assert_eq!(
        json["HyperParameterTuningJobConfig"]["ParameterRanges"],
        json!({"CategoricalParameterRanges": [
            {"Name": "training.bert.epochs", "Values": ["2", "3", "4"]},
            {"Name": "training.bert.batch_size", "Values": ["16", "32"]}
        ]})
    );
}

#[test]
fn hyperband_spends_the_models_epochs() {
    let text =
        tuning_text("strategy = hyperband\nlearning_rate = 1e-5 -> 1e-3 log\n") + "[training.bert]\nepochs = 8\n";
    let request = tuning_job_request(&settings_from(&text), &tuning_spec()).unwrap();
    let json = json_of(&request);
    assert_eq!(json["HyperParameterTuningJobConfig"]["Strategy"], "Hyperband");
    assert_eq!(
        json["HyperParameterTuningJobConfig"]["StrategyConfig"],
        json!({"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 8}})
    );
    assert_eq!(json["HyperParameterTuningJobConfig"]["TrainingJobEarlyStoppingType"], "Off");
    assert!(json["HyperParameterTuningJobConfig"].get("TuningJobCompletionCriteria").is_none());
}

#[test]
fn hyperband_refuses_to_tune_epochs() {
    // Settings files cannot say this (the settings check refuses it too); settings built in code can.
    let mut settings = settings_from(&tuning_text("epochs = 2 -> 6\n"));
    settings.tuning.strategy = mlpipe_core::settings::TuningStrategy::Hyperband;
    let error = tuning_job_request(&settings, &tuning_spec()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "sagemaker request: HyperParameterTuningJobConfig.ParameterRanges = \"training.bert.epochs\": \
         hyperband decides how many epochs each job trains: drop tuning.epochs or use another strategy"
    );
}

#[test]
fn a_loss_objective_is_minimized() {
    let text = tuning_text("weight_decay = 0 -> 0.1\n")
        .replace("backend = sagemaker\n", "backend = sagemaker\nobjective_metric = validation:loss\n");
    let request = tuning_job_request(&settings_from(&text), &tuning_spec()).unwrap();
    let objective = &request.hyper_parameter_tuning_job_config.hyper_parameter_tuning_job_objective;
    assert_eq!(
        (objective.objective_type, objective.metric_name.as_str()),
        (ObjectiveType::Minimize, "validation:loss")
    );
}

#[test]
fn each_model_gets_its_own_job_and_hyperparameter_names() {
    let mut spec = tuning_spec();
    spec.model = "minilm".into();
    let request = tuning_job_request(&settings_from(&tuning_text(TUNING)), &spec).unwrap();
    assert_eq!(request.hyper_parameter_tuning_job_name, "news-r3-minilm-240229123456");
    let names: Vec<&str> = request.hyper_parameter_tuning_job_config.parameter_ranges.names().collect();
    assert_eq!(names, ["training.minilm.learning_rate", "training.minilm.epochs", "training.minilm.batch_size"]);
}
