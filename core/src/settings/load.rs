//! Stage 2 of reading `settings.ini`: [`Settings`], the typed and validated configuration with every
//! default filled in. [`Settings::load`] reads the file, [`RawIni`] checks the syntax, the `--set`
//! overrides are laid on top, and each section's reader checks its keys and values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::data::DataSettings;
use super::error::{ErrorKind, Origin, SettingsError};
use super::experiment::ExperimentSettings;
use super::job::JobType;
use super::model_training;
use super::overrides::apply_override;
use super::raw::RawIni;
use super::reader::SectionReader;
use super::report::ReportSettings;
use super::sagemaker::SageMakerSettings;
use super::suggest::did_you_mean;
use super::tracking::TrackingSettings;
use super::training::TrainingSettings;
use super::tuning::TuningSettings;

/// The sections `settings.ini` may have, in the order [`Settings::to_ini`] writes them.
pub const SECTIONS: &[&str] =
    &["experiment", "data", "plugin", "training", "tuning", "sagemaker", "tracking", "report"];

/// The validated settings of one experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The settings file, as the caller named it (used in messages).
    pub path: PathBuf,
    /// The absolute folder of the settings file; relative paths in it are resolved against it.
    pub dir: PathBuf,
    /// `[experiment]`.
    pub experiment: ExperimentSettings,
    /// `[data]`.
    pub data: DataSettings,
    /// `[plugin]`: the plugin's own options, kept verbatim for it to interpret.
    pub plugin: BTreeMap<String, String>,
    /// `[training]`.
    pub training: TrainingSettings,
    /// `[training.<model>]`: the effective training settings of the models that override
    /// `[training]` (see [`Settings::training_for`]).
    pub model_training: BTreeMap<String, TrainingSettings>,
    /// `[tuning]`.
    pub tuning: TuningSettings,
    /// `[sagemaker]`.
    pub sagemaker: SageMakerSettings,
    /// `[tracking]`.
    pub tracking: TrackingSettings,
    /// `[report]`.
    pub report: ReportSettings,
}

impl Settings {
    /// Reads and validates the settings file at `path`, then applies `overrides`
    /// (`section.key=value` each, later ones winning).
    ///
    /// # Errors
    ///
    /// The file cannot be read, or [`Settings::parse`] rejects it.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Settings, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let kind = ErrorKind::Read { message: e.to_string() };
            SettingsError::new(Origin::file(path), None, kind)
        })?;
        Settings::parse(&text, path, overrides)
    }

    /// Validates settings `text` as if read from `path`, then applies `overrides`. `path` names the
    /// file in messages, and relative paths in the settings are resolved against its folder (made
    /// absolute with the current directory if needed).
    ///
    /// # Errors
    ///
    /// The first problem found, in this order: a syntax error, a malformed override, an unknown
    /// section, then each section's unknown keys, bad values and missing required keys.
    pub fn parse(text: &str, path: &Path, overrides: &[String]) -> Result<Settings, SettingsError> {
        let mut raw = RawIni::parse(text, path)?;
        for text in overrides {
            apply_override(&mut raw, text)?;
        }
        let known = |name: &str| SECTIONS.contains(&name) || model_training::is_model_section(name);
        if let Some(section) = raw.sections().iter().find(|s| !known(s.name())) {
            let suggestion = did_you_mean(section.name(), SECTIONS.iter().copied());
            return Err(SettingsError::new(
                section.origin().clone(),
                Some(section.name().to_string()),
                ErrorKind::UnknownSection { suggestion },
            ));
        }
        let dir = settings_dir(path);
        let experiment = ExperimentSettings::read(&raw, &dir)?;
        let data = DataSettings::read(&raw, &dir)?;
        let plugin = SectionReader::any_keys(&raw, "plugin")
            .entries()
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect();
        let training = TrainingSettings::read(&raw)?;
        let model_training = model_training::read(&raw, &experiment.model_names)?;
        let tuning = TuningSettings::read(&raw)?;
        let sagemaker = SageMakerSettings::read(&raw, training.backend)?;
        let tracking = TrackingSettings::read(&raw, &experiment.name)?;
        let report = ReportSettings::read(&raw)?;
        Ok(Settings {
            path: path.to_path_buf(),
            dir,
            experiment,
            data,
            plugin,
            training,
            model_training,
            tuning,
            sagemaker,
            tracking,
            report,
        })
    }

    /// The training settings of `model`: its `[training.<model>]` section laid over `[training]`,
    /// or `[training]` itself.
    pub fn training_for(&self, model: &str) -> &TrainingSettings {
        self.model_training.get(model).unwrap_or(&self.training)
    }

    /// Whether this is a hyperparameter search: `[tuning]` names at least one parameter.
    pub fn is_tuning(&self) -> bool {
        !self.tuning.search_space.is_empty()
    }

    /// The kind of job: [`JobType::Tuning`] when there is a search space (even with several models,
    /// which are then each tuned), else [`JobType::Comparison`] for several models, else
    /// [`JobType::Training`].
    pub fn job_type(&self) -> JobType {
        if self.is_tuning() {
            JobType::Tuning
        } else if self.experiment.model_names.len() > 1 {
            JobType::Comparison
        } else {
            JobType::Training
        }
    }
}

