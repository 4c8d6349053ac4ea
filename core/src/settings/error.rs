//! The one error type of the settings module. Every problem, from a malformed line to a value out of
//! range, is a [`SettingsError`]: where the setting came from ([`Origin`]), which `section.key` it is
//! about, and what went wrong ([`ErrorKind`]). Its message is always a single line shaped like
//! `settings.ini:12: training.batch_size: expected a positive integer, got "abc"`.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a setting (or a problem) comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The settings file as a whole: a key that is missing, a file that cannot be read.
    File {
        /// The settings file, as the caller named it.
        path: PathBuf,
    },
    /// One line of the settings file.
    Line {
        /// The settings file, as the caller named it.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// A `--set section.key=value` override from the command line.
    Override {
        /// The override exactly as given.
        text: String,
    },
}

impl Origin {
    /// The origin standing for the whole file at `path`.
    pub fn file(path: &Path) -> Self {
        Origin::File { path: path.to_path_buf() }
    }

    /// The 1-based line number, when the origin is a line of the file.
    pub fn line(&self) -> Option<usize> {
        match self {
            Origin::Line { line, .. } => Some(*line),
            Origin::File { .. } | Origin::Override { .. } => None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path } => write!(f, "{}", path.display()),
            Origin::Line { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::Override { text } => write!(f, "--set {}", one_line(text)),
        }
    }
}

/// What went wrong with a setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The settings file could not be read.
    #[error("cannot read the settings file: {message}")]
    Read {
        /// The operating system's description of the failure.
        message: String,
    },
    /// A line that is neither a `[section]` header, a comment nor `key = value`.
    #[error("expected `key = value`, a `[section]` header or a comment, got {line:?}")]
    Syntax {
        /// The offending line, trimmed.
        line: String,
    },
    /// A `key = value` line above the first `[section]` header.
    #[error("key {key:?} comes before any [section] header")]
    KeyOutsideSection {
        /// The key as written.
        key: String,
    },
    /// A `= value` line with nothing before the `=`.
    #[error("empty key before `=`")]
    EmptyKey,
    /// A section or key name that is not made of `[a-z0-9_]`.
    #[error("invalid {what} name {name:?}: use lowercase letters, digits and _ only")]
    InvalidName {
        /// `"section"` or `"key"`.
        what: &'static str,
        /// The name as written.
        name: String,
    },
    /// A key set twice in one section (possibly across repeated headers).
    #[error("duplicate key, first set on line {first_line}")]
    DuplicateKey {
        /// The line of the first occurrence.
        first_line: usize,
    },
    /// A `--set` text that is not `section.key=value`.
    #[error("expected section.key=value with lowercase names")]
    MalformedOverride,
    /// A section the schema does not know.
    #[error("unknown section{}", did_you_mean(suggestion.as_deref()))]
    UnknownSection {
        /// The closest known section, when one is close.
        suggestion: Option<String>,
    },
    /// A key its section does not know.
    #[error("unknown key{}", did_you_mean(suggestion.as_deref()))]
    UnknownKey {
        /// The closest known key, when one is close.
        suggestion: Option<String>,
    },
    /// A value that does not have the expected shape or range.
    #[error("expected {expected}, got {given:?}")]
    Invalid {
        /// What would have been accepted, e.g. `a positive integer`.
        expected: String,
        /// The value as written.
        given: String,
    },
    /// A `[training.<model>]` section for a model that `experiment.model_names` does not list.
    #[error("no such model in experiment.model_names ({models})")]
    UnknownModel {
        /// The listed models, comma-separated.
        models: String,
    },
    /// A key of `[training]` that applies to the whole job, set in a `[training.<model>]` section.
    #[error("applies to the whole job: set it in [training]")]
    JobWide,
    /// A required key that is not set.
    #[error("required key is missing{}", because.as_ref().map(|b| format!(" ({b})")).unwrap_or_default())]
    Missing {
        /// Why the key is required here, when it is not always required.
        because: Option<String>,
    },
}

/// A problem with the settings: where, which `section.key`, and what.
///
/// Displays as one line: `{origin}: {section.key}: {kind}` (the key part is left out for problems
/// that are about a line rather than a key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {}{kind}", key.as_deref().map(|k| format!("{k}: ")).unwrap_or_default())]
pub struct SettingsError {
    /// Where the offending setting came from.
    pub origin: Origin,
    /// The setting as `section.key` (or just `section`), when the problem is about one.
    pub key: Option<String>,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl SettingsError {
    /// Builds an error from its three parts.
    pub fn new(origin: Origin, key: Option<String>, kind: ErrorKind) -> Self {
        SettingsError { origin, key, kind }
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map(|s| format!(" (did you mean {s}?)")).unwrap_or_default()
}

/// Escapes line breaks so that an error message stays on one line.
fn one_line(text: &str) -> String {
    text.replace('\r', "\\r").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_origin_key_and_problem_on_one_line() {
        let error = SettingsError::new(
            Origin::Line { path: "settings.ini".into(), line: 12 },
            Some("training.batch_size".into()),
            ErrorKind::Invalid { expected: "a positive integer".into(), given: "a\nb".into() },
        );
        assert_eq!(
            error.to_string(),
            r#"settings.ini:12: training.batch_size: expected a positive integer, got "a\nb""#
        );
    }

    #[test]
    fn override_origin_escapes_line_breaks() {
        let origin = Origin::Override { text: "a\nb".into() };
        assert_eq!(origin.to_string(), "--set a\\nb");
    }

    #[test]
    fn missing_key_without_line_shows_only_the_file() {
        let error = SettingsError::new(
            Origin::file(Path::new("settings.ini")),
            Some("experiment.name".into()),
            ErrorKind::Missing { because: None },
        );
        assert_eq!(error.to_string(), "settings.ini: experiment.name: required key is missing");
    }
}
