//! Keeping a tuning job's disk use bounded: a trial's model files are deleted as soon as another
//! trial beats it (its `metrics.jsonl`, `statistics.json`, settings and log stay, a few kB), and
//! at the end the best trial's outputs are promoted to `runs/<n>/training/<model>/`, where
//! inference and the report find them as for any training run.

use crate::job::Job;
use crate::layout::RunLayout;
use crate::Result;

/// Deletes the model files (weights, export, checkpoints, curves) of `model` in `trial`; returns
/// how many files went.
///
/// # Errors
/// Storage failures.
pub fn prune_trial(job: &Job, trial: &RunLayout, model: &str) -> Result<usize> {
    let dir = trial.training_dir(model)?;
    let mut deleted = 0;
    for key in job.storage.list(&dir)? {
        if !trial.kept_after_pruning(model, &key)? {
            job.storage.delete(&key)?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// Copies the outputs of `model` in `trial` (all but its checkpoints) to the run's own training
/// folder, `statistics.json` last (its presence marks the model as trained); returns the number
/// of files copied.
///
/// # Errors
/// Storage failures.
pub fn promote_trial(job: &Job, run: &RunLayout, trial: &RunLayout, model: &str) -> Result<usize> {
    let from = trial.training_dir(model)?;
    let checkpoints = trial.checkpoints_prefix(model)?;
    let mut keys: Vec<String> =
        job.storage.list(&from)?.into_iter().filter(|key| !key.starts_with(&checkpoints)).collect();
    let statistics = trial.statistics(model)?;
    keys.sort_by_key(|key| *key == statistics);
    let scratch = tempfile::tempdir().map_err(|source| crate::Error::Io { path: std::env::temp_dir(), source })?;
    for (i, key) in keys.iter().enumerate() {
        let local = scratch.path().join(i.to_string());
        job.storage.get_file(key, &local)?;
        job.storage.put_file(&run.rebased_training_key(model, trial, key)?, &local)?;
        std::fs::remove_file(&local).map_err(|source| crate::Error::Io { path: local.clone(), source })?;
    }
    Ok(keys.len())
}
