//! `[data]`: where the plugin reads its input and how records are split into train, validation and
//! test sets.

use std::path::{Path, PathBuf};

use super::error::SettingsError;
use super::raw::RawIni;
use super::reader::SectionReader;
use super::render::IniWriter;
use super::values::{fraction_below_one, local_path, non_negative, open_fraction};

const KEYS: &[&str] = &["source", "validation_fraction", "test_fraction", "num_workers"];

/// The `[data]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSettings {
    /// The input the plugin reads, resolved against the settings file's folder; `None` lets the
    /// plugin use its own default.
    pub source: Option<PathBuf>,
    /// Share of the training records held out for validation, 0 < x < 1 (default 0.1).
    pub validation_fraction: f64,
    /// Share of the records held out for testing, 0 <= x < 1 (default 0.1); used only when the
    /// plugin provides no test records of its own.
    pub test_fraction: f64,
    /// Worker threads for data preparation; 0 (the default) means one per core.
    pub num_workers: usize,
}

impl DataSettings {
    pub(crate) fn read(raw: &RawIni, dir: &Path) -> Result<Self, SettingsError> {
        let reader = SectionReader::new(raw, "data", KEYS)?;
        let data = DataSettings {
            source: reader.optional("source", |t| local_path(dir, t))?,
            validation_fraction: reader.or("validation_fraction", 0.1, open_fraction)?,
            test_fraction: reader.or("test_fraction", 0.1, fraction_below_one)?,
            num_workers: reader.or("num_workers", 0, non_negative)?,
        };
        if data.validation_fraction + data.test_fraction >= 1.0 {
            let key = if reader.entry("test_fraction").is_some() { "test_fraction" } else { "validation_fraction" };
            let expected = format!(
                "data.validation_fraction + data.test_fraction below 1 (they are {} and {})",
                data.validation_fraction, data.test_fraction
            );
            let given = reader.entry(key).map(|e| e.value.as_str()).unwrap_or_default();
            return Err(reader.invalid(key, expected, given));
        }
        Ok(data)
    }

    pub(crate) fn write_ini(&self, out: &mut IniWriter) {
        out.section("data");
        out.optional("source", self.source.as_ref().map(|p| p.display()));
        out.key("validation_fraction", format!("{:?}", self.validation_fraction));
        out.key("test_fraction", format!("{:?}", self.test_fraction));
        out.key("num_workers", self.num_workers);
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::test_util::{error, parse_ok, MINIMAL};

    #[test]
    fn defaults_hold_out_a_tenth_twice() {
        let data = parse_ok(MINIMAL).data;
        assert_eq!(data.source, None);
        assert_eq!((data.validation_fraction, data.test_fraction), (0.1, 0.1));
        assert_eq!(data.num_workers, 0);
    }

    #[test]
    fn relative_source_resolves_against_the_settings_folder() {
        let data = parse_ok(&format!("{MINIMAL}[data]\nsource = ./corpus/train.jsonl\n")).data;
        assert_eq!(data.source.as_deref(), Some(std::path::Path::new("/srv/project/corpus/train.jsonl")));
        let data = parse_ok(&format!("{MINIMAL}[data]\nsource = /data/x\n")).data;
        assert_eq!(data.source.as_deref(), Some(std::path::Path::new("/data/x")));
    }

    #[test]
    fn fraction_out_of_range_is_rejected() {
        assert_eq!(
            error(&format!("{MINIMAL}[data]\nvalidation_fraction = 1.5\n")),
            "settings.ini:5: data.validation_fraction: expected a number between 0 and 1 \
             (exclusive), got \"1.5\""
        );
    }

    #[test]
    fn bad_float_is_rejected() {
        assert_eq!(
            error(&format!("{MINIMAL}[data]\ntest_fraction = ten percent\n")),
            "settings.ini:5: data.test_fraction: expected a number >= 0 and < 1, got \"ten percent\""
        );
    }

    #[test]
    fn held_out_fractions_must_leave_training_records() {
        let text = format!("{MINIMAL}[data]\nvalidation_fraction = 0.5\ntest_fraction = 0.5\n");
        assert_eq!(
            error(&text),
            "settings.ini:6: data.test_fraction: expected data.validation_fraction + \
             data.test_fraction below 1 (they are 0.5 and 0.5), got \"0.5\""
        );
    }
}
