//! The names inside a tuning trial's local control folder (see `tune::control`): the folder itself
//! in the tuner's scratch space, the tuner's `reference.json` (written beside a partial file, then
//! renamed), the trial's `stopped` marker and its `train.log`.

use std::path::{Path, PathBuf};

/// `<work>/<model>-trial-<trial>`: the control folder of one trial.
pub fn control_dir(work: &Path, model: &str, trial: u32) -> PathBuf {
    work.join(format!("{model}-trial-{trial}"))
}

/// `reference.json`: earlier trials' objective per epoch, from the tuner.
pub fn reference(dir: &Path) -> PathBuf {
    dir.join("reference.json")
}

/// `reference.json.partial`: the reference being written, renamed into place when complete.
pub fn reference_partial(dir: &Path) -> PathBuf {
    dir.join("reference.json.partial")
}

/// `stopped`: the marker a trial stopped by the median rule leaves.
pub fn stopped(dir: &Path) -> PathBuf {
    dir.join("stopped")
}

/// `train.log`: the trial process's output.
pub fn log(dir: &Path) -> PathBuf {
    dir.join("train.log")
}
