//! Loading a Hugging Face checkpoint (`model.safetensors`) into a model's variables: names are
//! matched after dropping the `bert.` prefix that task models add, shapes are checked, dtypes are
//! converted, and a variable the file lacks is an error unless it belongs to a part the caller
//! allows to start fresh (the classification head, and the pooler of a checkpoint saved without
//! one).

use crate::error::TransformerError;
use std::collections::BTreeMap;
use std::path::Path;
use tch::nn::VarStore;
use tch::Tensor;

/// What a load did besides filling the variables it found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoadReport {
    /// Variables the file did not have and that keep their fresh initialisation.
    pub initialised: Vec<String>,
    /// Tensors of the file no variable uses (e.g. a masked-LM head).
    pub unused: Vec<String>,
}

/// The prefixes a Hugging Face task model puts before the encoder's names.
const PREFIXES: &[&str] = &["bert.", "model."];

/// Copies the tensors of `path` into the variables of `vs`.
///
/// A variable whose name starts with one of `fresh_prefixes` may be absent from the file; any other
/// absent variable, and any shape mismatch, is an error naming the tensor.
///
/// # Errors
/// An unreadable or malformed file, a missing variable, a shape mismatch.
pub fn load_pretrained(vs: &VarStore, path: &Path, fresh_prefixes: &[&str]) -> Result<LoadReport, TransformerError> {
    let weights_error = |problem: String| TransformerError::Weights { path: path.into(), problem };
    if !path.is_file() {
        return Err(TransformerError::Io {
            path: path.into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let mut file: BTreeMap<String, Tensor> = Tensor::read_safetensors(path)
        .map_err(|err| weights_error(err.to_string()))?
        .into_iter()
        .map(|(name, tensor)| {
            let name = PREFIXES.iter().find_map(|p| name.strip_prefix(p)).map_or(name.clone(), str::to_string);
            (name, tensor)
        })
        .collect();
    let mut report = LoadReport::default();
    let mut variables: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    variables.sort_by(|a, b| a.0.cmp(&b.0));
    let mut missing = Vec::new();
    tch::no_grad(|| -> Result<(), TransformerError> {
        for (name, variable) in &variables {
            let Some(source) = file.remove(name) else {
                if fresh_prefixes.iter().any(|prefix| name.starts_with(prefix)) {
                    report.initialised.push(name.clone());
                } else {
                    missing.push(name.clone());
                }
                continue;
            };
            if source.size() != variable.size() {
                return Err(weights_error(format!(
                    "{name} has shape {:?}, the model expects {:?}",
                    source.size(),
                    variable.size()
                )));
            }
            let mut target = variable.shallow_clone();
            target.f_copy_(&source.f_to_kind(variable.kind())?)?;
        }
        Ok(())
    })?;
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        let more = if missing.len() > 5 { format!(" and {} more", missing.len() - 5) } else { String::new() };
        return Err(weights_error(format!(
            "not a checkpoint of this architecture: {} missing{more}",
            shown.join(", ")
        )));
    }
    // Buffers Hugging Face saves that are not parameters.
    file.retain(|name, _| !name.ends_with("position_ids"));
    report.unused = file.into_keys().collect();
    Ok(report)
}
