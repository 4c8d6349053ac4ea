//! `[training] backend = sagemaker`: the steps run as SageMaker jobs from the one image, with
//! data and results on the experiment's S3 root. `train` allocates the run (settings snapshot
//! included) and starts one training job per model, waits for each (status transitions printed,
//! Ctrl-C stops the job), then unpacks the job's `model.tar.gz` into the run folder, so a remote
//! run leaves the same layout as a local one; `tune` does the same with one tuning job per model
//! (see `tune`). `reconcile`, `prepare` and `infer` become processing jobs
//! that run the step against the same root. `--dry-run` prints every request as the JSON that
//! would be sent, after the same local validation, and sends nothing.

use super::support::{aws, client_config, progress, validated_client, StepContext};
use super::train::train;
use super::tune::tune;
use crate::sagemaker::{
    processing_job_request, utc_stamp, ProcessingJob, ProcessingJobSpec, ProcessingStep, SageMaker,
};
use mlpipe_core::job::Job;
use mlpipe_core::layout::list_runs;
use mlpipe_core::pipeline::{Backend, Invocation, Say, Step};
use mlpipe_core::plugin::Plugin;
use mlpipe_core::settings::Root;
use mlpipe_core::{Error, Result};
use std::time::SystemTime;

/// The SageMaker backend: `reconcile`, `prepare` and `infer` as processing jobs, `train` as one
/// training job per model, `tune` as one tuning job per model, all from the one image.
#[derive(Debug, Clone, Copy, Default)]
pub struct SageMakerBackend;

impl Backend for SageMakerBackend {
    /// Runs the steps as SageMaker jobs, one after the other; a dry run hands each request to `say`.
    ///
    /// # Errors
    ///
    /// A local experiment root, an invalid request (before anything is sent), a failed or
    /// stopped job, or an artifact that cannot be fetched.
    fn run_steps(
        &self,
        invocation: &Invocation,
        job: &Job,
        _plugin: &Plugin,
        steps: &[Step],
        say: &Say,
    ) -> Result<Option<u64>> {
        if !matches!(job.settings.experiment.root, Root::S3 { .. }) {
            return Err(Error::Unsupported {
                what: format!(
                    "training.backend = sagemaker needs experiment.root = s3://…, not {}: the jobs read and write the experiment on S3",
                    job.settings.experiment.root
                ),
            });
        }
        let client = match invocation.dry_run {
            true => None,
            false => Some(SageMaker::new(&client_config(&job.settings.sagemaker.region)).map_err(aws)?),
        };
        let experiment_uri = job.storage.uri(&job.layout.prefix()).trim_end_matches('/').to_string();
        let ctx = StepContext { invocation, job, experiment_uri, now: SystemTime::now(), client, say };
        let mut trained = None;
        for &step in steps {
            match step {
                Step::Reconcile => process(&ctx, ProcessingStep::Reconcile, None)?,
                Step::Prepare => process(&ctx, ProcessingStep::Prepare, None)?,
                Step::Infer => process(&ctx, ProcessingStep::Infer, trained)?,
                Step::Train => trained = train(&ctx)?,
                Step::Tune => trained = tune(&ctx)?,
            }
        }
        Ok(trained)
    }
}

/// Runs `step` as a processing job; `infer` evaluates `--run`, else the run just trained (or
/// that a dry run would make), else the newest, like local inference.
fn process(ctx: &StepContext, step: ProcessingStep, trained: Option<u64>) -> Result<()> {
    let job = ctx.job;
    let name = format!("{}-{}", step.as_str(), utc_stamp(ctx.now));
    let settings_key = job.layout.job_settings(&name)?;
    let run = match step {
        ProcessingStep::Infer => match ctx.invocation.run.or(trained) {
            Some(num) => Some(num),
            None => list_runs(job.storage.as_ref(), &job.layout)?.into_iter().max(),
        },
        _ => None,
    };
    let spec = ProcessingJobSpec {
        experiment_uri: ctx.experiment_uri.clone(),
        settings_uri: job.storage.uri(&settings_key),
        step,
        run,
        now: ctx.now,
    };
    let request_body = processing_job_request(&job.settings, &spec).map_err(aws)?;
    let Some(client) = validated_client::<ProcessingJob>(&request_body, ctx.client.as_ref(), ctx.say)? else {
        return Ok(());
    };
    job.storage.put(&settings_key, job.settings.to_ini().as_bytes())?;
    let name = request_body.processing_job_name.clone();
    client.create_job::<ProcessingJob>(&request_body).map_err(aws)?;
    (ctx.say)(&format!("{}: SageMaker processing job {name} started", step.as_str()));
    client.wait_job_or_stop::<ProcessingJob>(&name, &mut |status| progress(&name, status, ctx.say)).map_err(aws)?;
    (ctx.say)(&format!("{}: SageMaker processing job {name} completed", step.as_str()));
    Ok(())
}
