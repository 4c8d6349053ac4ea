//! [`TrialControl`]: how a running trial learns whether the tuner's early stopping wants it to
//! stop. The tuner (parent process) keeps `reference.json` in the trial's control folder up to date
//! with the per-epoch objective values of the trials finished so far; the trial (child process)
//! reads it at every epoch end and applies SageMaker's median rule to its own values. When it
//! stops, it leaves a `stopped` marker, so the tuner records the trial as stopped rather than
//! completed.
//!
//! Deciding in the trial keeps a sequential tuning job deterministic: a trial sees exactly the
//! trials that finished before it started, plus any that finish while it runs.

use super::search::median_rule_stops;
use crate::layout::trial_control;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The environment variable naming a trial's control folder.
pub const CONTROL_VAR: &str = "MLPIPE_TRIAL_CONTROL";

/// Earlier trials a median needs before it may stop anything.
pub const MIN_EARLIER_TRIALS: usize = 3;

/// What the tuner tells a running trial: earlier trials' objective per epoch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Whether higher objective values are better.
    pub maximize: bool,
    /// Per earlier finished trial, its objective value at each epoch (1, 2, ...).
    pub earlier: Vec<Vec<f64>>,
}

/// A trial's side of the control folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialControl {
    /// The control folder.
    pub dir: PathBuf,
}

impl TrialControl {
    /// The control folder named by [`CONTROL_VAR`], if set.
    pub fn from_env() -> Option<Self> {
        std::env::var_os(CONTROL_VAR).map(|dir| Self { dir: PathBuf::from(dir) })
    }

    fn reference_path(dir: &Path) -> PathBuf {
        trial_control::reference(dir)
    }

    /// The marker a trial stopped by the median rule leaves.
    pub fn stopped_marker(dir: &Path) -> PathBuf {
        trial_control::stopped(dir)
    }

    /// Tuner side: replaces the reference atomically.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write_reference(dir: &Path, reference: &Reference) -> Result<()> {
        let path = Self::reference_path(dir);
        let text = serde_json::to_vec(reference).expect("references always serialise");
        // Renamed into place, so a trial reading it never sees half a file.
        let partial = trial_control::reference_partial(dir);
        std::fs::write(&partial, text)
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|source| Error::Io { path, source })
    }

    /// Trial side, at an epoch end with its objective values so far: whether to stop. A missing or
    /// unreadable reference never stops a trial (the reference is advice, not a contract).
    pub fn should_stop(&self, values: &[f64]) -> bool {
        let Ok(bytes) = std::fs::read(Self::reference_path(&self.dir)) else {
            return false;
        };
        let Ok(reference) = serde_json::from_slice::<Reference>(&bytes) else {
            tracing::warn!("{}: unreadable tuning reference, not stopping", self.dir.display());
            return false;
        };
        let orient = |v: f64| if reference.maximize { v } else { -v };
        let current: Vec<f64> = values.iter().copied().map(orient).collect();
        let earlier: Vec<Vec<f64>> =
            reference.earlier.iter().map(|trial| trial.iter().copied().map(orient).collect()).collect();
        let stop = median_rule_stops(&current, &earlier, MIN_EARLIER_TRIALS);
        if stop {
            let marker = Self::stopped_marker(&self.dir);
            if let Err(err) = std::fs::write(&marker, format!("epoch {}\n", values.len())) {
                tracing::warn!("{}: {err}", marker.display());
            }
        }
        stop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(reference: &Reference) -> (tempfile::TempDir, TrialControl) {
        let dir = tempfile::tempdir().unwrap();
        TrialControl::write_reference(dir.path(), reference).unwrap();
        let control = TrialControl { dir: dir.path().to_path_buf() };
        (dir, control)
    }

    #[test]
    fn a_trial_below_the_median_stops_and_leaves_the_marker() {
        let earlier = vec![vec![0.5, 0.7], vec![0.6, 0.8], vec![0.4, 0.9]];
        let (dir, trial) = control(&Reference { maximize: true, earlier });
        // Epoch 1: the earlier values 0.5, 0.6, 0.4 have median 0.5.
        assert!(!trial.should_stop(&[0.5]), "equal to the median: goes on");
        assert!(!TrialControl::stopped_marker(dir.path()).exists());
        // Epoch 2: running averages 0.6, 0.7, 0.65 have median 0.65.
        assert!(!trial.should_stop(&[0.3, 0.66]));
        assert!(trial.should_stop(&[0.3, 0.64]));
        assert!(TrialControl::stopped_marker(dir.path()).exists());
    }

    #[test]
    fn losses_are_minimised() {
        let earlier = vec![vec![1.0], vec![1.2], vec![0.8]];
        let (_dir, trial) = control(&Reference { maximize: false, earlier });
        assert!(trial.should_stop(&[1.1]), "loss 1.1 is worse than the median 1.0");
        assert!(!trial.should_stop(&[0.9]));
    }

    #[test]
    fn no_reference_never_stops() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!TrialControl { dir: dir.path().to_path_buf() }.should_stop(&[0.0]));
    }
}
