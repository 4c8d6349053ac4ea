//! What kind of job a settings file describes: one training run, a hyperparameter search, or a
//! comparison of several models.

use super::keyword::keyword_enum;

keyword_enum! {
    /// The kind of job the settings describe (see [`Settings::job_type`](super::Settings::job_type)).
    pub enum JobType {
        /// Train each listed model once (with one model: a single run).
        Training = "training",
        /// Search hyperparameters: `[tuning]` has a search space.
        Tuning = "tuning",
        /// Train several models with the same settings and compare them.
        Comparison = "comparison",
    }
}
