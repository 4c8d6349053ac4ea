//! `--set section.key=value` overrides from the command line, laid on a [`RawIni`] after parsing.
//! An override replaces the file's value for that key (or adds the key, and its section if needed)
//! and records the override text as the value's origin, so later errors point at the `--set`.

use super::error::{ErrorKind, Origin, SettingsError};
use super::raw::{is_name, is_section_name, RawIni};

/// Applies one `--set section.key=value` override to `raw` (`section` may name a model section,
/// as in `training.minilm.learning_rate=1e-4`). The value is trimmed but otherwise
/// taken verbatim (no comment stripping).
///
/// # Errors
///
/// The text is not `section.key=value` with `[a-z0-9_]+` names, or the value spans several lines;
/// the error names the override text.
pub fn apply_override(raw: &mut RawIni, text: &str) -> Result<(), SettingsError> {
    let origin = Origin::Override { text: text.to_string() };
    let parsed = text.split_once('=').and_then(|(target, value)| {
        let (section, key) = target.trim().rsplit_once('.')?;
        let ok = is_section_name(section) && is_name(key) && !value.contains(['\n', '\r']);
        ok.then_some((section, key, value.trim()))
    });
    let Some((section, key, value)) = parsed else {
        return Err(SettingsError::new(origin, None, ErrorKind::MalformedOverride));
    };
    raw.set(section, key, value, origin);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn parse(text: &str) -> RawIni {
        RawIni::parse(text, Path::new("settings.ini")).unwrap()
    }

    #[test]
    fn override_replaces_value_and_origin_in_place() {
        let mut raw = parse("[a]\nx = 1\ny = 2\n");
        apply_override(&mut raw, "a.x = 5").unwrap();
        let entry = raw.get("a", "x").unwrap();
        assert_eq!(entry.value, "5");
        assert_eq!(entry.origin.to_string(), "--set a.x = 5");
        assert_eq!(raw.section("a").unwrap().entries()[0].key, "x");
    }

    #[test]
    fn override_creates_missing_sections_and_keys() {
        let mut raw = parse("");
        apply_override(&mut raw, "b.y=a ; kept").unwrap();
        assert_eq!(raw.get("b", "y").unwrap().value, "a ; kept");
    }

    #[test]
    fn malformed_override_names_its_text() {
        let mut raw = parse("");
        for text in ["epochs=3", "training.epochs", "Training.epochs=3", ".x=1", "a.b=1\n2"] {
            let message = apply_override(&mut raw, text).unwrap_err().to_string();
            assert!(message.ends_with(": expected section.key=value with lowercase names"));
        }
        let message = apply_override(&mut raw, "epochs=3").unwrap_err().to_string();
        assert_eq!(message, "--set epochs=3: expected section.key=value with lowercase names");
    }
}
