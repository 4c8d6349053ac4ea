//! `runner --plugin /opt/mlpipe/plugin.so --container STEP`: the image's entry point inside a
//! SageMaker job. Training (`train`, which SageMaker appends) reads the job folder through
//! [`mlpipe_core::container`], trains the job's one model in a local experiment kept under
//! `/opt/ml/checkpoints` (synced to S3, so a restarted spot job resumes), and leaves the model's
//! files in `/opt/ml/model`; on failure the one-line error also goes to `/opt/ml/output/failure`,
//! where SageMaker shows it as the job's failure reason. Processing jobs (`reconcile`, `prepare`,
//! `infer`) run the step with the job's settings against the experiment's own root.

use crate::cli::{Cli, Step};
use crate::invocation;
use crate::run::run_invocation;
use clap::ValueEnum;
use mlpipe_core::container::{export_sagemaker_hosts, write_failure, OptMl, ProcessingContract, TrainingContract};
use mlpipe_core::job::Job;
use mlpipe_core::pipeline::{self as pipeline, Invocation};
use mlpipe_core::settings::Settings;
use mlpipe_core::{Error, Result};

/// Runs the steps SageMaker asked for.
///
/// # Errors
/// A malformed job folder, bad settings or hyperparameters, or a failing step.
pub fn run(cli: &Cli) -> Result<()> {
    let opt_ml = OptMl::from_env();
    let result = container_steps(cli).and_then(|steps| match steps.as_slice() {
        [Step::Train] => train(cli, &opt_ml),
        _ => process(cli, &opt_ml, steps),
    });
    if let Err(err) = &result {
        // Best effort: the error line is printed by main either way.
        let _ = write_failure(&opt_ml, &err.to_string());
    }
    result
}

/// SageMaker passes the step where the settings path would be: `--container train`.
fn container_steps(cli: &Cli) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    if let Some(first) = &cli.settings {
        let text = first.to_string_lossy();
        let step = Step::from_str(&text, true).map_err(|_| Error::Unsupported {
            what: format!("--container: {text:?} is not a step (train, reconcile, prepare, infer)"),
        })?;
        steps.push(step);
    }
    steps.extend(cli.steps.iter().copied());
    if steps.is_empty() {
        return Err(Error::Unsupported { what: "--container needs a step (SageMaker training passes `train`)".into() });
    }
    if steps.contains(&Step::Train) && steps.len() > 1 {
        return Err(Error::Unsupported { what: "--container train runs alone (one training job per model)".into() });
    }
    Ok(steps)
}

fn train(cli: &Cli, opt_ml: &OptMl) -> Result<()> {
    let contract = TrainingContract::read(opt_ml)?;
    export_sagemaker_hosts(&contract);
    // The experiment lives under /opt/ml/checkpoints, which SageMaker syncs: a restarted spot
    // job finds its run there and resumes it (a tuning trial in a folder of its own).
    let root = contract.experiments_root(std::env::var("TRAINING_JOB_NAME").ok().as_deref());
    let local = contract.local_job(&root)?;
    let invocation = Invocation {
        plugin: cli.plugin.clone(),
        settings: local.settings_path.clone(),
        overrides: local.overrides.clone(),
        steps: vec![pipeline::Step::Train],
        force: false,
        resume: local.resume,
        run: None,
        trial: None,
        dry_run: false,
        verbose: cli.verbose,
        quiet: cli.quiet,
    };
    if let Some(run) = run_invocation(&invocation)? {
        let job = Job::open(Settings::load(&invocation.settings, &invocation.overrides)?)?;
        contract.export_model(&job, run)?;
        println!("container: run {run} exported to {}", opt_ml.model_dir().display());
    }
    Ok(())
}

fn process(cli: &Cli, opt_ml: &OptMl, steps: Vec<Step>) -> Result<()> {
    let contract = ProcessingContract::read(opt_ml)?;
    let mut invocation = invocation::from_cli(cli, contract.settings_path.clone());
    invocation.overrides = run_here(invocation.overrides);
    invocation.steps = invocation::steps(&steps);
    run_invocation(&invocation).map(|_| ())
}

/// Inside the job the step runs here: the settings say `backend = sagemaker`, which outside meant
/// "start a job", and must not start another one (the training contract adds the same override).
fn run_here(mut overrides: Vec<String>) -> Vec<String> {
    overrides.push("training.backend=local".into());
    overrides
}
