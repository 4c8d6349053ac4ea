//! Keeping a tuning job's disk use bounded: a trial's model files are deleted as soon as another
//! trial beats it (its `metrics.jsonl`, `statistics.json`, settings and log stay, a few kB), and
//! at the end the best trial's outputs are promoted to `runs/<n>/training/<model>/`, where
//! inference and the report find them as for any training run.

use crate::job::Job;
use crate::layout::RunLayout;
use crate::Result;

/// The files of a trial kept after pruning, relative to its model's training folder.
const KEPT: [&str; 2] = ["metrics.jsonl", "statistics.json"];

/// Deletes the model files (weights, export, checkpoints, curves) of `model` in `trial`; returns
/// how many files went.
///
/// # Errors
/// Storage failures.
pub fn prune_trial(job: &Job, trial: &RunLayout, model: &str) -> Result<usize> {
    let dir = trial.training_dir(model)?;
    let mut deleted = 0;
    for key in job.storage.list(&dir)? {
        let relative = key.strip_prefix(&dir).unwrap_or(&key);
        if !KEPT.contains(&relative) {
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
    let to = run.training_dir(model)?;
    let checkpoints = trial.checkpoints_prefix(model)?;
    let mut keys: Vec<String> =
        job.storage.list(&from)?.into_iter().filter(|key| !key.starts_with(&checkpoints)).collect();
    keys.sort_by_key(|key| key.ends_with("/statistics.json"));
    let scratch = tempfile::tempdir().map_err(|source| crate::Error::Io { path: std::env::temp_dir(), source })?;
    for (i, key) in keys.iter().enumerate() {
        let local = scratch.path().join(i.to_string());
        job.storage.get_file(key, &local)?;
        job.storage.put_file(&format!("{to}{}", &key[from.len()..]), &local)?;
        std::fs::remove_file(&local).map_err(|source| crate::Error::Io { path: local.clone(), source })?;
    }
    Ok(keys.len())
}
