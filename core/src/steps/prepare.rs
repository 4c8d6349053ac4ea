//! Step `prepare`: encodes every record for every model with the plugin's `prepare`, in parallel
//! across cores, and writes `data/prepared/{train,validation,test}.parquet` plus a manifest that
//! records each model's inputs, `ordered_input_keys` and lengths. A model whose inputs are in the
//! prepared-data cache under the same content key (`prepare_cache`) is not encoded again.

use super::prepare_cache::{content_key, lookup, store, CachedModel};
use super::prepare_encode::{checked_input_keys, encode_model, Source};
use super::snapshot::{archive, read_manifest, require_manifest, should_run, timestamp, Existing};
use crate::data::{
    column_name, decode_parquet, join_models, read_records, to_toml, DataManifest, PreparedFile, PreparedManifest,
    PreparedModel,
};
use crate::hash::{sha256_hex, InputsHash};
use crate::job::Job;
use crate::layout::{PreparedCacheLayout, DATA_MANIFEST};
use crate::plugin::Plugin;
use crate::{Error, Result};
use mlpipe_plugin_api::{Record, Split};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// What the step did.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepareReport {
    /// The prepared data was up to date and left alone.
    pub skipped: bool,
    /// The prepared data's manifest (the existing one when skipped).
    pub manifest: PreparedManifest,
    /// Where the prepared data is, `<exp>/data/prepared/`.
    pub uri: String,
    /// Where replaced prepared data was archived.
    pub archived_to: Option<String>,
    /// Models whose inputs came from the prepared-data cache instead of the plugin.
    pub reused: Vec<String>,
}

/// Runs the step.
///
/// # Errors
/// Missing reconciled data, existing prepared data (per `existing`), a failing plugin (naming the
/// model and record), inconsistent inputs, or storage failures.
pub fn prepare(job: &Job, plugin: &Plugin, existing: Existing) -> Result<PrepareReport> {
    let layout = &job.layout;
    let data_manifest: DataManifest = require_manifest(job, &layout.data_manifest(), "reconcile")?;
    let plan = Plan::new(job, plugin, &data_manifest)?;
    let uri = job.storage.uri(&layout.prepared_prefix());
    let leftovers = !job.storage.list(&layout.prepared_prefix())?.is_empty();
    if let Some(report) = up_to_date(job, &plan, existing, leftovers, &uri)? {
        return Ok(report);
    }

    let started = Instant::now();
    let records = checked_records(job, &data_manifest)?;
    let label_ids: HashMap<&str, i64> =
        data_manifest.labels.iter().map(|(label, counts)| (label.as_str(), counts.id as i64)).collect();
    let splits: Vec<(Split, Vec<&Record>)> = Split::ALL
        .into_iter()
        .map(|split| (split, records.iter().filter(|record| record.split == Some(split)).collect::<Vec<_>>()))
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    let source = Source { records_sha256: &data_manifest.records_sha256, splits: &splits, label_ids: &label_ids };
    let (prepared, reused) = model_inputs(job, plugin, &plan, &source, existing == Existing::Replace)?;

    let comparison = job.is_comparison();
    let files = joined_files(job, &splits, &prepared, comparison)?;
    let manifest = PreparedManifest {
        created: timestamp(),
        mlpipe_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs_sha256: plan.inputs_sha256,
        records_sha256: data_manifest.records_sha256.clone(),
        plugin_sha256: plugin.sha256.clone(),
        comparison,
        wall_seconds: started.elapsed().as_secs_f64(),
        files: files.iter().map(|(split, (_, file, _))| (split.clone(), file.clone())).collect(),
        models: prepared_models(&prepared, comparison),
    };
    let archived_to = if leftovers { archive(job, &layout.prepared_prefix(), "prepared")? } else { None };
    for (key, _, bytes) in files.values() {
        job.storage.put(key, bytes)?;
    }
    let manifest_key = layout.prepared_manifest();
    let manifest_uri = job.storage.uri(&manifest_key);
    job.storage.put(&manifest_key, to_toml(&manifest, &manifest_uri)?.as_bytes())?;
    tracing::info!(
        "prepare: {} records × {} models in {:.1}s",
        records.len(),
        plan.models.len(),
        manifest.wall_seconds
    );
    Ok(PrepareReport { skipped: false, manifest, uri, archived_to, reused })
}

/// What the prepared data is made from: per model its input keys and cache key, and the hash of
/// all inputs (with the older, cache-less form of that hash).
struct Plan<'a> {
    models: &'a [String],
    input_keys: Vec<Vec<String>>,
    cache_keys: Vec<String>,
    inputs_sha256: String,
    /// What snapshots made before the cache recorded: records, plugin and models only.
    legacy_sha256: String,
}

impl<'a> Plan<'a> {
    fn new(job: &'a Job, plugin: &Plugin, data_manifest: &DataManifest) -> Result<Self> {
        let models = &job.settings.experiment.model_names;
        let input_keys = models.iter().map(|model| checked_input_keys(plugin, model)).collect::<Result<Vec<_>>>()?;
        let cache_keys: Vec<String> = models
            .iter()
            .zip(&input_keys)
            .map(|(model, keys)| content_key(&data_manifest.records_sha256, &plugin.sha256, &job.settings, model, keys))
            .collect();
        let inputs = InputsHash::new()
            .with("records_sha256", &data_manifest.records_sha256)
            .with("plugin_sha256", &plugin.sha256)
            .with("model_names", models.join(","));
        // Snapshots made before the cache recorded this much only, and no cache keys: one made from
        // the same records, plugin and models is the same data (the options are in reconcile's hash).
        let legacy_sha256 = inputs.clone().finish();
        let inputs_sha256 = models
            .iter()
            .zip(&cache_keys)
            .fold(inputs, |inputs, (model, key)| inputs.with(&format!("prepared.{model}"), key))
            .finish();
        Ok(Self { models, input_keys, cache_keys, inputs_sha256, legacy_sha256 })
    }
}

