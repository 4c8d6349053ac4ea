//! Encoding for the `prepare` step: one model's records, split by split, through the plugin's
//! `prepare` in parallel across cores, checked against its `ordered_input_keys`, into the entry the
//! prepared-data cache stores (each split a single-model table).

use super::prepare_cache::{CacheEntry, CachedModel};
use super::snapshot::timestamp;
use crate::data::{PreparedColumns, PreparedFile, PreparedTable};
use crate::hash::sha256_hex;
use crate::job::Job;
use crate::layout::PreparedCacheLayout;
use crate::plugin::Plugin;
use crate::progress::Progress;
use crate::{Error, Result};
use mlpipe_plugin_api::{Features, Record, Split};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The records every model is encoded from.
pub(super) struct Source<'a> {
    /// SHA-256 of the reconciled records.
    pub records_sha256: &'a str,
    /// The records of each split that has any, in split order.
    pub splits: &'a [(Split, Vec<&'a Record>)],
    /// Label name to label id.
    pub label_ids: &'a HashMap<&'a str, i64>,
}

/// Encodes every split of `model` with the plugin, in parallel across records: the entry to
/// cache under `cache_key`, with each split as a single-model table.
pub(super) fn encode_model(
    job: &Job,
    plugin: &Plugin,
    pool: &rayon::ThreadPool,
    model: &str,
    input_keys: &[String],
    cache_key: &str,
    source: &Source,
) -> Result<CachedModel> {
    let cache = PreparedCacheLayout::new(cache_key)?;
    let mut schema: Option<Vec<(String, &'static str)>> = None;
    let (mut sum, mut max_length, mut count) = (0.0, 0, 0);
    let mut files = BTreeMap::new();
    let mut split_bytes = BTreeMap::new();
    for (split, rows) in source.splits {
        let columns = encode_split(plugin, pool, model, input_keys, *split, rows)?;
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
            labels: rows.iter().map(|record| source.label_ids[record.label.as_str()]).collect(),
            models: vec![(model.to_string(), columns)],
        };
        let bytes = table.encode(false, &job.storage.uri(&cache.split(split.as_str())?))?;
        files.insert(split.as_str().to_string(), PreparedFile { rows: rows.len(), sha256: sha256_hex(&bytes) });
        split_bytes.insert(split.as_str().to_string(), bytes);
    }
    let entry = CacheEntry {
        created: timestamp(),
        mlpipe_version: env!("CARGO_PKG_VERSION").to_string(),
        model: model.to_string(),
        records_sha256: source.records_sha256.to_string(),
        plugin_sha256: plugin.sha256.clone(),
        input_keys: input_keys.to_vec(),
        inputs: schema.unwrap_or_default().into_iter().map(|(input, kind)| (input, kind.to_string())).collect(),
        mean_length: if count > 0 { sum / count as f64 } else { 0.0 },
        max_length,
        files,
    };
    Ok(CachedModel { key: cache_key.to_string(), entry, splits: split_bytes })
}

/// One split of `model`: every record through the plugin on `pool`, with a progress line, each
/// checked to give exactly the inputs `input_keys` names.
fn encode_split(
    plugin: &Plugin,
    pool: &rayon::ThreadPool,
    model: &str,
    input_keys: &[String],
    split: Split,
    rows: &[&Record],
) -> Result<PreparedColumns> {
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
    Ok(columns)
}

/// The plugin's `ordered_input_keys` for `model`: at least one, none twice.
pub(super) fn checked_input_keys(plugin: &Plugin, model: &str) -> Result<Vec<String>> {
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
