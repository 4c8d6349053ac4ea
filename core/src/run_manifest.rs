//! `runs/<n>/manifest.toml`: what a run is and what it was made from — job type, versions, the
//! data and plugin hashes, timings, status and each model's headline result. Written when the run
//! starts (status `running`) and rewritten when it ends.
//!
//! [`RunManifest`] is the one declaration of the file: the train and tune steps write it, browsing
//! and `runner reproduce` read it. Reading is lenient: every field may be missing (manifests from
//! older versions, hand edits, a run still being written) and results may be strings, as written
//! (`best_value = "0.904273"`), or numbers; fields this version does not know are ignored.

use crate::clock::timestamp;
use crate::distributed::Replica;
use crate::job::Job;
use crate::layout::RunLayout;
use crate::plugin::Plugin;
use crate::train::outcome::ModelOutcome;
use crate::Result;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::str::FromStr;

/// The run manifest. Text fields are empty and optional ones `None` when a manifest read back
/// lacks them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunManifest {
    /// The run number.
    pub run: u64,
    /// The experiment name.
    pub experiment: String,
    /// `training`, `comparison` or `tuning`.
    pub job_type: String,
    /// `running`, `finished` or `failed`.
    pub status: String,
    /// RFC 3339 start time.
    pub started: String,
    /// RFC 3339 end time, once the run ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// The mlpipe version that made the run.
    pub mlpipe_version: String,
    /// The tch and libtorch versions.
    pub torch: String,
    /// The plugin library, as given on the command line.
    pub plugin_file: String,
    /// The plugin library's SHA-256.
    pub plugin_sha256: String,
    /// SHA-256 of the reconciled records.
    pub data_records_sha256: String,
    /// SHA-256 of the prepared inputs.
    pub prepared_inputs_sha256: String,
    /// The models, in the settings' order.
    pub models: Vec<String>,
    /// Data-parallel replicas that trained (1: a single process).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub world_size: Option<u64>,
    /// Their communication backend (`gloo`, `nccl`), empty for a single process.
    pub dist_backend: String,
    /// Per model: the headline result, once the model finished.
    pub results: BTreeMap<String, ModelResult>,
}

/// One model's headline result, the manifest's `results.<model>` table. Numbers are written as
/// strings (`best_value = "0.904273"`, six decimals; `train_seconds = "72.0"`, one); read back,
/// strings and numbers are both accepted and a value that does not parse is `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelResult {
    /// The epoch of the best value.
    #[serde(serialize_with = "integer_text", deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub best_epoch: Option<u64>,
    /// The best value of the objective.
    #[serde(serialize_with = "six_decimals", deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub best_value: Option<f64>,
    /// The objective metric, e.g. `validation:macro_f1`.
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
    /// SHA-256 every data-parallel replica's parameters hashed to after training (checked, not
    /// assumed); `None` for a single process.
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub replicas_sha256: Option<String>,
    /// Seconds spent training.
    #[serde(serialize_with = "one_decimal", deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub train_seconds: Option<f64>,
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
            started: timestamp(),
            finished: None,
            mlpipe_version: env!("CARGO_PKG_VERSION").into(),
            torch: mlpipe_plugin_api::TorchAbi::CURRENT.to_string(),
            plugin_file: plugin.path.display().to_string(),
            plugin_sha256: plugin.sha256.clone(),
            data_records_sha256: records_sha256.into(),
            prepared_inputs_sha256: prepared_sha256.into(),
            models: job.settings.experiment.model_names.clone(),
            world_size: Some(replica.world_size() as u64),
            dist_backend: replica.backend().map(|backend| backend.to_string()).unwrap_or_default(),
            results: BTreeMap::new(),
        }
    }

    /// Records one model's result.
    pub fn add_result(&mut self, outcome: &ModelOutcome, replicas_sha256: Option<&str>) {
        let result = ModelResult {
            best_epoch: Some(outcome.best_epoch),
            best_value: Some(outcome.best_value),
            objective: Some(outcome.objective.clone()),
            replicas_sha256: replicas_sha256.map(str::to_string),
            train_seconds: Some(outcome.train_seconds),
        };
        self.results.insert(outcome.model.clone(), result);
    }

    /// Marks the run finished.
    pub fn finish(&mut self, status: &str) {
        self.status = status.into();
        self.finished = Some(timestamp());
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

    /// Reads run `run`'s manifest, which must exist and parse (missing fields take their
    /// defaults). Browsing reads it more leniently, as a warning, through `browse`.
    ///
    /// # Errors
    /// A missing manifest (storage's not-found error); one that is not TOML, naming its URI;
    /// storage failures.
    pub fn load(job: &Job, run: &RunLayout) -> Result<Self> {
        let key = run.manifest();
        let text = String::from_utf8_lossy(&job.storage.get(&key)?).into_owned();
        toml::from_str(&text).map_err(|err| crate::Error::data_file(job.storage.uri(&key), err))
    }

    /// The run's models: the manifest's list, or the models with results when the list is missing.
    pub fn model_names(&self) -> Vec<String> {
        if self.models.is_empty() {
            self.results.keys().cloned().collect()
        } else {
            self.models.clone()
        }
    }
}

