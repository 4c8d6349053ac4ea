//! Trial processes of a local tuning job: each trial is this same `runner`, asked to train one
//! model with the trial's parameters as `--set` overrides (`train --trial <run>/<model>/<n>`),
//! its output going to the trial's log. A trial dies with the tuner (`PR_SET_PDEATHSIG`), so a
//! killed tuning job leaves no orphans behind and `--resume` starts the unfinished trials again.

use super::invocation::Invocation;
use crate::tune::control::CONTROL_VAR;
use crate::tune::tuner::TrialLaunch;
use crate::{Error, Result};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

/// The value of `--trial`: which trial of which run a trial process trains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialRef {
    /// The tuning job's run.
    pub run: u64,
    /// The model the trial trains.
    pub model: String,
    /// The trial's number within the model's search.
    pub trial: u32,
}

impl TrialRef {
    /// Parses `<run>/<model>/<trial>`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] naming the text when it has another shape.
    pub fn parse(text: &str) -> Result<Self> {
        let parts: Vec<&str> = text.split('/').collect();
        let parsed = match parts.as_slice() {
            [run, model, trial] if !model.is_empty() => run
                .parse()
                .ok()
                .zip(trial.parse().ok())
                .map(|(run, trial)| TrialRef { run, model: model.to_string(), trial }),
            _ => None,
        };
        parsed.ok_or_else(|| Error::Unsupported { what: format!("--trial {text:?}: expected <run>/<model>/<trial>") })
    }

    fn render(&self) -> String {
        format!("{}/{}/{}", self.run, self.model, self.trial)
    }
}

/// Starts the trial process for `spec`, as requested by `invocation`.
///
/// # Errors
/// The process cannot be started or its log not created.
pub fn launch_trial(invocation: &Invocation, spec: &TrialLaunch) -> std::io::Result<Child> {
    // This very binary, even if a rebuild has replaced the file since the tuner started.
    let proc_exe = std::path::Path::new("/proc/self/exe");
    let exe = if proc_exe.exists() { proc_exe.to_path_buf() } else { std::env::current_exe()? };
    let log = std::fs::File::create(&spec.log)?;
    let trial = TrialRef { run: spec.run, model: spec.model.clone(), trial: spec.trial };
    let mut command = Command::new(exe);
    command.arg("--plugin").arg(&invocation.plugin).arg(&invocation.settings);
    for set in invocation.overrides.iter().chain(&spec.overrides) {
        command.arg("--set").arg(set);
    }
    command.arg("train").arg("--trial").arg(trial.render());
    if invocation.verbose {
        command.arg("--verbose");
    }
    command.env(CONTROL_VAR, &spec.control_dir).stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
    if let Some(gpu) = spec.gpu {
        command.env("CUDA_VISIBLE_DEVICES", gpu.to_string());
    }
    // SAFETY: prctl is async-signal-safe and touches only this (forked) process.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trial_refs_round_trip_and_reject_other_shapes() {
        let trial = TrialRef::parse("12/bow/3").unwrap();
        assert_eq!(trial, TrialRef { run: 12, model: "bow".into(), trial: 3 });
        assert_eq!(trial.render(), "12/bow/3");
        for bad in ["12/bow", "x/bow/3", "12//3", "12/bow/3/4", "12/bow/-1"] {
            assert!(TrialRef::parse(bad).is_err(), "{bad}");
        }
    }
}
