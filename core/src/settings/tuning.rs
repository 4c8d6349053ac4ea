//! `[tuning]`: the hyperparameter search. A few keys configure the tuner; every other key names a
//! tunable `[training]` key and gives its search space (see [`SearchSpace`]).

use super::error::{ErrorKind, SettingsError};
use super::keyword::keyword_enum;
use super::raw::RawIni;
use super::reader::SectionReader;
use super::render::IniWriter;
use super::search_space::SearchSpace;
use super::suggest::did_you_mean;
use super::training::TUNABLE;
use super::values::{number, positive};

const KEYS: &[&str] = &[
    "strategy",
    "max_jobs",
    "max_parallel_jobs",
    "early_stopping",
    "target_objective",
    "max_jobs_without_improvement",
];

keyword_enum! {
    /// How the tuner picks the next hyperparameters (SageMaker's tuning strategies).
    pub enum TuningStrategy {
        /// Bayesian optimisation (the default).
        Bayesian = "bayesian",
        /// Independent random draws.
        Random = "random",
        /// Every combination of the choices.
        Grid = "grid",
        /// Hyperband: many short jobs, the promising ones continued.
        Hyperband = "hyperband",
    }
}

keyword_enum! {
    /// Whether the tuner may stop jobs that are unlikely to beat the best one.
    pub enum TuningEarlyStopping {
        /// Every job runs to the end (the default).
        Off = "off",
        /// The tuner decides.
        Auto = "auto",
    }
}

/// The `[tuning]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct TuningSettings {
    /// Search strategy (default bayesian).
    pub strategy: TuningStrategy,
    /// Training jobs in total, >= 1 (default 10).
    pub max_jobs: u32,
    /// Training jobs at once, 1..=`max_jobs` (default 1).
    pub max_parallel_jobs: u32,
    /// Early stopping of unpromising jobs (default off).
    pub early_stopping: TuningEarlyStopping,
    /// Stop tuning once the objective reaches this value.
    pub target_objective: Option<f64>,
    /// Stop tuning after this many jobs without a better objective, >= 1.
    pub max_jobs_without_improvement: Option<u32>,
    /// The training keys to tune and their spaces, in file order; empty when not tuning.
    pub search_space: Vec<(String, SearchSpace)>,
}

impl TuningSettings {
    pub(crate) fn read(raw: &RawIni) -> Result<Self, SettingsError> {
        let r = SectionReader::any_keys(raw, "tuning");
        let mut search_space = Vec::new();
        for entry in r.entries() {
            if KEYS.contains(&entry.key.as_str()) {
                continue;
            }
            let Some((_, tunable)) = TUNABLE.iter().find(|(k, _)| *k == entry.key) else {
                let names = TUNABLE.iter().map(|(k, _)| *k).chain(KEYS.iter().copied());
                let suggestion = did_you_mean(&entry.key, names);
                return Err(r.error(entry, ErrorKind::UnknownKey { suggestion }));
            };
            let space = SearchSpace::parse(&entry.value, *tunable).map_err(|expected| {
                let given = entry.value.clone();
                r.error(entry, ErrorKind::Invalid { expected, given })
            })?;
            search_space.push((entry.key.clone(), space));
        }
        let max_jobs = r.or("max_jobs", 10, positive)?;
        let max_parallel_jobs = r.or("max_parallel_jobs", 1, positive)?;
        if max_parallel_jobs > max_jobs {
            let expected = format!("at most tuning.max_jobs ({max_jobs})");
            return Err(r.invalid("max_parallel_jobs", expected, &max_parallel_jobs.to_string()));
        }
        let strategy = r.or("strategy", TuningStrategy::Bayesian, TuningStrategy::parse_keyword)?;
        let early_stopping = r.or("early_stopping", TuningEarlyStopping::Off, TuningEarlyStopping::parse_keyword)?;
        if strategy == TuningStrategy::Grid {
            let continuous = search_space.iter().find(|(_, space)| matches!(space, SearchSpace::Continuous { .. }));
            if let Some((key, _)) = continuous {
                let expected = format!(
                    "bayesian, random or hyperband while tuning.{key} is a continuous range (grid search \
                     needs lists of choices or integer ranges)"
                );
                return Err(r.invalid("strategy", expected, "grid"));
            }
        }
        if strategy == TuningStrategy::Hyperband {
            if early_stopping == TuningEarlyStopping::Auto {
                let expected = "off with strategy = hyperband (hyperband stops trials itself)".to_string();
                return Err(r.invalid("early_stopping", expected, "auto"));
            }
            if search_space.iter().any(|(key, _)| key == "epochs") {
                let expected = "bayesian, random or grid while tuning.epochs is searched (hyperband \
                                sets each trial's epochs itself)"
                    .to_string();
                return Err(r.invalid("strategy", expected, "hyperband"));
            }
        }
        Ok(TuningSettings {
            strategy,
            max_jobs,
            max_parallel_jobs,
            early_stopping,
            target_objective: r.optional("target_objective", number)?,
            max_jobs_without_improvement: r.optional("max_jobs_without_improvement", positive)?,
            search_space,
        })
    }

