//! Typed lookups into one raw section for stage 2: [`SectionReader`] rejects unknown keys (with a
//! suggestion), applies defaults, and turns a parser's "expected …" phrase into a
//! [`SettingsError`] that names the value's origin and `section.key`.

use super::error::{ErrorKind, Origin, SettingsError};
use super::raw::{RawEntry, RawIni, RawSection};
use super::suggest::did_you_mean;
use super::values::Expect;

/// Read access to one section of a [`RawIni`] by key.
pub(crate) struct SectionReader<'a> {
    raw: &'a RawIni,
    name: &'static str,
    section: Option<&'a RawSection>,
}

impl<'a> SectionReader<'a> {
    /// A reader for section `name`, which may only contain `known` keys.
    ///
    /// # Errors
    ///
    /// The first key (in file order) that is not in `known`.
    pub(crate) fn new(raw: &'a RawIni, name: &'static str, known: &[&str]) -> Result<Self, SettingsError> {
        let reader = Self::any_keys(raw, name);
        if let Some(entry) = reader.entries().iter().find(|e| !known.contains(&&*e.key)) {
            let suggestion = did_you_mean(&entry.key, known.iter().copied());
            return Err(reader.error(entry, ErrorKind::UnknownKey { suggestion }));
        }
        Ok(reader)
    }

    /// A reader for section `name` that accepts any key; the caller checks them.
    pub(crate) fn any_keys(raw: &'a RawIni, name: &'static str) -> Self {
        SectionReader { raw, name, section: raw.section(name) }
    }

    /// All entries of the section, in file order (none if the section is absent).
    pub(crate) fn entries(&self) -> &'a [RawEntry] {
        self.section.map(RawSection::entries).unwrap_or_default()
    }

    /// The entry for `key`, if set.
    pub(crate) fn entry(&self, key: &str) -> Option<&'a RawEntry> {
        self.section.and_then(|s| s.get(key))
    }

    /// The value of `key` parsed by `parse`, or `default` when it is not set.
    pub(crate) fn or<T>(&self, key: &str, default: T, parse: impl Fn(&str) -> Expect<T>) -> Result<T, SettingsError> {
        match self.entry(key) {
            Some(entry) => self.parse(entry, parse),
            None => Ok(default),
        }
    }

    /// The value of `key` parsed by `parse`; `None` when it is not set or set to an empty value.
    pub(crate) fn optional<T>(&self, key: &str, parse: impl Fn(&str) -> Expect<T>) -> Result<Option<T>, SettingsError> {
        match self.entry(key) {
            Some(entry) if !entry.value.is_empty() => self.parse(entry, parse).map(Some),
            _ => Ok(None),
        }
    }

    /// The value of `key` parsed by `parse`.
    ///
    /// # Errors
    ///
    /// The key is not set, or its value does not parse.
    pub(crate) fn required<T>(&self, key: &str, parse: impl Fn(&str) -> Expect<T>) -> Result<T, SettingsError> {
        match self.entry(key) {
            Some(entry) => self.parse(entry, parse),
            None => Err(self.missing(key, None)),
        }
    }

    /// "required key is missing" for `key`, optionally saying why it is required.
    pub(crate) fn missing(&self, key: &str, because: Option<String>) -> SettingsError {
        SettingsError::new(Origin::file(self.raw.path()), Some(self.qualified(key)), ErrorKind::Missing { because })
    }

    /// "expected …, got …" for `key`, whose effective value is `given` (its written value when set,
    /// which then also gives the origin).
    pub(crate) fn invalid(&self, key: &str, expected: String, given: &str) -> SettingsError {
        let origin = self.entry(key).map(|e| e.origin.clone()).unwrap_or_else(|| Origin::file(self.raw.path()));
        let kind = ErrorKind::Invalid { expected, given: given.to_string() };
        SettingsError::new(origin, Some(self.qualified(key)), kind)
    }

    /// An error about `entry`, located at its origin.
    pub(crate) fn error(&self, entry: &RawEntry, kind: ErrorKind) -> SettingsError {
        SettingsError::new(entry.origin.clone(), Some(self.qualified(&entry.key)), kind)
    }

    fn parse<T>(&self, entry: &RawEntry, parse: impl Fn(&str) -> Expect<T>) -> Result<T, SettingsError> {
        parse(&entry.value).map_err(|expected| {
            let given = entry.value.clone();
            self.error(entry, ErrorKind::Invalid { expected, given })
        })
    }

    fn qualified(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::settings::values::positive;

    fn raw(text: &str) -> RawIni {
        RawIni::parse(text, Path::new("s.ini")).unwrap()
    }

    #[test]
    fn unknown_key_is_reported_with_a_suggestion() {
        let raw = raw("[t]\nepochs = 1\nbatch_sise = 2\n");
        let error = SectionReader::new(&raw, "t", &["epochs", "batch_size"]).err().unwrap();
        assert_eq!(error.to_string(), "s.ini:3: t.batch_sise: unknown key (did you mean batch_size?)");
    }

    #[test]
    fn absent_key_takes_the_default_and_empty_optional_is_none() {
        let raw = raw("[t]\nx =\n");
        let reader = SectionReader::new(&raw, "t", &["x", "y"]).unwrap();
        assert_eq!(reader.or("y", 7u32, positive), Ok(7));
        assert_eq!(reader.optional("x", positive::<u32>), Ok(None));
    }

    #[test]
    fn bad_value_names_line_key_expectation_and_value() {
        let raw = raw("[t]\nx = abc\n");
        let reader = SectionReader::new(&raw, "t", &["x"]).unwrap();
        let error = reader.required("x", positive::<u32>).unwrap_err();
        assert_eq!(error.to_string(), r#"s.ini:2: t.x: expected a positive integer, got "abc""#);
    }

    #[test]
    fn missing_required_key_names_only_the_file() {
        let raw = raw("");
        let reader = SectionReader::new(&raw, "t", &["x"]).unwrap();
        let error = reader.required("x", positive::<u32>).unwrap_err();
        assert_eq!(error.to_string(), "s.ini: t.x: required key is missing");
    }
}
