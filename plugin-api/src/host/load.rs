//! Loading a plugin `.so`: existence, dynamic loading, abi_stable's version and layout checks,
//! then the libtorch/tch check. abi_stable's own errors can be hundreds of lines long (a layout
//! dump); they are summarised to one line here and kept whole in [`LoadError::detail`].

use super::experiment::{call, CallError, HostExperiment};
use crate::ffi::{FfiContext, PluginModRef};
use crate::{Context, TorchAbi};
use abi_stable::library::{LibraryError, RootModule};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a plugin could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// No file at the path.
    NotFound {
        /// The plugin path, as given.
        path: PathBuf,
    },
    /// The file exists but the dynamic loader refused it.
    NotSharedLibrary {
        /// The plugin path, as given.
        path: PathBuf,
        /// The loader's message, first line.
        reason: String,
    },
    /// A shared library without an mlpipe root module.
    NotAPlugin {
        /// The plugin path, as given.
        path: PathBuf,
    },
    /// Built against another plugin-api version, or one whose types differ.
    IncompatibleApi {
        /// The plugin path, as given.
        path: PathBuf,
        /// One line: the two versions, or what differs.
        reason: String,
        /// abi_stable's whole report (see [`LoadError::detail`]).
        detail: String,
    },
    /// Built against another tch/libtorch.
    IncompatibleTorch {
        /// The plugin path, as given.
        path: PathBuf,
        /// What the plugin was built against, e.g. `tch 0.24.0 / libtorch 2.11.0`.
        plugin: String,
        /// What the runner was built against.
        host: String,
    },
}

impl LoadError {
    /// The full diagnostic (abi_stable's layout report, when there is one), for debug logs.
    pub fn detail(&self) -> Option<&str> {
        match self {
            LoadError::IncompatibleApi { detail, .. } => Some(detail),
            _ => None,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound { path } => write!(f, "plugin {}: no such file", path.display()),
            LoadError::NotSharedLibrary { path, reason } => {
                write!(f, "plugin {}: not a loadable shared library ({reason})", path.display())
            }
            LoadError::NotAPlugin { path } => write!(
                f,
                "plugin {}: not an mlpipe plugin (no root module; did the crate call export_experiment!?)",
                path.display()
            ),
            LoadError::IncompatibleApi { path, reason, .. } => write!(
                f,
                "plugin {}: built against an incompatible mlpipe-plugin-api ({reason}); rebuild it against mlpipe-plugin-api {}",
                path.display(),
                crate::PLUGIN_API_VERSION
            ),
            LoadError::IncompatibleTorch { path, plugin, host } => write!(
                f,
                "plugin {}: built against {plugin} but the runner uses {host}; rebuild the plugin",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// A loaded, checked plugin library.
#[derive(Clone, Copy)]
pub struct PluginLibrary {
    root: PluginModRef,
}

impl PluginLibrary {
    /// Loads and checks the plugin at `path`. A process can load only one plugin library
    /// (abi_stable caches the first); later calls return that one.
    ///
    /// # Errors
    /// Every [`LoadError`] case.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let path_buf = path.to_path_buf();
        if !path.is_file() {
            return Err(LoadError::NotFound { path: path_buf });
        }
        let root = PluginModRef::load_from_file(path).map_err(|err| classify(path_buf.clone(), err))?;
        let plugin = root.torch_abi();
        if plugin != TorchAbi::CURRENT {
            return Err(LoadError::IncompatibleTorch {
                path: path_buf,
                plugin: plugin.to_string(),
                host: TorchAbi::CURRENT.to_string(),
            });
        }
        Ok(Self { root })
    }

    /// Opens the experiment (`Experiment::new`).
    ///
    /// # Errors
    /// When `new` returns an error or panics.
    pub fn open(&self, ctx: &Context) -> Result<HostExperiment, CallError> {
        let ffi_ctx = FfiContext::from(ctx);
        let experiment = call("new", (self.root.open())(&ffi_ctx))?;
        Ok(HostExperiment::new(experiment))
    }
}

fn classify(path: PathBuf, err: LibraryError) -> LoadError {
    match err {
        LibraryError::OpenError { err, .. } => {
            LoadError::NotSharedLibrary { path, reason: first_line(&err.to_string()) }
        }
        LibraryError::GetSymbolError { .. } => LoadError::NotAPlugin { path },
        LibraryError::IncompatibleVersionNumber { expected_version, actual_version, .. } => {
            LoadError::IncompatibleApi {
                path,
                reason: format!("plugin has {actual_version}, runner has {expected_version}"),
                detail: String::new(),
            }
        }
        LibraryError::Many(errors) if !errors.is_empty() => {
            let first = errors.into_iter().next().expect("checked non-empty");
            classify(path, first)
        }
        other => {
            let detail = other.to_string();
            // abi_stable compares type layouts (which carry the crate version) before version
            // numbers, so a version bump usually surfaces as a layout difference: name both.
            let plugin_version = abi_stable::library::lib_header_from_path(&path)
                .map(|header| header.version_strings().version.to_string())
                .ok();
            let reason = match (&other, plugin_version) {
                (_, Some(version)) if version != crate::PLUGIN_API_VERSION => {
                    format!("plugin has {version}, runner has {}", crate::PLUGIN_API_VERSION)
                }
                (LibraryError::AbiInstability(_), _) => "the types at the boundary differ".to_string(),
                _ => first_line(&detail),
            };
            LoadError::IncompatibleApi { path, reason, detail }
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or("unknown error").to_string()
}
