//! `[training] backend = sagemaker`: the steps run as SageMaker jobs from the one image, with
//! data and results on the experiment's S3 root. `train` allocates the run (settings snapshot
//! included) and starts one training job per model, waits for each (status transitions printed,
//! Ctrl-C stops the job), then unpacks the job's `model.tar.gz` into the run folder, so a remote
//! run leaves the same layout as a local one; `tune` does the same with one tuning job per model
//! (see [`crate::sagemaker_tuning`]). `reconcile`, `prepare` and `infer` become processing jobs
//! that run the step against the same root. `--dry-run` prints every request as the JSON that
//! would be sent, after the same local validation, and sends nothing.

use crate::cli::Step;
use crate::invocation::Invocation;
use mlpipe_aws::sagemaker::{
    dry_run_json, processing_job_request, training_job_request, utc_stamp, validate_processing, validate_training,
    JobRequest, JobStatus, ProcessingJob, ProcessingJobSpec, ProcessingStep, SageMaker, SageMakerClientConfig,
    SageMakerError, TrainingJob, TrainingJobSpec,
};
use mlpipe_core::job::Job;
use mlpipe_core::layout::{list_runs, RunLayout};
use mlpipe_core::settings::Root;
use mlpipe_core::steps;
use mlpipe_core::{Error, Result};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Runs `requested` on SageMaker; returns the run `train` made.
///
/// # Errors
/// A local root, an invalid request (before anything is sent), a failed or stopped job, or an
/// artifact that cannot be fetched.
pub fn run_steps(invocation: &Invocation, job: &Job, requested: &[Step]) -> Result<Option<u64>> {
    if !matches!(job.settings.experiment.root, Root::S3 { .. }) {
        return Err(Error::Unsupported {
            what: format!(
                "training.backend = sagemaker needs experiment.root = s3://…, not {}: the jobs read and write the experiment on S3",
                job.settings.experiment.root
            ),
        });
    }
    let experiment_uri = job.storage.uri(&job.layout.prefix()).trim_end_matches('/').to_string();
    let now = SystemTime::now();
    let client = match invocation.dry_run {
        true => None,
        false => Some(SageMaker::new(&client_config(&job.settings.sagemaker.region)).map_err(aws)?),
    };
    let mut trained = None;
    for &step in requested {
        let processing = match step {
            Step::Reconcile => ProcessingStep::Reconcile,
            Step::Prepare => ProcessingStep::Prepare,
            Step::Infer => ProcessingStep::Infer,
            Step::Train => {
                trained = train(invocation, job, &experiment_uri, now, client.as_ref())?;
                continue;
            }
            Step::Tune => {
                trained = crate::sagemaker_tuning::tune(invocation, job, &experiment_uri, now, client.as_ref())?;
                continue;
            }
            Step::All => unreachable!("filtered by the caller"),
        };
        let name = format!("{}-{}", processing.as_str(), utc_stamp(now));
        let settings_key = job.layout.job_settings(&name)?;
        let spec = ProcessingJobSpec {
            experiment_uri: experiment_uri.clone(),
            settings_uri: job.storage.uri(&settings_key),
            step: processing,
            run: match step {
                // Like local inference: the run just trained (or that a dry run would make), else
                // the newest.
                Step::Infer => match invocation.run.or(trained) {
                    Some(num) => Some(num),
                    None => list_runs(job.storage.as_ref(), &job.layout)?.into_iter().max(),
                },
                _ => None,
            },
            now,
        };
        let request = processing_job_request(&job.settings, &spec).map_err(aws)?;
        let Some(client) = validated_client(&request, validate_processing, client.as_ref())? else { continue };
        job.storage.put(&settings_key, job.settings.to_ini().as_bytes())?;
        let name = request.processing_job_name.clone();
        client.create_job::<ProcessingJob>(&request).map_err(aws)?;
        println!("{}: SageMaker processing job {name} started", processing.as_str());
        client.wait_job_or_stop::<ProcessingJob>(&name, &mut |status| progress(&name, status)).map_err(aws)?;
        println!("{}: SageMaker processing job {name} completed", processing.as_str());
    }
    Ok(trained)
}

/// One training job per model of the run, one after the other.
fn train(
    invocation: &Invocation,
    job: &Job,
    experiment_uri: &str,
    now: SystemTime,
    client: Option<&SageMaker>,
) -> Result<Option<u64>> {
    let run = open_run(invocation, job, client.is_some())?;
    let run_uri = run_uri(job, &run);
    for model in &job.settings.experiment.model_names {
        let spec = model_spec(experiment_uri, &run_uri, &run, model, now);
        let request = training_job_request(&job.settings, &spec).map_err(aws)?;
        let Some(client) = validated_client(&request, validate_training, client)? else { continue };
        let name = request.training_job_name.clone();
        client.create_job::<TrainingJob>(&request).map_err(aws)?;
        println!("train: {model}: SageMaker training job {name} started (run {})", run.num());
        let status =
            client.wait_job_or_stop::<TrainingJob>(&name, &mut |status| progress(&name, status)).map_err(aws)?;
        let artifacts = status.model_artifacts.clone().ok_or_else(|| Error::Cloud {
            what: format!("SageMaker training job {name} completed without model artifacts"),
        })?;
        let files = fetch_model(job, &run, model, &artifacts)?;
        println!("train: {model}: {files} files from {artifacts} in {}", job.storage.uri(&run.training_dir(model)?));
    }
    Ok(Some(run.num()))
}

