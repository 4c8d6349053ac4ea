//! Step `train` on SageMaker: the run is allocated (or the `--resume` run reopened) as a local
//! `train` does, then one training job per model runs after the other, and each job's
//! `model.tar.gz` is unpacked into the model's training folder of the run, so a remote run leaves
//! the same layout as a local one.

use super::model_archive;
use super::support::{aws, progress, validated_client, StepContext};
use crate::sagemaker::{training_job_request, TrainingJob, TrainingJobSpec};
use mlpipe_core::job::Job;
use mlpipe_core::layout::sagemaker as sagemaker_layout;
use mlpipe_core::layout::{list_runs, RunLayout};
use mlpipe_core::pipeline::Invocation;
use mlpipe_core::steps;
use mlpipe_core::{Error, Result};
use std::path::Path;
use std::time::SystemTime;

/// One training job per model of the run, one after the other.
pub(super) fn train(ctx: &StepContext) -> Result<Option<u64>> {
    let (invocation, job, client, say) = (ctx.invocation, ctx.job, ctx.client.as_ref(), ctx.say);
    let run = open_run(invocation, job, client.is_some())?;
    let run_uri = run_uri(job, &run);
    for model in &job.settings.experiment.model_names {
        let spec = model_spec(&ctx.experiment_uri, &run_uri, &run, model, ctx.now);
        let request = training_job_request(&job.settings, &spec).map_err(aws)?;
        let Some(client) = validated_client::<TrainingJob>(&request, client, say)? else { continue };
        let name = request.training_job_name.clone();
        client.create_job::<TrainingJob>(&request).map_err(aws)?;
        say(&format!("train: {model}: SageMaker training job {name} started (run {})", run.num()));
        let status =
            client.wait_job_or_stop::<TrainingJob>(&name, &mut |status| progress(&name, status, say)).map_err(aws)?;
        let artifacts = status.model_artifacts.clone().ok_or_else(|| Error::Cloud {
            what: format!("SageMaker training job {name} completed without model artifacts"),
        })?;
        let files = fetch_model(job, &run, model, &artifacts)?;
        say(&format!(
            "train: {model}: {files} files from {artifacts} in {}",
            job.storage.uri(&run.training_dir(model)?)
        ));
    }
    Ok(Some(run.num()))
}

/// The run the jobs write to: allocated (or the `--resume` run reopened) when `sending`; a dry
/// run writes nothing, and its requests name the run a real one would allocate.
pub(super) fn open_run(invocation: &Invocation, job: &Job, sending: bool) -> Result<RunLayout> {
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
pub(super) fn run_uri(job: &Job, run: &RunLayout) -> String {
    job.storage.uri(&run.prefix()).trim_end_matches('/').to_string()
}

/// The spec of `model`'s job in `run` (at `run_uri`), as the settings give it: no overrides and no
/// extra environment.
pub(super) fn model_spec(
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

/// Downloads the job's `model.tar.gz` (inside the experiment root) and stores its files in the
/// model's training folder of the run. Returns how many files were stored.
pub(super) fn fetch_model(job: &Job, run: &RunLayout, model: &str, artifacts: &str) -> Result<usize> {
    let root = job.storage.uri("");
    let key = artifacts.strip_prefix(&root).ok_or_else(|| Error::Cloud {
        what: format!("the model artifacts {artifacts} are outside the experiment root {root}"),
    })?;
    let scratch = mlpipe_core::scratch::scratch("mlpipe-sagemaker")?;
    let work = scratch.path();
    let archive = work.join(sagemaker_layout::MODEL_ARCHIVE);
    job.storage.get_file(key, &archive)?;
    let unpacked = work.join("model");
    model_archive::unpack(&archive, artifacts, &unpacked)?;
    let dir = run.training_dir(model)?;
    let mut stored = 0;
    for file in walk(&unpacked)? {
        let relative =
            file.strip_prefix(&unpacked).expect("walked under unpacked").to_string_lossy().replace('\\', "/");
        job.storage.put_file(&sagemaker_layout::unpacked_model_file(&dir, &relative), &file)?;
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
