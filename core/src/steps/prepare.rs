//! Step `prepare`: encodes every record for every model with the plugin's `prepare`, in parallel
//! across cores, and writes `data/prepared/{train,validation,test}.parquet` plus a manifest that
//! records each model's inputs, `ordered_input_keys` and lengths. A model whose inputs are in the
//! prepared-data cache under the same content key (`prepare_cache`) is not encoded again.

use super::prepare_cache::{content_key, lookup, store, CacheEntry, CachedModel};
use super::snapshot::{archive, read_manifest, require_manifest, should_run, Existing};
use crate::data::{
    column_name, decode_parquet, join_models, read_records, to_toml, DataManifest, PreparedColumns, PreparedFile,
    PreparedManifest, PreparedModel, PreparedTable,
};
use crate::hash::{sha256_hex, InputsHash};
use crate::job::Job;
use crate::layout::{PreparedCacheLayout, DATA_MANIFEST};
use crate::plugin::Plugin;
use crate::progress::Progress;
use crate::{Error, Result};
use mlpipe_plugin_api::{Features, Record, Split};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

/// What the step did.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepareReport {
    /// The prepared data was up to date and left alone.
    pub skipped: bool,
    pub manifest: PreparedManifest,
    pub uri: String,
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
    let models = &job.settings.experiment.model_names;
    let data_manifest: DataManifest = require_manifest(job, &layout.data_manifest(), "reconcile")?;
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
    let manifest_key = layout.prepared_manifest();
    let uri = job.storage.uri(&layout.prepared_prefix());
    let previous: Option<PreparedManifest> = read_manifest(job, &manifest_key)?;
    let leftovers = !job.storage.list(&layout.prepared_prefix())?.is_empty();
    if let Some(manifest) = &previous {
        let legacy = manifest.models.iter().all(|model| model.cache_key.is_empty());
        let recorded =
            if legacy && manifest.inputs_sha256 == legacy_sha256 { &inputs_sha256 } else { &manifest.inputs_sha256 };
        if !should_run(Some(recorded), &inputs_sha256, existing, &uri)? {
            return Ok(PrepareReport {
                skipped: true,
                manifest: manifest.clone(),
                uri,
                archived_to: None,
                reused: Vec::new(),
            });
        }
    } else if leftovers {
        should_run(Some(""), &inputs_sha256, existing, &uri)?;
    }

    let started = Instant::now();
    let records_uri = job.storage.uri(&layout.records());
    let records_bytes = job.storage.get(&layout.records())?;
    if sha256_hex(&records_bytes) != data_manifest.records_sha256 {
        return Err(Error::data_file(
            records_uri,
            format!("content differs from the hash in {DATA_MANIFEST} (the snapshot was modified)"),
        ));
    }
    let records = read_records(records_bytes, &records_uri)?;
    let label_ids: HashMap<&str, i64> =
        data_manifest.labels.iter().map(|(label, counts)| (label.as_str(), counts.id as i64)).collect();
    let splits: Vec<(Split, Vec<&Record>)> = Split::ALL
        .into_iter()
        .map(|split| (split, records.iter().filter(|record| record.split == Some(split)).collect::<Vec<_>>()))
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(job.settings.data.num_workers)
        .build()
        .map_err(|err| Error::Internal { what: format!("cannot start worker threads: {err}") })?;

    // Each model's splits: from the cache when an entry has the same content key, else encoded
    // with the plugin and stored there. `--force` recomputes and replaces the entry.
    let force = existing == Existing::Replace;
    let mut prepared = Vec::new();
    let mut reused = Vec::new();
    for ((model, keys), cache_key) in models.iter().zip(&input_keys).zip(&cache_keys) {
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
                let entry = encode_model(
                    job,
                    plugin,
                    &pool,
                    model,
                    keys,
                    cache_key,
                    &data_manifest.records_sha256,
                    &splits,
                    &label_ids,
                )?;
                store(job, &entry, force)?;
                entry
            }
        };
        prepared.push(entry);
    }

    let comparison = job.is_comparison();
    let mut files = BTreeMap::new();
    for (split, rows) in &splits {
        let name = split.as_str();
        let key = layout.prepared(name)?;
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

    let prepared_models = prepared
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
        .collect();
    let manifest = PreparedManifest {
        created: now(),
        mlpipe_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs_sha256,
        records_sha256: data_manifest.records_sha256.clone(),
        plugin_sha256: plugin.sha256.clone(),
        comparison,
        wall_seconds: started.elapsed().as_secs_f64(),
        files: files.iter().map(|(split, (_, file, _))| (split.clone(), file.clone())).collect(),
        models: prepared_models,
    };
    let archived_to = if leftovers { archive(job, &layout.prepared_prefix(), "prepared")? } else { None };
    for (key, _, bytes) in files.values() {
        job.storage.put(key, bytes)?;
    }
    let manifest_uri = job.storage.uri(&manifest_key);
    job.storage.put(&manifest_key, to_toml(&manifest, &manifest_uri)?.as_bytes())?;
    tracing::info!("prepare: {} records × {} models in {:.1}s", records.len(), models.len(), manifest.wall_seconds);
    Ok(PrepareReport { skipped: false, manifest, uri, archived_to, reused })
}