/// The run the jobs write to: allocated (or the `--resume` run reopened) when `sending`; a dry
/// run writes nothing, and its requests name the run a real one would allocate.
pub(crate) fn open_run(invocation: &Invocation, job: &Job, sending: bool) -> Result<RunLayout> {
    if sending {
        return steps::open_run(job, invocation.resume);
    }
    Ok(match invocation.resume {
        Some(num) => job.layout.run(num),
        None => {
            let last = list_runs(job.storage.as_ref(), &job.layout)?.into_iter().max().unwrap_or(0);
            job.layout.run(last + 1)
        }
    })
}

/// The run folder's URI without the trailing `/`, as job specs take it.
pub(crate) fn run_uri(job: &Job, run: &RunLayout) -> String {
    job.storage.uri(&run.prefix()).trim_end_matches('/').to_string()
}

/// The spec of `model`'s job in `run` (at `run_uri`), as the settings give it: no overrides and no
/// extra environment.
pub(crate) fn model_spec(
    experiment_uri: &str,
    run_uri: &str,
    run: &RunLayout,
    model: &str,
    now: SystemTime,
) -> TrainingJobSpec {
    TrainingJobSpec {
        experiment_uri: experiment_uri.to_string(),
        run_uri: run_uri.to_string(),
        run: run.num(),
        model: model.to_string(),
        overrides: Vec::new(),
        extra_env: Vec::new(),
        now,
    }
}

/// Validates `request` locally; then the client to send it with, or `None` after printing it as
/// JSON on a dry run (no client).
///
/// # Errors
/// An invalid request (a usage error: nothing was sent).
pub(crate) fn validated_client<'c, R: JobRequest>(
    request: &R,
    validate: impl FnOnce(&R) -> std::result::Result<(), SageMakerError>,
    client: Option<&'c SageMaker>,
) -> Result<Option<&'c SageMaker>> {
    validate(request).map_err(aws)?;
    if client.is_none() {
        println!("{}", dry_run_json(request));
    }
    Ok(client)
}

fn progress(name: &str, status: &JobStatus) {
    match &status.secondary_status {
        Some(secondary) => println!("sagemaker: {name}: {} ({secondary})", status.state.as_str()),
        None => println!("sagemaker: {name}: {}", status.state.as_str()),
    }
}

/// Downloads the job's `model.tar.gz` (inside the experiment root) and stores its files in the
/// model's training folder of the run. Returns how many files were stored.
pub(crate) fn fetch_model(job: &Job, run: &RunLayout, model: &str, artifacts: &str) -> Result<usize> {
    let root = job.storage.uri("");
    let key = artifacts.strip_prefix(&root).ok_or_else(|| Error::Cloud {
        what: format!("the model artifacts {artifacts} are outside the experiment root {root}"),
    })?;
    let scratch = mlpipe_core::scratch::scratch("mlpipe-sagemaker")?;
    let work = scratch.path();
    let archive = work.join("model.tar.gz");
    job.storage.get_file(key, &archive)?;
    let unpacked = work.join("model");
    crate::model_archive::unpack(&archive, artifacts, &unpacked)?;
    let dir = run.training_dir(model)?;
    let mut stored = 0;
    for file in walk(&unpacked)? {
        let relative =
            file.strip_prefix(&unpacked).expect("walked under unpacked").to_string_lossy().replace('\\', "/");
        job.storage.put_file(&format!("{dir}{relative}"), &file)?;
        stored += 1;
    }
    Ok(stored)
}

fn walk(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    let io = |source| Error::Io { path: dir.to_path_buf(), source };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            files.extend(walk(&path)?);
        } else {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The client for `region`: the standard credential chain; `AWS_ENDPOINT_URL_SAGEMAKER` or
/// `AWS_ENDPOINT_URL` (an emulator), `MLPIPE_AWS_MAX_ATTEMPTS` and `MLPIPE_SAGEMAKER_POLL_SECS`
/// (default 30) when set.
fn client_config(region: &str) -> SageMakerClientConfig {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let mut config = SageMakerClientConfig::new(region);
    config.endpoint_url = var("AWS_ENDPOINT_URL_SAGEMAKER").or_else(|| var("AWS_ENDPOINT_URL"));
    if let Some(attempts) = var("MLPIPE_AWS_MAX_ATTEMPTS").and_then(|v| v.parse().ok()) {
        config.max_attempts = attempts;
    }
    if let Some(secs) = var("MLPIPE_SAGEMAKER_POLL_SECS").and_then(|v| v.parse().ok()) {
        config.poll_interval = Duration::from_secs(secs);
    }
    config
}

/// Request mistakes are usage errors (exit 2, nothing was sent); the rest failed remotely.
pub(crate) fn aws(err: SageMakerError) -> Error {
    match err {
        SageMakerError::Invalid { .. } | SageMakerError::MissingSetting { .. } => {
            Error::Unsupported { what: err.to_string() }
        }
        other => Error::Cloud { what: other.to_string() },
    }
}
