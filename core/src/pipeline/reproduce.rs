//! `runner reproduce SETTINGS.ini RUN`: re-creates a run from its folder alone and says whether
//! the result is the same. It takes the run's settings snapshot (with the root where the run was
//! found), refuses a plugin file or libtorch other than the recorded ones unless
//! `allow_different_plugin` (then recorded in the new run's manifest), re-creates the data
//! snapshot when the experiment's differs from the recorded hashes (the old one is archived),
//! trains into a new run exactly as `train` does (locally, distributed or on SageMaker, as the
//! snapshot says, through the same [`run_invocation`]), and compares every model's metrics and
//! weights with the original run's ([`compare_runs`]).

use super::run::{run_invocation, PickBackend};
use super::run_compare::{compare_runs, recorded_run, Verdict};
use super::{Invocation, Say, Step};
use crate::data::DataManifest;
use crate::hash::sha256_file;
use crate::job::{Job, Remote};
use crate::layout::RunLayout;
use crate::plugin::Plugin;
use crate::run_manifest::{annotate_manifest, RunManifest};
use crate::settings::Settings;
use crate::steps::{self, Existing};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to reproduce, as the user asked.
#[derive(Debug, Clone)]
pub struct Reproduce {
    /// A settings file of the experiment: only its `[experiment]` name and root (after
    /// `overrides`) are used, to find the run.
    pub settings: PathBuf,
    /// `--set SECTION.KEY=VALUE` overrides of `settings`.
    pub overrides: Vec<String>,
    /// The run to reproduce.
    pub run: u64,
    /// The plugin library; `None` for the file the run's manifest records.
    pub plugin: Option<PathBuf>,
    /// Go on when the plugin's hash or libtorch differs from the run's (recorded in the new run).
    pub allow_different_plugin: bool,
    /// Only warnings, errors and the verdict.
    pub quiet: bool,
}

/// A finished reproduction.
#[derive(Debug, Clone, PartialEq)]
pub struct Reproduction {
    /// The run reproduced.
    pub original: u64,
    /// The new run, trained from the original's snapshot.
    pub new: u64,
    /// Whether every metric value and the weights are the same.
    pub verdict: Verdict,
}

impl Reproduction {
    /// The one line that says the verdict: `identical: run 2 reproduces run 1: …` or
    /// `differs: run 2 does not reproduce run 1: <the first difference>`.
    pub fn line(&self) -> String {
        let (new, num) = (self.new, self.original);
        match &self.verdict {
            Verdict::Identical { values, models } => format!(
                "identical: run {new} reproduces run {num}: {values} metric values of {models} model(s) and their weights, bit for bit"
            ),
            Verdict::Differs(line) => format!("differs: run {new} does not reproduce run {num}: {line}"),
        }
    }
}

/// Reproduces `request.run`: `remote` opens an `s3://` root, `pick` chooses the backend from the
/// run's settings as `train` would, and `say` gets the progress lines (the caller prints the
/// verdict, [`Reproduction::line`]).
///
/// # Errors
/// The run is missing, unfinished or a tuning run of several models; the plugin or libtorch
/// differs (without `allow_different_plugin`); the data cannot be re-created as it was; training
/// or storage fails.
pub fn reproduce(request: &Reproduce, remote: Arc<dyn Remote>, pick: &PickBackend, say: &Say) -> Result<Reproduction> {
    let num = request.run;
    let located = Settings::load(&request.settings, &request.overrides)?;
    let root = located.experiment.root.to_string();
    let job = Job::open_with(located, remote.clone())?;
    let recorded = recorded_run(&job, num)?;
    if recorded.status != "finished" {
        return Err(Error::Unsupported {
            what: format!(
                "run {num} is {}: only a finished run can be reproduced (continue it with `train --resume {num}`)",
                if recorded.status.is_empty() { "not finished" } else { recorded.status.as_str() }
            ),
        });
    }
    let original = job.layout.run(num);
    let (snapshot_key, models) = what_to_train(&job, num, &recorded, say)?;
    let (settings, snapshot_file) = write_snapshot(&job, request, &snapshot_key, &root)?;
    let (plugin_path, differences) =
        check_plugin(num, request.plugin.as_ref(), &recorded, request.allow_different_plugin)?;
    let snapshot_job = Job::open_with(settings, remote.clone())?;
    recreate_data(&snapshot_job, &plugin_path, num, &recorded, say)?;

    // A new run, trained as `train` trains.
    let invocation = Invocation {
        plugin: plugin_path,
        settings: snapshot_file.path().to_path_buf(),
        overrides: Vec::new(),
        steps: vec![Step::Train],
        force: false,
        resume: None,
        run: None,
        trial: None,
        dry_run: false,
        verbose: false,
        quiet: request.quiet,
    };
    let new = run_invocation(&invocation, remote, pick, say)?
        .ok_or_else(|| Error::Internal { what: "training made no run to compare".into() })?;
    let fresh = snapshot_job.layout.run(new);
    let verdict = compare_runs(&snapshot_job, &original, &fresh, &models)?;
    record_verdict(&snapshot_job, &fresh, num, &verdict, &differences)?;
    Ok(Reproduction { original: num, new, verdict })
}

