//! `runner new DIR [--name NAME]`: writes a plugin crate that builds and runs as it is. Its
//! `Cargo.toml` depends on this runner's own mlpipe-plugin-api (same version, same folder), its
//! `.cargo/config.toml` points the build at the libtorch this runner was built with, and its
//! `Cargo.lock` is the runner's, so every shared dependency (tch, abi_stable) has the runner's
//! version. The files come from `runner/templates/plugin/`, with `{{name}}`-style placeholders.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Where this runner's plugin API and libtorch are: what a new plugin must build against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The mlpipe-plugin-api folder.
    pub api_path: PathBuf,
    /// The mlpipe-build-support folder.
    pub build_support_path: PathBuf,
    /// mlpipe-plugin-api's version.
    pub api_version: String,
    /// The libtorch root (holding `include/` and `lib/`).
    pub libtorch: PathBuf,
    /// `LIBTORCH_CXX11_ABI` of the runner's build.
    pub cxx11_abi: String,
    /// The runner's `Cargo.lock`.
    pub lockfile: &'static str,
}

impl Origin {
    /// What this runner binary was built from (recorded by `runner/build.rs`).
    pub fn of_this_runner() -> Self {
        Self {
            api_path: PathBuf::from(env!("MLPIPE_PLUGIN_API_DIR")),
            build_support_path: PathBuf::from(env!("MLPIPE_BUILD_SUPPORT_DIR")),
            api_version: mlpipe_plugin_api::PLUGIN_API_VERSION.to_string(),
            libtorch: PathBuf::from(env!("MLPIPE_LIBTORCH_ROOT")),
            cxx11_abi: env!("MLPIPE_LIBTORCH_CXX11_ABI").to_string(),
            lockfile: include_str!("../../Cargo.lock"),
        }
    }
}

/// Why `runner new` wrote nothing (or stopped).
#[derive(Debug)]
pub enum ScaffoldError {
    /// The target folder has files in it.
    NotEmpty { dir: PathBuf },
    /// The crate name is not usable.
    BadName { name: String, reason: &'static str },
    /// Reading or writing a file.
    Io { path: PathBuf, source: io::Error },
}

impl fmt::Display for ScaffoldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScaffoldError::NotEmpty { dir } => {
                write!(f, "{} is not empty: `runner new` writes only into a new or empty folder", dir.display())
            }
            ScaffoldError::BadName { name, reason } => {
                write!(f, "plugin name {name:?}: {reason} (give one with --name)")
            }
            ScaffoldError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for ScaffoldError {}

/// One file of the new crate: its path in the crate and its template.
const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../templates/plugin/Cargo.toml.in")),
    ("build.rs", include_str!("../templates/plugin/build.rs.in")),
    (".cargo/config.toml", include_str!("../templates/plugin/cargo-config.toml.in")),
    ("src/lib.rs", include_str!("../templates/plugin/lib.rs.in")),
    ("settings.ini", include_str!("../templates/plugin/settings.ini.in")),
    ("data.tsv", include_str!("../templates/plugin/data.tsv")),
    (".gitignore", include_str!("../templates/plugin/gitignore.in")),
];

/// Writes the plugin crate into `dir` (created if missing) and returns the files written. The
/// crate is named `name`, or after the folder.
///
/// # Errors
/// [`ScaffoldError::NotEmpty`] when `dir` has entries, [`ScaffoldError::BadName`] when the name is
/// not a crate name, [`ScaffoldError::Io`] when a file cannot be written.
pub fn scaffold(dir: &Path, name: Option<&str>, origin: &Origin) -> Result<Vec<PathBuf>, ScaffoldError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ScaffoldError::Io { path, source }
    };
    let name = match name {
        Some(name) => name.to_string(),
        None => dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    check_name(&name)?;
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(ScaffoldError::NotEmpty { dir: dir.to_path_buf() });
        }
    }
    let mut written = Vec::new();
    let files = FILES.iter().map(|(path, template)| (*path, fill(template, &name, origin)));
    for (relative, text) in files.chain([("Cargo.lock", origin.lockfile.to_string())]) {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        fs::write(&path, text).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

/// A crate name that is also a valid experiment name: a letter, then letters, digits, `_`, `-`.
fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let bad = |reason| Err(ScaffoldError::BadName { name: name.to_string(), reason });
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return bad("must start with a letter");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return bad("may hold only letters, digits, '_' and '-'");
    }
    if name.len() > 64 {
        return bad("is longer than 64 characters");
    }
    Ok(())
}

/// Fills a template's placeholders. Paths go into TOML strings, so `\` and `"` are escaped.
fn fill(template: &str, name: &str, origin: &Origin) -> String {
    let toml = |path: &Path| path.display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
    let text = template
        .replace("{{name}}", name)
        .replace("{{lib_name}}", &name.replace('-', "_"))
        .replace("{{api_version}}", &origin.api_version)
        .replace("{{api_path}}", &toml(&origin.api_path))
        .replace("{{build_support_path}}", &toml(&origin.build_support_path))
        .replace("{{libtorch}}", &toml(&origin.libtorch))
        .replace("{{cxx11_abi}}", &origin.cxx11_abi);
    debug_assert!(!text.contains("{{"), "a placeholder is left unfilled");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            api_path: PathBuf::from("/src/mlpipe/plugin-api"),
            build_support_path: PathBuf::from("/src/mlpipe/plugin-api/build-support"),
            api_version: "0.1.0".to_string(),
            libtorch: PathBuf::from("/venv/torch"),
            cxx11_abi: "1".to_string(),
            lockfile: "# lock\n",
        }
    }

    #[test]
    fn writes_every_file_with_placeholders_filled() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("my-exp");
        let written = scaffold(&target, None, &origin()).unwrap();
        assert_eq!(written.len(), FILES.len() + 1);
        for path in &written {
            assert!(!fs::read_to_string(path).unwrap().contains("{{"), "{}", path.display());
        }
        let manifest = fs::read_to_string(target.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"my-exp\""), "{manifest}");
        assert!(manifest.contains("mlpipe-plugin-api = { path = \"/src/mlpipe/plugin-api\", version = \"=0.1.0\" }"));
        let config = fs::read_to_string(target.join(".cargo/config.toml")).unwrap();
        assert!(config.contains("LIBTORCH = { value = \"/venv/torch\", force = true }"), "{config}");
        let settings = fs::read_to_string(target.join("settings.ini")).unwrap();
        assert!(settings.contains("target/release/libmy_exp.so"), "{settings}");
    }

    #[test]
    fn refuses_a_non_empty_folder_and_bad_names() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = scaffold(dir.path(), Some("exp"), &origin()).unwrap_err();
        assert!(matches!(err, ScaffoldError::NotEmpty { .. }), "{err}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let empty = tempfile::tempdir().unwrap();
        let err = scaffold(empty.path(), Some("1st exp"), &origin()).unwrap_err().to_string();
        assert_eq!(err, "plugin name \"1st exp\": must start with a letter (give one with --name)");
        let err = scaffold(empty.path(), Some("my.exp"), &origin()).unwrap_err().to_string();
        assert!(err.contains("may hold only letters"), "{err}");
    }
}
