//! The one place experiment keys are spelled (DESIGN.md §3): every file of an experiment, from the
//! reconciled records to a run's report, gets its key from [`ExperimentLayout`] or [`RunLayout`],
//! relative to the storage root, so local disk and S3 use the same names. It also allocates run
//! numbers: [`allocate_run`] claims the next free `runs/<n>/` with a create-only write, which is
//! atomic across processes and machines sharing the storage.

mod allocate;
mod cache;
mod experiment;
mod model_files;
mod run;
pub mod sagemaker;
#[cfg(test)]
mod tests;
pub mod tracking;
pub mod trial_control;

/// The folder next to `settings.ini` that holds the experiments when `[experiment] root` is not set.
pub const DEFAULT_ROOT_DIR: &str = "experiments";

pub use allocate::{allocate_run, list_runs};
pub use cache::{PreparedCacheLayout, CACHE_DIR};
pub use experiment::{ExperimentLayout, DATA_MANIFEST};
pub use model_files::WorkFiles;
pub use run::{
    tuning_plot_scratch, RunLayout, CHECKPOINTS_DIR, INFERENCE_DIR, INPUT_KEYS_FILE, MANIFEST_FILE, MODEL_FILE,
    REPORT_FILE, SETTINGS_FILE, TRAINING_DIR, TRIALS_FILE, TRIAL_PREFIX, TUNING_DIR, TUNING_PLOT_FILE, WEIGHTS_FILE,
};