/// The run's own settings (a tuning run's: its best trial's), with the root where the run was
/// found, and the file they were written to. A snapshot's paths are absolute (resolved when the
/// run started); what stays relative is the folder the plugin is told the settings live in, taken
/// to be the given file's, as for the original run. So the snapshot is written, for the training,
/// into that folder (a hidden temporary file, removed when dropped), or the system's when it is
/// not writable.
fn write_snapshot(
    job: &Job,
    request: &Reproduce,
    snapshot_key: &str,
    root: &str,
) -> Result<(Settings, tempfile::NamedTempFile)> {
    let snapshot_uri = job.storage.uri(snapshot_key);
    let snapshot_text = String::from_utf8_lossy(&job.storage.get(snapshot_key)?).into_owned();
    let root_override = format!("experiment.root={root}");
    let settings = Settings::parse(&snapshot_text, &request.settings, &[root_override])
        .map_err(|err| Error::Unsupported { what: format!("the settings snapshot {snapshot_uri}: {err}") })?;
    let settings_dir = settings.dir.clone();
    let snapshot_file = tempfile::Builder::new()
        .prefix(".mlpipe-reproduce-")
        .suffix(".ini")
        .tempfile_in(&settings_dir)
        .or_else(|_| tempfile::Builder::new().prefix("mlpipe-reproduce-").suffix(".ini").tempfile())
        .map_err(|source| Error::Io { path: settings_dir.clone(), source })?;
    let settings_path = snapshot_file.path().to_path_buf();
    std::fs::write(&settings_path, settings.to_ini()).map_err(|source| Error::Io { path: settings_path, source })?;
    Ok((settings, snapshot_file))
}

/// The same plugin file and libtorch, or a refusal naming both; with `allow_different_plugin`
/// the differences are returned to be recorded instead.
fn check_plugin(
    num: u64,
    plugin: Option<&PathBuf>,
    recorded: &RunManifest,
    allow_different_plugin: bool,
) -> Result<(PathBuf, Vec<String>)> {
    let plugin_path = plugin.cloned().unwrap_or_else(|| PathBuf::from(&recorded.plugin_file));
    if !plugin_path.is_file() {
        return Err(Error::Unsupported {
            what: format!(
                "run {num} was made with the plugin {}, which is not there: pass --plugin LIBRARY.so",
                plugin_path.display()
            ),
        });
    }
    let plugin_sha256 = sha256_file(&plugin_path)?;
    let torch = mlpipe_plugin_api::TorchAbi::CURRENT.to_string();
    let mut differences = Vec::new();
    if plugin_sha256 != recorded.plugin_sha256 {
        differences.push(format!(
            "the plugin {} has sha256 {plugin_sha256}, run {num} was made with sha256 {}",
            plugin_path.display(),
            recorded.plugin_sha256
        ));
    }
    if torch != recorded.torch {
        differences.push(format!("this runner has {torch}, run {num} was made with {}", recorded.torch));
    }
    if !differences.is_empty() && !allow_different_plugin {
        return Err(Error::Unsupported {
            what: format!(
                "run {num} cannot be reproduced as it was made: {}; pass --allow-different-plugin to go on anyway",
                differences.join("; ")
            ),
        });
    }
    Ok((plugin_path, differences))
}

