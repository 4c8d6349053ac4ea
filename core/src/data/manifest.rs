//! The manifests of the data snapshot: `data/manifest.toml` (what reconcile produced, from what)
//! and `data/prepared/manifest.toml` (what prepare produced, from what). Both are TOML written
//! last, so their presence marks a complete step; `inputs_sha256` lets a pipeline recognise that a
//! snapshot was made from identical inputs.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `data/manifest.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataManifest {
    /// RFC 3339 time the snapshot was made.
    pub created: String,
    /// The mlpipe version that made it.
    pub mlpipe_version: String,
    /// Hash of everything that determines the snapshot: plugin file, data source, data settings.
    pub inputs_sha256: String,
    /// The plugin library, as given on the command line.
    pub plugin_file: String,
    /// The plugin library's SHA-256.
    pub plugin_sha256: String,
    /// `[data] source`, when the settings name one.
    pub data_source: Option<String>,
    /// The data source's SHA-256, when it is a file.
    pub data_source_sha256: Option<String>,
    /// SHA-256 of `reconciled/records.parquet`.
    pub records_sha256: String,
    /// SHA-256 of `id2label.json`.
    pub id2label_sha256: String,
    /// How many records were reconciled.
    pub num_records: usize,
    /// How many labels the plugin named.
    pub num_labels: usize,
    /// How the splits were made.
    pub splits_made: String,
    /// Record counts per split.
    pub splits: BTreeMap<String, usize>,
    /// Record counts per label and split.
    pub labels: BTreeMap<String, LabelCounts>,
}

/// Record counts of one label.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelCounts {
    /// The label id (its position in `id2label.json`).
    pub id: usize,
    /// Records in the training split.
    pub train: usize,
    /// Records in the validation split.
    pub validation: usize,
    /// Records in the test split.
    pub test: usize,
}

/// `data/prepared/manifest.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedManifest {
    /// RFC 3339 time the prepared data was made.
    pub created: String,
    /// The mlpipe version that made it.
    pub mlpipe_version: String,
    /// Hash of the records, the plugin and the model names.
    pub inputs_sha256: String,
    /// SHA-256 of the reconciled records it was made from.
    pub records_sha256: String,
    /// The plugin library's SHA-256.
    pub plugin_sha256: String,
    /// Columns are prefixed with the model name.
    pub comparison: bool,
    /// Seconds the step took.
    pub wall_seconds: f64,
    /// Per split (`train`, `validation`, `test`): its file.
    pub files: BTreeMap<String, PreparedFile>,
    /// Per model, in the settings' order: its inputs.
    pub models: Vec<PreparedModel>,
}

/// One prepared split file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedFile {
    /// Records in the file.
    pub rows: usize,
    /// The file's SHA-256.
    pub sha256: String,
}

/// One model's inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedModel {
    /// The model name.
    pub name: String,
    /// `ordered_input_keys`: forward's inputs in positional order.
    pub input_keys: Vec<String>,
    /// Every input `prepare` produced with its type, in the plugin's order.
    pub inputs: BTreeMap<String, String>,
    /// Column name of each input in the Parquet files.
    pub columns: BTreeMap<String, String>,
    /// Mean length of the first input, over all splits.
    pub mean_length: f64,
    /// Maximum length of the first input, over all splits.
    pub max_length: usize,
    /// The prepared-data cache entry these inputs came from (`.mlpipe-cache/prepared/<key>/`);
    /// empty in snapshots made before the cache.
    #[serde(default)]
    pub cache_key: String,
}

/// Renders a manifest as TOML.
///
/// # Errors
/// Never in practice (all manifest fields serialise).
pub fn to_toml<T: Serialize>(manifest: &T, uri: &str) -> Result<String> {
    toml::to_string_pretty(manifest).map_err(|err| Error::data_file(uri, err))
}

/// Parses a manifest.
///
/// # Errors
/// Invalid TOML or a missing field, reported against `uri`.
pub fn from_toml<T: for<'de> Deserialize<'de>>(text: &str, uri: &str) -> Result<T> {
    toml::from_str(text).map_err(|err| Error::data_file(uri, err.to_string().lines().next().unwrap_or("invalid TOML")))
}
