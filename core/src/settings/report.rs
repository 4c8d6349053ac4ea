//! `[report]`: what `inference/report.html` shows besides the scores: how many of each model's
//! most confident wrong predictions it lists, and how many bins its reliability diagram and
//! expected calibration error use.

use super::error::SettingsError;
use super::raw::RawIni;
use super::reader::SectionReader;
use super::render::IniWriter;
use super::values::int_between;

const KEYS: &[&str] = &["confident_errors", "calibration_bins"];

/// The `[report]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSettings {
    /// Most confident wrong test predictions listed per model, 0 to 1000 (default 10).
    pub confident_errors: usize,
    /// Equal-width confidence bins of the calibration, 2 to 100 (default 15, as Guo et al. 2017).
    pub calibration_bins: usize,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings { confident_errors: 10, calibration_bins: crate::metrics::DEFAULT_BINS }
    }
}

impl ReportSettings {
    pub(crate) fn read(raw: &RawIni) -> Result<Self, SettingsError> {
        let r = SectionReader::new(raw, "report", KEYS)?;
        let default = ReportSettings::default();
        Ok(ReportSettings {
            confident_errors: r.or("confident_errors", default.confident_errors, int_between(0, 1000))?,
            calibration_bins: r.or("calibration_bins", default.calibration_bins, int_between(2, 100))?,
        })
    }

    pub(crate) fn write_ini(&self, out: &mut IniWriter) {
        out.section("report");
        out.key("confident_errors", self.confident_errors);
        out.key("calibration_bins", self.calibration_bins);
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::test_util::{error, parse_ok, MINIMAL};

    #[test]
    fn defaults_list_ten_errors_in_fifteen_bins() {
        let report = parse_ok(MINIMAL).report;
        assert_eq!((report.confident_errors, report.calibration_bins), (10, 15));
        let report = parse_ok(&format!("{MINIMAL}[report]\nconfident_errors = 0\ncalibration_bins = 20\n")).report;
        assert_eq!((report.confident_errors, report.calibration_bins), (0, 20));
    }

    #[test]
    fn out_of_range_values_name_the_key() {
        assert_eq!(
            error(&format!("{MINIMAL}[report]\ncalibration_bins = 1\n")),
            "settings.ini:5: report.calibration_bins: expected an integer from 2 to 100, got \"1\""
        );
        assert_eq!(
            error(&format!("{MINIMAL}[report]\nconfident_error = 3\n")),
            "settings.ini:5: report.confident_error: unknown key (did you mean confident_errors?)"
        );
    }
}
