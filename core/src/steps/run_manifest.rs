//! `runs/<n>/manifest.toml`: what a run is and what it was made from — job type, versions, the
//! data and plugin hashes, timings, status and each model's headline result. Written when the run
//! starts (status `running`) and rewritten when it ends.

use super::train_outputs::ModelOutcome;
use crate::distributed::Replica;
use crate::job::Job;
use crate::layout::RunLayout;
use crate::plugin::Plugin;
use crate::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// The run manifest.
#[derive(Debug, Clone, Serialize)]
pub struct RunManifest {
    pub run: u64,
    pub experiment: String,
    pub job_type: String,
    pub status: String,
    pub started: String,
    pub finished: Option<String>,
    pub mlpipe_version: String,
    pub torch: String,
    pub plugin_file: String,
    pub plugin_sha256: String,
    pub data_records_sha256: String,
    pub prepared_inputs_sha256: String,
    pub models: Vec<String>,
    /// Data-parallel replicas that trained (1: a single process).
    pub world_size: usize,
    /// Their communication backend (`gloo`, `nccl`), empty for a single process.
    pub dist_backend: String,
    /// Per model: objective, best value and epoch, training seconds.
    pub results: BTreeMap<String, BTreeMap<String, String>>,
}

impl RunManifest {
    /// The manifest of a run that is starting.
    pub fn start(
        job: &Job,
        plugin: &Plugin,
        run: &RunLayout,
        records_sha256: &str,
        prepared_sha256: &str,
        replica: &Replica,
    ) -> Self {
        Self {
            run: run.num(),
            experiment: job.settings.experiment.name.clone(),
            job_type: job.settings.job_type().as_str().to_string(),
            status: "running".into(),
            started: now(),
            finished: None,
            mlpipe_version: env!("CARGO_PKG_VERSION").into(),
            torch: mlpipe_plugin_api::TorchAbi::CURRENT.to_string(),
            plugin_file: plugin.path.display().to_string(),
            plugin_sha256: plugin.sha256.clone(),
            data_records_sha256: records_sha256.into(),
            prepared_inputs_sha256: prepared_sha256.into(),
            models: job.settings.experiment.model_names.clone(),
            world_size: replica.world_size(),
            dist_backend: replica.backend().map(|backend| backend.to_string()).unwrap_or_default(),
            results: BTreeMap::new(),
        }
    }

    /// Records one model's result.
    pub fn add_result(&mut self, outcome: &ModelOutcome, replicas_sha256: Option<&str>) {
        let mut result = BTreeMap::from([
            ("objective".to_string(), outcome.objective.clone()),
            ("best_value".to_string(), format!("{:.6}", outcome.best_value)),
            ("best_epoch".to_string(), outcome.best_epoch.to_string()),
            ("train_seconds".to_string(), format!("{:.1}", outcome.train_seconds)),
        ]);
        if let Some(sha) = replicas_sha256 {
            // Every replica's parameters hashed to this after training (checked, not assumed).
            result.insert("replicas_sha256".to_string(), sha.to_string());
        }
        self.results.insert(outcome.model.clone(), result);
    }

    /// Marks the run finished.
    pub fn finish(&mut self, status: &str) {
        self.status = status.into();
        self.finished = Some(now());
    }

    /// Stores the manifest.
    ///
    /// # Errors
    /// Storage failures.
    pub fn save(&self, job: &Job, run: &RunLayout) -> Result<()> {
        let text = toml::to_string_pretty(self).map_err(|err| crate::Error::Internal { what: err.to_string() })?;
        job.storage.put(&run.manifest(), text.as_bytes())?;
        Ok(())
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Adds top-level `fields` to run `run`'s existing `manifest.toml` (replacing fields of the same
/// name), keeping everything else: how `runner reproduce` records what it reproduced.
///
/// # Errors
/// A manifest that is missing or does not parse; storage failures.
pub fn annotate_manifest(job: &Job, run: &RunLayout, fields: &[(&str, toml::Value)]) -> Result<()> {
    let key = run.manifest();
    let uri = job.storage.uri(&key);
    let mut table: toml::Table = toml::from_str(&String::from_utf8_lossy(&job.storage.get(&key)?))
        .map_err(|err| crate::Error::data_file(&uri, err.message()))?;
    for (name, value) in fields {
        table.insert((*name).to_string(), value.clone());
    }
    let text = toml::to_string_pretty(&table).map_err(|err| crate::Error::Internal { what: err.to_string() })?;
    job.storage.put(&key, text.as_bytes())?;
    Ok(())
}
