//! `runner --plugin /opt/mlpipe/plugin.so --container STEP`: the image's entry point inside a
//! SageMaker job, once the runner has parsed the step. Training (`train`, which SageMaker appends)
//! reads the job folder, trains the job's one model in a local experiment kept under
//! `/opt/ml/checkpoints` (synced to S3, so a restarted spot job resumes), and leaves the model's
//! files in `/opt/ml/model`; on failure the one-line error also goes to `/opt/ml/output/failure`,
//! where SageMaker shows it as the job's failure reason. Processing jobs (`reconcile`, `prepare`,
//! `infer`) run the step with the job's settings against the experiment's own root. Inside the
//! job every step runs on the [`LocalBackend`].

use std::sync::Arc;

use super::{export_sagemaker_hosts, write_failure, OptMl, ProcessingContract, TrainingContract};
use mlpipe_core::job::Job;
use mlpipe_core::pipeline::{self, Invocation, LocalBackend, Step};
use mlpipe_core::settings::Settings;
use mlpipe_core::Result;

/// Runs the steps SageMaker asked for. `request` is the command line's request (its settings path
/// unused: the job folder has the settings), or why `--container STEP` could not be read; either
/// way a failure is also written where SageMaker reads it.
///
/// # Errors
/// A malformed job folder, bad settings or hyperparameters, or a failing step.
pub fn run_in_container(request: Result<Invocation>) -> Result<()> {
    let opt_ml = OptMl::from_env();
    let result = request.and_then(|request| match request.steps.as_slice() {
        [Step::Train] => train(&request, &opt_ml),
        _ => process(request, &opt_ml),
    });
    if let Err(err) = &result {
        // Best effort: the error line is printed by main either way.
        let _ = write_failure(&opt_ml, &err.to_string());
    }
    result
}

fn train(request: &Invocation, opt_ml: &OptMl) -> Result<()> {
    let contract = TrainingContract::read(opt_ml)?;
    export_sagemaker_hosts(&contract);
    // The experiment lives under /opt/ml/checkpoints, which SageMaker syncs: a restarted spot
    // job finds its run there and resumes it (a tuning trial in a folder of its own).
    let root = contract.experiments_root(std::env::var("TRAINING_JOB_NAME").ok().as_deref());
    let local = contract.local_job(&root)?;
    let invocation = Invocation {
        plugin: request.plugin.clone(),
        settings: local.settings_path.clone(),
        overrides: local.overrides.clone(),
        steps: vec![Step::Train],
        force: false,
        resume: local.resume,
        run: None,
        trial: None,
        dry_run: false,
        verbose: request.verbose,
        quiet: request.quiet,
    };
    if let Some(run) = run_here(&invocation)? {
        let job = Job::open(Settings::load(&invocation.settings, &invocation.overrides)?)?;
        contract.export_model(&job, run)?;
        println!("container: run {run} exported to {}", opt_ml.model_dir().display());
    }
    Ok(())
}

fn process(mut invocation: Invocation, opt_ml: &OptMl) -> Result<()> {
    let contract = ProcessingContract::read(opt_ml)?;
    invocation.settings = contract.settings_path.clone();
    // The settings say `backend = sagemaker`, which outside meant "start a job", and must not
    // start another one here (the training contract adds the same override).
    invocation.overrides.push("training.backend=local".into());
    run_here(&invocation).map(|_| ())
}

/// Runs `invocation` in this container.
fn run_here(invocation: &Invocation) -> Result<Option<u64>> {
    pipeline::run_invocation(invocation, Arc::new(crate::Aws), &|_| Box::new(LocalBackend), &|line| println!("{line}"))
}
