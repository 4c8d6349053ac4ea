//! What the host tells a plugin about the experiment when it opens it: the resolved settings a
//! plugin may need (data source, seed, model names) and the free-form `[plugin]` section.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The experiment's settings as a plugin sees them. Paths are already resolved against the
/// folder of `settings.ini`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// `[experiment] name`.
    pub experiment_name: String,
    /// `[experiment] seed`: use it for any randomness so runs are reproducible.
    pub seed: u64,
    /// `[data] source`, if set.
    pub data_source: Option<PathBuf>,
    /// The folder holding `settings.ini`, for resolving any other relative path.
    pub settings_dir: PathBuf,
    /// `[experiment] model_names`, in order.
    pub model_names: Vec<String>,
    /// Every key of the `[plugin]` section, verbatim: the plugin's own options.
    pub options: BTreeMap<String, String>,
}

impl Context {
    /// The `[plugin]` option `key`, if set.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }
}