/// The absolute folder holding the settings file; falls back to the folder as written if the
/// current directory is unavailable.
fn settings_dir(path: &Path) -> PathBuf {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let absolute = std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
    super::values::resolve(&absolute, Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::test_util::{error, error_with, parse_ok, MINIMAL};

    #[test]
    fn load_reads_the_file_and_resolves_against_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.ini");
        std::fs::write(&path, format!("{MINIMAL}[data]\nsource = in.jsonl\n")).unwrap();
        let settings = Settings::load(&path, &[]).unwrap();
        assert_eq!(settings.data.source, Some(dir.path().join("in.jsonl")));
        assert_eq!(settings.dir, dir.path());
    }

    #[test]
    fn unreadable_file_names_the_path() {
        let message = Settings::load(Path::new("/no/such/settings.ini"), &[]).unwrap_err().to_string();
        assert!(message.starts_with("/no/such/settings.ini: cannot read the settings file: "));
    }

    #[test]
    fn relative_settings_path_gives_an_absolute_folder() {
        let settings = Settings::parse(MINIMAL, Path::new("settings.ini"), &[]).unwrap();
        assert_eq!(settings.dir, std::env::current_dir().unwrap());
        assert_eq!(settings.path, Path::new("settings.ini"));
    }

    #[test]
    fn inline_comments_are_not_part_of_values() {
        let text = "[experiment] ; who\nname = demo # the name\nmodel_names = bert ;x\n\
                    [plugin]\nurl = http://x/#frag\n";
        let settings = parse_ok(text);
        assert_eq!(settings.experiment.name, "demo");
        assert_eq!(settings.plugin["url"], "http://x/#frag");
    }

    #[test]
    fn overrides_replace_values_and_add_sections() {
        let text = format!("{MINIMAL}[training]\nepochs = 3\n");
        let overrides =
            ["training.epochs=7".to_string(), "plugin.max_length = 128".to_string(), "training.epochs=9".to_string()];
        let settings = Settings::parse(&text, Path::new("/p/settings.ini"), &overrides).unwrap();
        assert_eq!(settings.training.epochs, 9);
        assert_eq!(settings.plugin["max_length"], "128");
    }

    #[test]
    fn bad_override_value_names_the_override() {
        assert_eq!(
            error_with(MINIMAL, &["training.epochs=x"]),
            "--set training.epochs=x: training.epochs: expected a positive integer, got \"x\""
        );
    }

    #[test]
    fn malformed_override_names_its_text() {
        assert_eq!(
            error_with(MINIMAL, &["epochs 5"]),
            "--set epochs 5: expected section.key=value with lowercase names"
        );
    }

    #[test]
    fn unknown_section_suggests_the_close_one() {
        assert_eq!(
            error(&format!("{MINIMAL}[trainig]\nepochs = 2\n")),
            "settings.ini:4: trainig: unknown section (did you mean training?)"
        );
        assert_eq!(
            error_with(MINIMAL, &["trainng.epochs=3"]),
            "--set trainng.epochs=3: trainng: unknown section (did you mean training?)"
        );
        assert_eq!(error(&format!("{MINIMAL}[colour]\n")), "settings.ini:4: colour: unknown section");
    }

    #[test]
    fn syntax_errors_surface_through_parse() {
        assert_eq!(error("name = demo\n"), "settings.ini:1: key \"name\" comes before any [section] header");
        assert_eq!(
            error(&format!("{MINIMAL}seed = 1\nseed = 2\n")),
            "settings.ini:5: experiment.seed: duplicate key, first set on line 4"
        );
        assert!(error(&format!("{MINIMAL}seed: 1\n")).starts_with("settings.ini:4: expected `key = value`"));
    }

    #[test]
    fn job_type_follows_search_space_then_model_count() {
        assert_eq!(parse_ok(MINIMAL).job_type(), JobType::Training);
        let several = MINIMAL.replace("bert", "bert, t5");
        assert_eq!(parse_ok(&several).job_type(), JobType::Comparison);
        let tuned = format!("{several}[tuning]\nepochs = 1 -> 3\n");
        let settings = parse_ok(&tuned);
        assert!(settings.is_tuning());
        assert_eq!(settings.job_type().as_str(), "tuning");
    }
}
