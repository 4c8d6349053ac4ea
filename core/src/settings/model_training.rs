//! `[training.<model>]`: per-model overrides of `[training]`, for comparison jobs whose models
//! want different hyperparameters (a bag-of-words model at learning rate 1e-2 beside a pretrained
//! transformer at 5e-5). Each section is laid over `[training]` and the result is validated like
//! `[training]` itself, with errors naming `training.<model>.<key>` and the section's line. Keys
//! that describe the job rather than one model's loop stay in `[training]`.

use std::collections::BTreeMap;

use super::error::{ErrorKind, SettingsError};
use super::raw::RawIni;
use super::render::IniWriter;
// `[training]` keys a model section may not set (`scope = job` in the key table): where and how
// the whole job runs, and the metric every model is judged by.
use super::training::{TrainingSettings, JOB_KEYS};

/// The prefix of model sections.
const PREFIX: &str = "training.";

/// Whether `section` is a `[training.<model>]` section.
pub(crate) fn is_model_section(section: &str) -> bool {
    section.starts_with(PREFIX)
}

/// The effective training settings of every model that has a `[training.<model>]` section.
///
/// # Errors
/// A section for a model not in `models`, a job-wide key in a model section, or a value the
/// merged `[training]` rejects (named `training.<model>.<key>`).
pub(crate) fn read(raw: &RawIni, models: &[String]) -> Result<BTreeMap<String, TrainingSettings>, SettingsError> {
    let mut result = BTreeMap::new();
    for section in raw.sections().iter().filter(|s| is_model_section(s.name())) {
        let model = &section.name()[PREFIX.len()..];
        if !models.iter().any(|m| m == model) {
            let kind = ErrorKind::UnknownModel { models: models.join(", ") };
            return Err(SettingsError::new(section.origin().clone(), Some(section.name().to_string()), kind));
        }
        let mut merged = raw.clone();
        for entry in section.entries() {
            if JOB_KEYS.contains(&entry.key.as_str()) {
                let key = format!("{}.{}", section.name(), entry.key);
                return Err(SettingsError::new(entry.origin.clone(), Some(key), ErrorKind::JobWide));
            }
            merged.set("training", &entry.key, &entry.value, entry.origin.clone());
        }
        let settings = TrainingSettings::read(&merged).map_err(|mut err| {
            // An error about a key this section set is reported under the section's name.
            if let Some(entry) = section.entries().iter().find(|e| e.origin == err.origin) {
                err.key = Some(format!("{}.{}", section.name(), entry.key));
            }
            err
        })?;
        result.insert(model.to_string(), settings);
    }
    Ok(result)
}

/// Writes a `[training.<model>]` section per model with the keys whose value differs from `base`.
pub(crate) fn write_ini(out: &mut IniWriter, base: &TrainingSettings, models: &BTreeMap<String, TrainingSettings>) {
    let base_lines = base.ini_lines();
    for (model, settings) in models {
        out.section(&format!("{PREFIX}{model}"));
        for line in settings.ini_lines().into_iter().filter(|line| !base_lines.contains(line)) {
            out.line(&line);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::test_util::{error, parse_ok, MINIMAL};

    fn with_models(extra: &str) -> String {
        let text = MINIMAL.replacen("model_names = ", "model_names = bow, ", 1);
        format!("{text}[training]\nlearning_rate = 1e-2\nepochs = 3\n{extra}")
    }

    #[test]
    fn a_model_section_overrides_only_its_keys_for_its_model() {
        let settings = parse_ok(&with_models("[training.bow]\nlearning_rate = 5e-5\nmax_steps = 7\n"));
        let bow = settings.training_for("bow");
        assert_eq!((bow.learning_rate, bow.max_steps, bow.epochs), (5e-5, 7, 3));
        let other = settings.experiment.model_names.iter().find(|m| *m != "bow").unwrap();
        assert_eq!(settings.training_for(other).learning_rate, 1e-2);
        assert_eq!(settings.training.learning_rate, 1e-2);
    }

    #[test]
    fn bad_model_sections_are_named() {
        let err = error(&with_models("[training.cnn]\nepochs = 2\n"));
        assert!(err.contains(": training.cnn: no such model in experiment.model_names (bow, "), "{err}");
        let err = error(&with_models("[training.bow]\ndevice = cpu\n"));
        assert!(err.ends_with("training.bow.device: applies to the whole job: set it in [training]"), "{err}");
        let err = error(&with_models("[training.bow]\nlearning_rate = fast\n"));
        assert!(err.contains("settings.ini:8: training.bow.learning_rate: expected"), "{err}");
        let err = error(&with_models("[training.bow]\nlearnig_rate = 1\n"));
        assert!(err.contains("training.bow.learnig_rate: unknown key (did you mean learning_rate?)"), "{err}");
    }

    #[test]
    fn model_sections_round_trip_through_the_snapshot() {
        let settings = parse_ok(&with_models("[training.bow]\nlearning_rate = 5e-5\n"));
        let text = settings.to_ini();
        assert!(text.contains("\n[training.bow]\nlearning_rate = 5e-5\n"), "{text}");
        assert_eq!(crate::settings::Settings::parse(&text, &settings.path, &[]).unwrap(), settings);
    }

    #[test]
    fn overrides_reach_model_sections() {
        let text = with_models("");
        let settings =
            crate::settings::Settings::parse(&text, std::path::Path::new("s.ini"), &["training.bow.epochs=9".into()])
                .unwrap();
        assert_eq!((settings.training_for("bow").epochs, settings.training.epochs), (9, 3));
    }
}
