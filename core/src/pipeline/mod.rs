//! The pipeline: which steps one request runs, in which order, and on which [`Backend`]. The
//! runner builds an [`Invocation`] from its command line and picks a backend; this module checks
//! the request, loads the settings and the plugin once, and hands the planned [`Step`]s to the
//! backend — [`LocalBackend`] here (processes on this machine), SageMaker jobs in `mlpipe-aws`.

mod backend;
mod invocation;
mod launch;
mod local;
mod reproduce;
mod run;
mod run_compare;
mod say;
mod step;
mod trials;

pub use backend::Backend;
pub use invocation::Invocation;
pub use launch::{train_workers, write_report, RUN_REPORT_VAR};
pub use local::LocalBackend;
pub use reproduce::{reproduce, Reproduce, Reproduction};
pub use run::{run_invocation, PickBackend};
pub use run_compare::{compare_runs, recorded_run, Verdict};
pub use say::Say;
pub use step::{plan_steps, Step};
pub use trials::{launch_trial, TrialRef};
