//! The one place where the train step composes the trainer's policies for one model: on rank 0
//! the console, the metrics file, the checkpoint keeper, live tracking and (in a tuning trial)
//! the trial pruner; on every replica early stopping; on the others the follower.

use crate::job::Job;
use crate::layout::{RunLayout, WorkFiles};
use crate::settings::TrainingSettings;
use crate::track::{LiveTracker, LiveTracking};
use crate::train::checkpoint_keeper::CheckpointKeeper;
use crate::train::config::TrainConfig;
use crate::train::early_stopping::EarlyStopping;
use crate::train::follower::Follower;
use crate::train::hooks::HookSet;
use crate::train::metrics_file::MetricsFile;
use crate::train::progress::Progress;
use crate::tune::control::TrialControl;
use crate::tune::pruner::TrialPruner;
use crate::{Error, Result};

/// Every hook of one model's training, owned here so that the step can use them (the staging
/// folder, the metrics file, the tracker) after the loop.
pub(super) struct ModelHooks<'a> {
    /// The model's staging folder.
    pub work: WorkFiles,
    /// The console.
    pub progress: Progress,
    /// `metrics.jsonl`.
    pub metrics: MetricsFile<'a>,
    /// The best weights and checkpoints.
    pub keeper: CheckpointKeeper<'a>,
    /// The experiment tracker, fed live (rank 0 of a run, not a trial, with `[tracking]`).
    pub live: LiveTracking,
    pruner: Option<TrialPruner>,
    stopping: EarlyStopping,
    follower: Follower,
    leader: bool,
}

impl<'a> ModelHooks<'a> {
    /// The hooks of `config.model_name` in `run`, staging files in `work` (created here);
    /// `control` is a tuning trial's early-stopping channel and objective metric name.
    ///
    /// # Errors
    /// When `work` cannot be created.
    pub fn new(
        job: &'a Job,
        run: &'a RunLayout,
        training: &TrainingSettings,
        config: &TrainConfig,
        work: WorkFiles,
        control: Option<(TrialControl, String)>,
    ) -> Result<Self> {
        let dir = work.dir().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io { path: dir, source })?;
        let model = config.model_name.as_str();
        let storage = job.storage.as_ref();
        let leader = config.replica.is_leader();
        let live = if leader && !run.is_trial() { LiveTracker::start(job, run, model) } else { None };
        Ok(Self {
            metrics: MetricsFile::new(storage, run, model, work.clone()),
            keeper: CheckpointKeeper::new(
                storage,
                run,
                model,
                work.clone(),
                training.save_checkpoints,
                training.keep_checkpoints,
            ),
            work,
            progress: Progress::new(model),
            live: LiveTracking(live),
            pruner: control.map(|(control, objective)| TrialPruner::new(control, model, objective)),
            stopping: EarlyStopping::new(config),
            follower: Follower,
            leader,
        })
    }

    /// The hooks the loop reports to, in order.
    pub fn set(&mut self) -> HookSet<'_> {
        let mut set = HookSet::new();
        if self.leader {
            set.push(&mut self.progress);
            set.push(&mut self.metrics);
            set.push(&mut self.keeper);
            set.push(&mut self.live);
            if let Some(pruner) = &mut self.pruner {
                set.push(pruner);
            }
        } else {
            set.push(&mut self.follower);
        }
        set.push(&mut self.stopping);
        set
    }
}