    pub(crate) fn write_ini(&self, out: &mut IniWriter) {
        out.section("tuning");
        out.key("strategy", self.strategy);
        out.key("max_jobs", self.max_jobs);
        out.key("max_parallel_jobs", self.max_parallel_jobs);
        out.key("early_stopping", self.early_stopping);
        out.optional("target_objective", self.target_objective.map(|t| format!("{t:?}")));
        out.optional("max_jobs_without_improvement", self.max_jobs_without_improvement);
        for (key, space) in &self.search_space {
            out.key(key, space);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::test_util::{error, parse_ok, MINIMAL};

    fn tuning_error(lines: &str) -> String {
        error(&format!("{MINIMAL}[tuning]\n{lines}\n"))
    }

    #[test]
    fn search_space_keeps_file_order() {
        let text = format!(
            "{MINIMAL}[tuning]\nmax_jobs = 20\nweight_decay = 0 -> 0.1\nepochs = 2, 4\n\
             learning_rate = 1e-5 -> 1e-3 log\n"
        );
        let tuning = parse_ok(&text).tuning;
        let keys: Vec<_> = tuning.search_space.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["weight_decay", "epochs", "learning_rate"]);
        assert_eq!(tuning.max_jobs, 20);
    }

    #[test]
    fn defaults_mean_no_search() {
        let tuning = parse_ok(MINIMAL).tuning;
        assert_eq!(tuning.strategy, TuningStrategy::Bayesian);
        assert_eq!((tuning.max_jobs, tuning.max_parallel_jobs), (10, 1));
        assert_eq!(tuning.early_stopping, TuningEarlyStopping::Off);
        assert!(tuning.search_space.is_empty());
    }

    #[test]
    fn reversed_interval_is_rejected() {
        assert_eq!(
            tuning_error("learning_rate = 1e-3 -> 1e-5"),
            "settings.ini:5: tuning.learning_rate: expected a range `a -> b` with a < b, \
             got \"1e-3 -> 1e-5\""
        );
    }

    #[test]
    fn log_scaling_from_zero_is_rejected() {
        assert!(tuning_error("weight_decay = 0 -> 0.1 log")
            .ends_with("tuning.weight_decay: expected a range with a > 0 for log scaling, got \"0 -> 0.1 log\""));
    }

    #[test]
    fn single_bare_value_is_rejected() {
        assert_eq!(
            tuning_error("epochs = 3"),
            "settings.ini:5: tuning.epochs: expected a range `a -> b` or a list of choices \
             `x, y, z`, got \"3\""
        );
    }

    #[test]
    fn unknown_parameter_suggests_a_tunable_key() {
        assert_eq!(
            tuning_error("learnig_rate = 1e-5 -> 1e-3"),
            "settings.ini:5: tuning.learnig_rate: unknown key (did you mean learning_rate?)"
        );
        assert_eq!(tuning_error("max_job = 4"), "settings.ini:5: tuning.max_job: unknown key (did you mean max_jobs?)");
    }

    #[test]
    fn float_interval_on_integer_key_is_rejected() {
        assert!(tuning_error("epochs = 1.5 -> 4").ends_with(
            "tuning.epochs: expected a range `a -> b` whose ends are each a positive integer, \
             got \"1.5 -> 4\""
        ));
    }

    #[test]
    fn grid_search_refuses_continuous_ranges() {
        assert_eq!(
            tuning_error("strategy = grid\nbatch_size = 16, 32\nlearning_rate = 1e-5 -> 1e-3 log"),
            "settings.ini:5: tuning.strategy: expected bayesian, random or hyperband while \
             tuning.learning_rate is a continuous range (grid search needs lists of choices or integer \
             ranges), got \"grid\""
        );
        let grid = format!("{MINIMAL}[tuning]\nstrategy = grid\nbatch_size = 16, 32\nepochs = 1 -> 3\n");
        assert_eq!(parse_ok(&grid).tuning.strategy, TuningStrategy::Grid);
    }

    #[test]
    fn hyperband_owns_epochs_and_early_stopping() {
        assert!(tuning_error("strategy = hyperband\nearly_stopping = auto\nepochs = 2, 4")
            .contains("tuning.early_stopping: expected off with strategy = hyperband"));
        assert!(tuning_error("strategy = hyperband\nepochs = 2, 4")
            .contains("tuning.strategy: expected bayesian, random or grid while tuning.epochs is searched"));
    }

    #[test]
    fn parallel_jobs_cannot_exceed_jobs() {
        assert_eq!(
            tuning_error("max_jobs = 4\nmax_parallel_jobs = 8"),
            "settings.ini:6: tuning.max_parallel_jobs: expected at most tuning.max_jobs (4), \
             got \"8\""
        );
    }
}
