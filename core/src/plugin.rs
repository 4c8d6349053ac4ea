//! Loading the user's plugin for a job: the library checks of `mlpipe_plugin_api::host`, then
//! opening the experiment with a [`Context`] built from the settings, and the plugin file's hash
//! that manifests record for provenance.

use crate::hash::sha256_file;
use crate::settings::Settings;
use crate::Result;
use mlpipe_plugin_api::host::{HostExperiment, PluginLibrary};
use mlpipe_plugin_api::Context;
use std::path::{Path, PathBuf};

/// A loaded and opened plugin.
pub struct Plugin {
    /// The plugin file, as given.
    pub path: PathBuf,
    /// sha256 of the plugin file.
    pub sha256: String,
    /// The opened experiment.
    pub experiment: HostExperiment,
}

impl Plugin {
    /// Loads the library at `path`, checks it and opens the experiment.
    ///
    /// # Errors
    /// Every load failure (one line each, see `LoadError`) and a failing or panicking `new`.
    pub fn open(path: &Path, settings: &Settings) -> Result<Plugin> {
        let library = PluginLibrary::load(path).inspect_err(|err| {
            if let Some(detail) = err.detail() {
                tracing::debug!("plugin load failure detail:\n{detail}");
            }
        })?;
        let sha256 = sha256_file(path)?;
        let experiment = library.open(&context(settings))?;
        Ok(Plugin { path: path.to_path_buf(), sha256, experiment })
    }
}

/// What the plugin is told about the experiment.
pub fn context(settings: &Settings) -> Context {
    Context {
        experiment_name: settings.experiment.name.clone(),
        seed: settings.experiment.seed,
        data_source: settings.data.source.clone(),
        settings_dir: settings.dir.clone(),
        model_names: settings.experiment.model_names.clone(),
        options: settings.plugin.clone(),
    }
}