/// A result field as text: a string as it is, any other value as TOML writes it.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match toml::Value::deserialize(deserializer)? {
        toml::Value::String(text) => Some(text),
        other => Some(other.to_string()),
    })
}

/// A result field as a number, written as a string or a number; `None` when it does not parse.
fn number<'de, D: Deserializer<'de>, T: FromStr>(deserializer: D) -> Result<Option<T>, D::Error> {
    Ok(text(deserializer)?.and_then(|text| text.parse().ok()))
}

fn integer_text<S: Serializer>(value: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
    write_text(value.map(|value| value.to_string()), serializer)
}

fn six_decimals<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    write_text(value.map(|value| format!("{value:.6}")), serializer)
}

fn one_decimal<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    write_text(value.map(|value| format!("{value:.1}")), serializer)
}

fn write_text<S: Serializer>(text: Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    match text {
        Some(text) => serializer.serialize_str(&text),
        None => serializer.serialize_none(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn finished() -> RunManifest {
        RunManifest {
            run: 3,
            experiment: "demo".into(),
            job_type: "training".into(),
            status: "finished".into(),
            started: "2026-11-26T14:48:17Z".into(),
            finished: Some("2026-11-26T15:28:26Z".into()),
            world_size: Some(1),
            models: vec!["bert".into()],
            results: BTreeMap::from([(
                "bert".to_string(),
                ModelResult {
                    best_epoch: Some(2),
                    best_value: Some(0.904_273_4),
                    objective: Some("validation:macro_f1".into()),
                    replicas_sha256: None,
                    train_seconds: Some(72.04),
                },
            )]),
            ..RunManifest::default()
        }
    }

    /// [`finished`] as it reads back: its numbers rounded as written.
    fn finished_as_written() -> RunManifest {
        let mut manifest = finished();
        let bert = manifest.results.get_mut("bert").unwrap();
        (bert.best_value, bert.train_seconds) = (Some(0.904_273), Some(72.0));
        manifest
    }

    #[test]
    fn results_are_written_as_strings_in_key_order() {
        let text = toml::to_string_pretty(&finished()).unwrap();
        assert!(
            text.contains(
                "[results.bert]\nbest_epoch = \"2\"\nbest_value = \"0.904273\"\nobjective = \"validation:macro_f1\"\n\
                 train_seconds = \"72.0\"\n"
            ),
            "{text}"
        );
        assert!(text.contains("world_size = 1\n") && !text.contains("replicas_sha256"), "{text}");
    }

    #[test]
    fn a_written_manifest_reads_back() {
        let text = toml::to_string_pretty(&finished()).unwrap();
        let read: RunManifest = toml::from_str(&text).unwrap();
        let expected = finished_as_written();
        assert_eq!(read, expected);
    }

    #[test]
    fn a_saved_manifest_loads_and_a_broken_one_names_its_file() {
        let job = crate::browse::test_runs::job();
        let run = job.layout.run(3);
        finished().save(&job, &run).unwrap();
        let expected = finished_as_written();
        assert_eq!(RunManifest::load(&job, &run).unwrap(), expected);
        job.storage.put(&run.manifest(), b"status = [").unwrap();
        let err = RunManifest::load(&job, &run).unwrap_err().to_string();
        assert!(err.contains("memory://demo/runs/3/manifest.toml"), "{err}");
        assert!(RunManifest::load(&job, &job.layout.run(4)).is_err());
    }

    #[test]
    fn a_running_manifest_omits_finished() {
        let mut manifest = finished();
        manifest.finished = None;
        assert!(!toml::to_string_pretty(&manifest).unwrap().contains("finished ="));
    }

    #[test]
    fn an_older_manifest_reads_with_numbers_unknown_fields_and_missing_ones() {
        let text = "status = \"running\"\nreproduces = 1\n[results.bert]\nbest_value = 0.5\nbest_epoch = 3\n\
                    train_seconds = \"soon\"\n";
        let read: RunManifest = toml::from_str(text).unwrap();
        assert_eq!((read.status.as_str(), read.world_size, read.run), ("running", None, 0));
        let bert = &read.results["bert"];
        assert_eq!((bert.best_value, bert.best_epoch, bert.train_seconds), (Some(0.5), Some(3), None));
        assert_eq!(read.model_names(), vec!["bert".to_string()]);
    }
}