/// The data the run was trained on: re-created when the experiment's snapshot differs; the
/// prepared data is re-made when it does not match the snapshot.
fn recreate_data(job: &Job, plugin_path: &Path, num: u64, recorded: &RunManifest, say: &Say) -> Result<()> {
    let opened = Plugin::open(plugin_path, &job.settings)?;
    let data: Option<DataManifest> = steps::read_manifest(job, &job.layout.data_manifest())?;
    let current = data.map(|manifest| manifest.records_sha256);
    if current.as_deref() != Some(recorded.data_records_sha256.as_str()) {
        say(&format!(
            "reproduce: the experiment's records (sha256 {}) are not run {num}'s ({}): re-creating the data snapshot",
            current.as_deref().unwrap_or("none"),
            recorded.data_records_sha256
        ));
        let report = steps::reconcile(job, &opened, Existing::Replace)?;
        if report.manifest.records_sha256 != recorded.data_records_sha256 {
            return Err(Error::Unsupported {
                what: format!(
                    "run {num} cannot be reproduced: its settings now reconcile records with sha256 {}, the run had {} (the data source or the plugin's reconcile changed)",
                    report.manifest.records_sha256, recorded.data_records_sha256
                ),
            });
        }
        if let Some(archive) = report.archived_to {
            say(&format!("reproduce: the experiment's previous data snapshot was moved to {archive}"));
        }
    }
    match steps::prepare(job, &opened, Existing::ReuseIfSame) {
        Err(Error::SnapshotExists { .. }) => {
            let report = steps::prepare(job, &opened, Existing::Replace)?;
            if let Some(archive) = report.archived_to {
                say(&format!("reproduce: the experiment's previous prepared data was moved to {archive}"));
            }
            Ok(())
        }
        other => other.map(drop),
    }
}

/// Records in the new run's manifest which run it reproduces, the verdict and the differences
/// that were allowed.
fn record_verdict(job: &Job, fresh: &RunLayout, num: u64, verdict: &Verdict, differences: &[String]) -> Result<()> {
    let mut fields = vec![
        ("reproduces", toml::Value::Integer(num as i64)),
        (
            "reproduce_verdict",
            toml::Value::String(match verdict {
                Verdict::Identical { .. } => "identical".into(),
                Verdict::Differs(line) => format!("differs: {line}"),
            }),
        ),
    ];
    if !differences.is_empty() {
        fields.push(("reproduce_allowed_differences", toml::Value::String(differences.join("; "))));
    }
    annotate_manifest(job, fresh, &fields)
}

/// The settings snapshot to train from and the models to compare: the run's own snapshot and
/// models, or for a tuning run the best trial's snapshot and its model (whose outputs the run
/// kept in `training/<model>/`).
fn what_to_train(job: &Job, num: u64, recorded: &RunManifest, say: &Say) -> Result<(String, Vec<String>)> {
    let run = job.layout.run(num);
    let models = recorded.model_names();
    if recorded.job_type != "tuning" {
        return Ok((run.settings(), models));
    }
    let [model] = models.as_slice() else {
        return Err(Error::Unsupported {
            what: format!(
                "run {num} tuned {} models: reproduce supports tuning runs of one model (each model's best trial trains alone, which a comparison's prepared data does not)",
                models.len()
            ),
        });
    };
    let best = steps::read_best(job, &run)?;
    let uri = job.storage.uri(&run.tuning_best());
    let trial = best.get(model).ok_or_else(|| Error::data_file(&uri, format!("no best trial of model {model}")))?;
    say(&format!("reproduce: run {num} is a tuning run: training its best trial, {model} trial {}", trial.trial));
    Ok((run.trial(model, trial.trial)?.settings(), vec![model.clone()]))
}
