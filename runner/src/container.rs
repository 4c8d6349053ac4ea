//! `runner --plugin /opt/mlpipe/plugin.so --container STEP`: the image's entry point inside a
//! SageMaker job. SageMaker passes the step where the settings path would be; this reads it and
//! hands the request to [`mlpipe_aws::container::run_in_container`], which does the rest.

use crate::cli::{Cli, Step};
use crate::invocation;
use clap::ValueEnum;
use mlpipe_core::{Error, Result};
use std::path::PathBuf;

/// Runs the steps SageMaker asked for.
///
/// # Errors
/// A malformed job folder, bad settings or hyperparameters, or a failing step.
pub fn run(cli: &Cli) -> Result<()> {
    let request = container_steps(cli).map(|steps| {
        let mut request = invocation::from_cli(cli, PathBuf::new());
        request.steps = invocation::steps(&steps);
        request
    });
    mlpipe_aws::container::run_in_container(request)
}

/// SageMaker passes the step where the settings path would be: `--container train`.
fn container_steps(cli: &Cli) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    if let Some(first) = &cli.settings {
        let text = first.to_string_lossy();
        let step = Step::from_str(&text, true).map_err(|_| Error::Unsupported {
            what: format!("--container: {text:?} is not a step (train, reconcile, prepare, infer)"),
        })?;
        steps.push(step);
    }
    steps.extend(cli.steps.iter().copied());
    if steps.is_empty() {
        return Err(Error::Unsupported { what: "--container needs a step (SageMaker training passes `train`)".into() });
    }
    if steps.contains(&Step::Train) && steps.len() > 1 {
        return Err(Error::Unsupported { what: "--container train runs alone (one training job per model)".into() });
    }
    Ok(steps)
}