/// Encodes every split of `model` with the plugin, in parallel across records: the entry to
/// cache under `cache_key`, with each split as a single-model table.
#[allow(clippy::too_many_arguments)]
fn encode_model(
    job: &Job,
    plugin: &Plugin,
    pool: &rayon::ThreadPool,
    model: &str,
    input_keys: &[String],
    cache_key: &str,
    records_sha256: &str,
    splits: &[(Split, Vec<&Record>)],
    label_ids: &HashMap<&str, i64>,
) -> Result<CachedModel> {
    let cache = PreparedCacheLayout::new(cache_key)?;
    let mut schema: Option<Vec<(String, &'static str)>> = None;
    let (mut sum, mut max_length, mut count) = (0.0, 0, 0);
    let mut files = BTreeMap::new();
    let mut split_bytes = BTreeMap::new();
    for (split, rows) in splits {
        let progress = Progress::new(format!("prepare {model} {}", split.as_str()), rows.len() as u64);
        let encoded: Vec<Result<Features>> = pool.install(|| {
            rows.par_iter()
                .map(|record| {
                    let result = plugin.experiment.prepare(model, record).map_err(|err| Error::Prepare {
                        model: model.to_string(),
                        id: record.id.clone(),
                        problem: err.to_string(),
                    });
                    progress.add(1);
                    result
                })
                .collect()
        });
        progress.finish();
        let mut columns = PreparedColumns::default();
        for (record, features) in rows.iter().zip(encoded) {
            let features = features?;
            check_inputs(&features, input_keys, model, &record.id)?;
            columns.push(features).map_err(|problem| Error::Prepare {
                model: model.to_string(),
                id: record.id.clone(),
                problem,
            })?;
        }
        let split_schema = columns.schema();
        if let Some(first) = &schema {
            if *first != split_schema {
                return Err(Error::Prepare {
                    model: model.to_string(),
                    id: rows[0].id.clone(),
                    problem: format!("inputs {split_schema:?} differ from other splits' {first:?}"),
                });
            }
        }
        if let Some((mean, max)) = columns.length_stats(&split_schema[0].0) {
            sum += mean * columns.rows() as f64;
            max_length = max_length.max(max);
            count += columns.rows();
        }
        schema = Some(split_schema);
        let table = PreparedTable {
            ids: rows.iter().map(|record| record.id.clone()).collect(),
            labels: rows.iter().map(|record| label_ids[record.label.as_str()]).collect(),
            models: vec![(model.to_string(), columns)],
        };
        let bytes = table.encode(false, &job.storage.uri(&cache.split(split.as_str())?))?;
        files.insert(split.as_str().to_string(), PreparedFile { rows: rows.len(), sha256: sha256_hex(&bytes) });
        split_bytes.insert(split.as_str().to_string(), bytes);
    }
    let entry = CacheEntry {
        created: now(),
        mlpipe_version: env!("CARGO_PKG_VERSION").to_string(),
        model: model.to_string(),
        records_sha256: records_sha256.to_string(),
        plugin_sha256: plugin.sha256.clone(),
        input_keys: input_keys.to_vec(),
        inputs: schema.unwrap_or_default().into_iter().map(|(input, kind)| (input, kind.to_string())).collect(),
        mean_length: if count > 0 { sum / count as f64 } else { 0.0 },
        max_length,
        files,
    };
    Ok(CachedModel { key: cache_key.to_string(), entry, splits: split_bytes })
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn checked_input_keys(plugin: &Plugin, model: &str) -> Result<Vec<String>> {
    let keys = plugin.experiment.ordered_input_keys(model)?;
    let problem = |problem: String| Error::PluginContract { function: "ordered_input_keys", problem };
    if keys.is_empty() {
        return Err(problem(format!("model {model}: no inputs")));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = keys.iter().find(|key| !seen.insert(key.as_str())) {
        return Err(problem(format!("model {model}: input {dup:?} listed twice")));
    }
    Ok(keys)
}

fn check_inputs(features: &Features, keys: &[String], model: &str, id: &str) -> Result<()> {
    let fail = |problem: String| Error::Prepare { model: model.to_string(), id: id.to_string(), problem };
    if let Some(missing) = keys.iter().find(|key| features.get(key).is_none()) {
        let produced: Vec<&str> = features.entries.iter().map(|(name, _)| name.as_str()).collect();
        return Err(fail(format!("input {missing:?} of ordered_input_keys is missing (prepare gave {produced:?})")));
    }
    let mut seen = HashSet::new();
    if let Some((dup, _)) = features.entries.iter().find(|(name, _)| !seen.insert(name.as_str())) {
        return Err(fail(format!("input {dup:?} given twice")));
    }
    Ok(())
}