/// The report of a skipped step when the prepared data is already made from the same inputs;
/// `None` when the step is to run.
///
/// # Errors
/// [`Error::SnapshotExists`] when other prepared data is there and `existing` keeps it; storage
/// failures.
fn up_to_date(job: &Job, plan: &Plan, existing: Existing, leftovers: bool, uri: &str) -> Result<Option<PrepareReport>> {
    let previous: Option<PreparedManifest> = read_manifest(job, &job.layout.prepared_manifest())?;
    if let Some(manifest) = previous {
        let legacy = manifest.models.iter().all(|model| model.cache_key.is_empty());
        let recorded = if legacy && manifest.inputs_sha256 == plan.legacy_sha256 {
            &plan.inputs_sha256
        } else {
            &manifest.inputs_sha256
        };
        if !should_run(Some(recorded), &plan.inputs_sha256, existing, uri)? {
            let report =
                PrepareReport { skipped: true, manifest, uri: uri.to_string(), archived_to: None, reused: Vec::new() };
            return Ok(Some(report));
        }
    } else if leftovers {
        should_run(Some(""), &plan.inputs_sha256, existing, uri)?;
    }
    Ok(None)
}

/// The reconciled records, checked against the hash the data manifest recorded for them.
fn checked_records(job: &Job, data_manifest: &DataManifest) -> Result<Vec<Record>> {
    let key = job.layout.records();
    let records_uri = job.storage.uri(&key);
    let records_bytes = job.storage.get(&key)?;
    if sha256_hex(&records_bytes) != data_manifest.records_sha256 {
        return Err(Error::data_file(
            records_uri,
            format!("content differs from the hash in {DATA_MANIFEST} (the snapshot was modified)"),
        ));
    }
    read_records(records_bytes, &records_uri)
}

/// Each model's splits: from the cache when an entry has the same content key, else encoded with
/// the plugin and stored there. `force` (`--force`) recomputes and replaces the entry. Returns the
/// models' inputs and the names of those that came from the cache.
fn model_inputs(
    job: &Job,
    plugin: &Plugin,
    plan: &Plan,
    source: &Source,
    force: bool,
) -> Result<(Vec<CachedModel>, Vec<String>)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(job.settings.data.num_workers)
        .build()
        .map_err(|err| Error::Internal { what: format!("cannot start worker threads: {err}") })?;
    let mut prepared = Vec::new();
    let mut reused = Vec::new();
    for ((model, keys), cache_key) in plan.models.iter().zip(&plan.input_keys).zip(&plan.cache_keys) {
        let hit = if force { None } else { lookup(job, cache_key)? };
        let entry = match hit {
            Some(entry) => {
                println!(
                    "prepare: {model}: reused the cached inputs {} (same records, plugin, options, seed and input keys)",
                    job.storage.uri(&PreparedCacheLayout::new(cache_key)?.prefix())
                );
                reused.push(model.clone());
                entry
            }
            None => {
                let entry = encode_model(job, plugin, &pool, model, keys, cache_key, source)?;
                store(job, &entry, force)?;
                entry
            }
        };
        prepared.push(entry);
    }
    Ok((prepared, reused))
}

/// Per split: its key, its file record and the bytes of the models' inputs joined into one table.
type JoinedFiles = BTreeMap<String, (String, PreparedFile, Vec<u8>)>;

/// Joins every model's inputs, split by split, into the prepared files.
fn joined_files(
    job: &Job,
    splits: &[(Split, Vec<&Record>)],
    prepared: &[CachedModel],
    comparison: bool,
) -> Result<JoinedFiles> {
    let mut files = BTreeMap::new();
    for (split, rows) in splits {
        let name = split.as_str();
        let key = job.layout.prepared(name)?;
        let file_uri = job.storage.uri(&key);
        let tables = prepared
            .iter()
            .map(|model| {
                let bytes = model.splits.get(name).ok_or_else(|| {
                    Error::data_file(
                        &file_uri,
                        format!("model {}: no {name} split in its prepared inputs", model.entry.model),
                    )
                })?;
                Ok((model.entry.model.clone(), decode_parquet(bytes.clone(), &file_uri)?))
            })
            .collect::<Result<Vec<_>>>()?;
        let bytes = join_models(&tables, comparison, &file_uri)?;
        files.insert(name.to_string(), (key, PreparedFile { rows: rows.len(), sha256: sha256_hex(&bytes) }, bytes));
    }
    Ok(files)
}

/// The prepared manifest's record of each model: its inputs, their columns and lengths.
fn prepared_models(prepared: &[CachedModel], comparison: bool) -> Vec<PreparedModel> {
    prepared
        .iter()
        .map(|model| {
            let entry = &model.entry;
            PreparedModel {
                name: entry.model.clone(),
                input_keys: entry.input_keys.clone(),
                columns: entry
                    .inputs
                    .iter()
                    .map(|(input, _)| (input.clone(), column_name(&entry.model, input, comparison)))
                    .collect(),
                inputs: entry.inputs.iter().cloned().collect(),
                mean_length: entry.mean_length,
                max_length: entry.max_length,
                cache_key: model.key.clone(),
            }
        })
        .collect()
}
