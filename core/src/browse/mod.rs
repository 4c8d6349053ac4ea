//! Browsing past runs: [`list_runs`] summarises every run of an experiment (newest first) and
//! [`show_run`] gathers everything about one; [`render_table`] and [`render_details`] turn them into
//! the text that `runner runs` and `runner show` print. Everything is read through
//! [`Storage`](crate::storage::Storage), so local and S3 roots browse alike, and leniently:
//! half-written runs are listed as `allocating` and unreadable files become warnings, never errors.

mod details;
mod list;
pub(crate) mod read;
mod show;
mod status;
mod table;
#[cfg(test)]
pub(crate) mod test_runs;
mod time;

pub use details::render_details;
pub use list::{list_runs, ModelSummary, RunSummary};
pub use read::{Claim, TestScores};
pub use show::{show_run, Artifact, BestTrial, ModelDetails, RunDetails, TuningOutcome};
pub use status::RunStatus;
pub use table::render_table;
