//! `runner sync SETTINGS.ini RUN`: pushes a run folder to the experiment tracker (MLflow), for a
//! run made while the tracker was down, slow or not configured yet. Idempotent: a second sync
//! sends nothing (metric points MLflow has, same-valued params and same-sized artifacts are
//! skipped).

use mlpipe_core::job::Job;
use mlpipe_core::settings::Settings;
use mlpipe_core::track::sync::{sync_folder, SYNC_TIMEOUT};
use mlpipe_core::{Error, Result};
use std::path::Path;

/// Syncs run `run` of the experiment `settings` describes.
///
/// # Errors
/// No `[tracking] mlflow_uri`, a missing run, or the tracker's first failure (a rerun completes
/// what is left).
pub fn sync(settings: &Path, overrides: &[String], run: u64) -> Result<()> {
    let settings = Settings::load(settings, overrides)?;
    let Some(uri) = settings.tracking.mlflow_uri.clone() else {
        return Err(Error::Unsupported {
            what: format!(
                "{}: [tracking] mlflow_uri is not set: nothing to sync to (or pass --set tracking.mlflow_uri=http://...)",
                settings.path.display()
            ),
        });
    };
    let job = Job::open_with(settings, std::sync::Arc::new(mlpipe_aws::Aws))?;
    let layout = job.layout.run(run);
    let synced = sync_folder(&job, &layout, &uri, SYNC_TIMEOUT)?;
    let mut total = 0;
    for item in &synced {
        let r = &item.report;
        total += r.sent();
        println!(
            "sync: {} (MLflow run {}): sent {} metric points, {} params, {} artifacts{}; already there: {} points, {} params, {} artifacts",
            item.key,
            r.run_id,
            r.metrics_sent,
            r.params_sent,
            r.artifacts_sent,
            if r.status_set { ", status" } else { "" },
            r.metrics_skipped,
            r.params_skipped,
            r.artifacts_skipped
        );
    }
    println!(
        "sync: run {run} of {} is up to date in {uri} (experiment {:?}); {total} items sent",
        job.settings.experiment.name, job.settings.tracking.mlflow_experiment
    );
    Ok(())
}
