//! Step `prepare`: encodes every record for every model with the plugin's `prepare`, in parallel
//! across cores, and writes `data/prepared/{train,validation,test}.parquet` plus a manifest that
//! records each model's inputs, `ordered_input_keys` and lengths.

use super::snapshot::{archive, read_manifest, require_manifest, should_run, Existing};
use crate::data::{
    column_name, read_records, to_toml, DataManifest, PreparedColumns, PreparedFile, PreparedManifest, PreparedModel,
    PreparedTable,
};
use crate::hash::{sha256_hex, InputsHash};
use crate::job::Job;
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
    let inputs_sha256 = InputsHash::new()
        .with("records_sha256", &data_manifest.records_sha256)
        .with("plugin_sha256", &plugin.sha256)
        .with("model_names", models.join(","))
        .finish();
    let manifest_key = layout.prepared_manifest();
    let uri = job.storage.uri(&layout.prepared_prefix());
    let previous: Option<PreparedManifest> = read_manifest(job, &manifest_key)?;
    let leftovers = !job.storage.list(&layout.prepared_prefix())?.is_empty();
    if let Some(manifest) = &previous {
        if !should_run(Some(&manifest.inputs_sha256), &inputs_sha256, existing, &uri)? {
            return Ok(PrepareReport { skipped: true, manifest: manifest.clone(), uri, archived_to: None });
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
            "content differs from the hash in data/manifest.toml (the snapshot was modified)",
        ));
    }
    let records = read_records(records_bytes, &records_uri)?;
    let label_ids: HashMap<&str, i64> =
        data_manifest.labels.iter().map(|(label, counts)| (label.as_str(), counts.id as i64)).collect();
    let input_keys = models.iter().map(|model| checked_input_keys(plugin, model)).collect::<Result<Vec<_>>>()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(job.settings.data.num_workers)
        .build()
        .map_err(|err| Error::Internal { what: format!("cannot start worker threads: {err}") })?;

    let comparison = job.is_comparison();
    let mut files = BTreeMap::new();
    let mut schemas: Vec<Option<Vec<(String, &'static str)>>> = vec![None; models.len()];
    let mut lengths: Vec<(f64, usize, usize)> = vec![(0.0, 0, 0); models.len()];
    for split in Split::ALL {
        let rows: Vec<&Record> = records.iter().filter(|record| record.split == Some(split)).collect();
        if rows.is_empty() {
            continue;
        }
        let mut table = PreparedTable {
            ids: rows.iter().map(|record| record.id.clone()).collect(),
            labels: rows.iter().map(|record| label_ids[record.label.as_str()]).collect(),
            models: Vec::new(),
        };
        for (index, model) in models.iter().enumerate() {
            let progress = Progress::new(format!("prepare {model} {}", split.as_str()), rows.len() as u64);
            let encoded: Vec<Result<Features>> = pool.install(|| {
                rows.par_iter()
                    .map(|record| {
                        let result = plugin.experiment.prepare(model, record).map_err(|err| Error::Prepare {
                            model: model.clone(),
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
                check_inputs(&features, &input_keys[index], model, &record.id)?;
                columns.push(features).map_err(|problem| Error::Prepare {
                    model: model.clone(),
                    id: record.id.clone(),
                    problem,
                })?;
            }
            let schema = columns.schema();
            if let Some(first) = &schemas[index] {
                if *first != schema {
                    return Err(Error::Prepare {
                        model: model.clone(),
                        id: rows[0].id.clone(),
                        problem: format!("inputs {schema:?} differ from other splits' {first:?}"),
                    });
                }
            }
            if let Some((mean, max)) = columns.length_stats(&schema[0].0) {
                let (sum, overall_max, count) = &mut lengths[index];
                *sum += mean * columns.rows() as f64;
                *overall_max = (*overall_max).max(max);
                *count += columns.rows();
            }
            schemas[index] = Some(schema);
            table.models.push((model.clone(), columns));
        }
        let key = layout.prepared(split.as_str())?;
        let rows_count = table.ids.len();
        let bytes = table.encode(comparison, &job.storage.uri(&key))?;
        files.insert(
            split.as_str().to_string(),
            (key, PreparedFile { rows: rows_count, sha256: sha256_hex(&bytes) }, bytes),
        );
    }

    let prepared_models = models
        .iter()
        .zip(input_keys)
        .zip(schemas)
        .zip(lengths)
        .map(|(((name, input_keys), schema), (sum, max_length, count))| {
            let schema = schema.unwrap_or_default();
            PreparedModel {
                name: name.clone(),
                input_keys,
                columns: schema
                    .iter()
                    .map(|(input, _)| (input.clone(), column_name(name, input, comparison)))
                    .collect(),
                inputs: schema.into_iter().map(|(input, kind)| (input, kind.to_string())).collect(),
                mean_length: if count > 0 { sum / count as f64 } else { 0.0 },
                max_length,
            }
        })
        .collect();
    let manifest = PreparedManifest {
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
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
    Ok(PrepareReport { skipped: false, manifest, uri, archived_to })
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
