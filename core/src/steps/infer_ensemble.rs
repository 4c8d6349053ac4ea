//! The ensemble of a comparison job (`[experiment] ensemble = true`): the members' probabilities
//! averaged record by record, scored like a model, and `ensemble.json` naming its members' files.

use super::infer::{score, ModelInference};
use super::infer_forward::Forward;
use crate::job::Job;
use crate::layout::RunLayout;
use crate::settings::ENSEMBLE;
use crate::{Error, Result};

/// The comparison job's ensemble ([`ENSEMBLE`]): per test record the mean, in float64 and in
/// `model_names` order, of the members' probabilities, predicted as its argmax (ties to the lowest
/// class id, as numpy's `argmax`); scored and stored like a model, plus `ensemble.json`, which
/// names the members' files and the rule, so that the ensemble can be served and checked outside
/// mlpipe.
pub(super) fn ensemble(job: &Job, run: &RunLayout, labels: &[String], members: &[Forward]) -> Result<ModelInference> {
    let first = members.first().ok_or_else(|| Error::Internal { what: "an ensemble without members".into() })?;
    if let Some(other) = members.iter().find(|member| member.ids != first.ids) {
        return Err(Error::Internal {
            what: format!("models {} and {} scored different test records", first.model, other.model),
        });
    }
    let n = labels.len();
    let rows = first.ids.len();
    let mut probabilities = Vec::with_capacity(rows * n);
    let mut predicted = Vec::with_capacity(rows);
    for row in 0..rows {
        let mean: Vec<f64> = (0..n)
            .map(|class| {
                let sum: f64 = members.iter().map(|member| f64::from(member.probabilities[row * n + class])).sum();
                sum / members.len() as f64
            })
            .collect();
        predicted.push((0..n).fold(0, |best, class| if mean[class] > mean[best] { class } else { best }));
        probabilities.extend(mean.iter().map(|&p| p as f32));
    }
    let names: Vec<&str> = members.iter().map(|member| member.model.as_str()).collect();
    let forward = Forward {
        model: ENSEMBLE.to_string(),
        ids: first.ids.clone(),
        truth: first.truth.clone(),
        probabilities,
        predicted,
        seconds: members.iter().map(|member| member.seconds).sum(),
        model_bytes: members.iter().map(|member| member.model_bytes).sum(),
        precision: members
            .iter()
            .map(|member| format!("{} {}", member.model, member.precision))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let result = score(job, run, labels, ENSEMBLE, &forward)?;
    let relative = |key: String| key.strip_prefix(&run.prefix()).map(str::to_string).unwrap_or(key);
    let mut files = serde_json::Map::new();
    for member in members {
        files.insert(
            member.model.clone(),
            serde_json::json!({
                "model": relative(run.model_file(&member.model)?),
                "input_keys": relative(run.input_keys(&member.model)?),
                "precision": member.precision,
            }),
        );
    }
    let manifest = serde_json::json!({
        "members": names,
        "combine": "mean of the members' softmax probabilities, summed in float64 in members order; predicted class = argmax, ties to the lowest class id",
        "files": files,
    });
    let text = serde_json::to_string_pretty(&manifest).map_err(|err| Error::Internal { what: err.to_string() })?;
    job.storage.put(&run.ensemble_manifest(), text.as_bytes())?;
    Ok(result)
}
