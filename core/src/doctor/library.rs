//! The first two checks: the file is a loadable mlpipe plugin, and it was built against the
//! runner's mlpipe-plugin-api and tch/libtorch (tensors cross the boundary as raw libtorch
//! pointers, so both sides must agree).

use super::Lines;
use mlpipe_plugin_api::host::{LoadError, PluginLibrary};
use mlpipe_plugin_api::{TorchAbi, PLUGIN_API_VERSION};
use std::path::Path;

const LOADS: &str = "library loads";
const VERSIONS: &str = "plugin-api and libtorch versions match the runner's";

/// Loads the library; `None` (after a failed line) when it cannot be used.
pub(super) fn load(path: &Path, lines: &mut Lines<'_>) -> Option<PluginLibrary> {
    match PluginLibrary::load(path) {
        Ok(library) => {
            lines.check(LOADS, Ok(path.display().to_string()));
            let versions = format!("mlpipe-plugin-api {PLUGIN_API_VERSION}, {}", TorchAbi::CURRENT);
            lines.check(VERSIONS, Ok(versions));
            Some(library)
        }
        Err(err @ (LoadError::IncompatibleApi { .. } | LoadError::IncompatibleTorch { .. })) => {
            lines.check(LOADS, Ok(path.display().to_string()));
            lines.check(VERSIONS, Err(err.to_string()));
            None
        }
        Err(err) => {
            lines.check(LOADS, Err(err.to_string()));
            None
        }
    }
}
