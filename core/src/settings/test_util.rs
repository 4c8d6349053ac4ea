//! Helpers for the settings tests: a minimal valid file and shorthands that parse text and return
//! the settings or the error message.

use std::path::Path;

use super::load::Settings;

/// The smallest valid settings file; tests append sections to it. Its keys sit on lines 1-3.
pub(crate) const MINIMAL: &str = "[experiment]\nname = demo\nmodel_names = bert\n";

/// Parses `text` as `/srv/project/settings.ini`, so relative paths resolve under `/srv/project`.
pub(crate) fn parse_ok(text: &str) -> Settings {
    Settings::parse(text, Path::new("/srv/project/settings.ini"), &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// The one-line error for `text` parsed as `settings.ini` (with `overrides`).
pub(crate) fn error_with(text: &str, overrides: &[&str]) -> String {
    let overrides: Vec<String> = overrides.iter().map(|o| o.to_string()).collect();
    let message = Settings::parse(text, Path::new("settings.ini"), &overrides)
        .expect_err("the settings should be rejected")
        .to_string();
    assert!(!message.contains('\n'), "message spans lines: {message}");
    message
}

/// The one-line error for `text` parsed as `settings.ini`.
pub(crate) fn error(text: &str) -> String {
    error_with(text, &[])
}
