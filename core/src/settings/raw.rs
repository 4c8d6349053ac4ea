//! Stage 1 of reading `settings.ini`: syntax only. [`RawIni::parse`] turns the text into sections of
//! `key = value` strings, each remembering the file line it came from, and
//! [`apply_override`](super::apply_override) lays a `--set section.key=value` on top. Nothing here
//! knows what the keys mean; that is stage 2 ([`Settings`](super::Settings)).
//!
//! The syntax: `[section]` headers, `key = value` lines, blank lines, full-line comments starting
//! with `;` or `#`, and inline comments starting at whitespace followed by `;` or `#`. Section and
//! key names are `[a-z0-9_]+`. A header may repeat (its keys merge), a key may not.

use std::path::{Path, PathBuf};

use super::error::{ErrorKind, Origin, SettingsError};

/// A settings file as written: sections in order of first appearance, keys in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawIni {
    path: PathBuf,
    sections: Vec<RawSection>,
}

/// One section of a [`RawIni`], with the keys of all its headers merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSection {
    name: String,
    origin: Origin,
    entries: Vec<RawEntry>,
}

/// One `key = value` setting, value trimmed and stripped of any inline comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    /// The key, `[a-z0-9_]+`.
    pub key: String,
    /// The value, possibly empty.
    pub value: String,
    /// The line (or `--set`) that set it.
    pub origin: Origin,
}

impl RawIni {
    /// Parses the text of a settings file; `path` is only recorded for messages.
    ///
    /// # Errors
    ///
    /// A line that is neither a header, a comment nor `key = value`; a key before any header; an
    /// empty or invalid key or section name; a key set twice in the same section.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SettingsError> {
        let mut raw = RawIni { path: path.to_path_buf(), sections: Vec::new() };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut current: Option<usize> = None;
        for (index, line) in text.lines().enumerate() {
            let origin = Origin::Line { path: raw.path.clone(), line: index + 1 };
            let line = strip_comment(line.trim());
            if line.is_empty() {
                continue;
            }
            let syntax = || ErrorKind::Syntax { line: line.to_string() };
            if let Some(inner) = line.strip_prefix('[') {
                let Some(name) = inner.strip_suffix(']') else {
                    return Err(SettingsError::new(origin, None, syntax()));
                };
                let name = name.trim();
                check_section_name(name, &origin)?;
                current = Some(raw.section_index(name, origin));
            } else if let Some((key, value)) = line.split_once('=') {
                let key = key.trim();
                if key.is_empty() {
                    return Err(SettingsError::new(origin, None, ErrorKind::EmptyKey));
                }
                check_name("key", key, &origin)?;
                let Some(section) = current else {
                    let kind = ErrorKind::KeyOutsideSection { key: key.into() };
                    return Err(SettingsError::new(origin, None, kind));
                };
                raw.sections[section].insert(key, value.trim(), origin)?;
            } else {
                return Err(SettingsError::new(origin, None, syntax()));
            }
        }
        Ok(raw)
    }

    /// The settings file, as the caller named it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sections, in order of first appearance (sections only set by `--set` come last).
    pub fn sections(&self) -> &[RawSection] {
        &self.sections
    }

    /// The section called `name`, if the file or an override has it.
    pub fn section(&self, name: &str) -> Option<&RawSection> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The entry for `section.key`, if set.
    pub fn get(&self, section: &str, key: &str) -> Option<&RawEntry> {
        self.section(section)?.get(key)
    }

    /// Sets `section.key` to `value`, replacing any earlier value (which keeps its place).
    pub(crate) fn set(&mut self, section: &str, key: &str, value: &str, origin: Origin) {
        let index = self.section_index(section, origin.clone());
        let section = &mut self.sections[index];
        let entry = RawEntry { key: key.to_string(), value: value.to_string(), origin };
        match section.entries.iter_mut().find(|e| e.key == key) {
            Some(existing) => *existing = entry,
            None => section.entries.push(entry),
        }
    }

    fn section_index(&mut self, name: &str, origin: Origin) -> usize {
        if let Some(index) = self.sections.iter().position(|s| s.name == name) {
            return index;
        }
        self.sections.push(RawSection { name: name.to_string(), origin, entries: Vec::new() });
        self.sections.len() - 1
    }
}

impl RawSection {
    /// The section name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the section first appeared: its first header line, or the `--set` that created it.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The entries, in file order (overrides of new keys last).
    pub fn entries(&self) -> &[RawEntry] {
        &self.entries
    }

    /// The entry for `key`, if set.
    pub fn get(&self, key: &str) -> Option<&RawEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    fn insert(&mut self, key: &str, value: &str, origin: Origin) -> Result<(), SettingsError> {
        if let Some(first) = self.get(key) {
            let kind = ErrorKind::DuplicateKey { first_line: first.origin.line().unwrap_or_default() };
            return Err(SettingsError::new(origin, Some(self.qualified(key)), kind));
        }
        self.entries.push(RawEntry { key: key.to_string(), value: value.to_string(), origin });
        Ok(())
    }

    fn qualified(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }
}

/// Whether `name` is a valid section or key name: `[a-z0-9_]+`.
pub(crate) fn is_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Whether `name` is a valid section name: `[a-z0-9_]+`, optionally followed by `.` and a model
/// name (`[A-Za-z0-9_-]+`), as in `[training.minilm]`.
pub(crate) fn is_section_name(name: &str) -> bool {
    match name.split_once('.') {
        None => is_name(name),
        Some((section, model)) => {
            is_name(section)
                && !model.is_empty()
                && model.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }
    }
}

fn check_section_name(name: &str, origin: &Origin) -> Result<(), SettingsError> {
    if is_section_name(name) {
        return Ok(());
    }
    let kind = ErrorKind::InvalidName { what: "section", name: name.to_string() };
    Err(SettingsError::new(origin.clone(), None, kind))
}

fn check_name(what: &'static str, name: &str, origin: &Origin) -> Result<(), SettingsError> {
    if is_name(name) {
        return Ok(());
    }
    let kind = ErrorKind::InvalidName { what, name: name.to_string() };
    Err(SettingsError::new(origin.clone(), None, kind))
}

/// Removes a full-line comment, or an inline one starting at whitespace then `;` or `#`.
fn strip_comment(line: &str) -> &str {
    if line.starts_with([';', '#']) {
        return "";
    }
    let mut previous_is_space = false;
    for (index, c) in line.char_indices() {
        if previous_is_space && (c == ';' || c == '#') {
            return line[..index].trim_end();
        }
        previous_is_space = c.is_whitespace();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RawIni, SettingsError> {
        RawIni::parse(text, Path::new("settings.ini"))
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn values_keep_their_line_numbers() {
        let raw = parse("; top\n\n[training]\nepochs = 3\n").unwrap();
        let entry = raw.get("training", "epochs").unwrap();
        assert_eq!(entry.value, "3");
        assert_eq!(entry.origin.line(), Some(4));
    }

    #[test]
    fn inline_comments_need_whitespace_before_the_marker() {
        let raw = parse("[plugin]\na = x ; note\nb = x#y\nc = x\t# note\nd = ; nothing\n").unwrap();
        let value = |k: &str| raw.get("plugin", k).unwrap().value.clone();
        assert_eq!(value("a"), "x");
        assert_eq!(value("b"), "x#y");
        assert_eq!(value("c"), "x");
        assert_eq!(value("d"), "");
    }

    #[test]
    fn headers_accept_inline_comments_and_inner_spaces() {
        let raw = parse("[ data ] # input\nsource = a\n").unwrap();
        assert_eq!(raw.get("data", "source").unwrap().value, "a");
    }

    #[test]
    fn repeated_headers_merge_their_keys() {
        let raw = parse("[a]\nx = 1\n[b]\ny = 2\n[a]\nz = 3\n").unwrap();
        let names: Vec<_> = raw.sections().iter().map(RawSection::name).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(raw.section("a").unwrap().entries().len(), 2);
    }

    #[test]
    fn duplicate_key_across_repeated_headers_names_both_lines() {
        assert_eq!(error("[a]\nx = 1\n[b]\n[a]\nx = 2\n"), "settings.ini:5: a.x: duplicate key, first set on line 2");
    }

    #[test]
    fn key_before_any_header_is_rejected() {
        assert_eq!(error("x = 1\n"), r#"settings.ini:1: key "x" comes before any [section] header"#);
    }

    #[test]
    fn line_without_equals_is_a_syntax_error() {
        assert_eq!(
            error("[a]\njust words\n"),
            r#"settings.ini:2: expected `key = value`, a `[section]` header or a comment, got "just words""#
        );
    }

    #[test]
    fn unclosed_header_is_a_syntax_error() {
        assert!(error("[a\n").starts_with("settings.ini:1: expected `key = value`"));
    }

    #[test]
    fn empty_key_is_rejected() {
        assert_eq!(error("[a]\n = 3\n"), "settings.ini:2: empty key before `=`");
    }

    #[test]
    fn uppercase_names_are_rejected() {
        assert_eq!(
            error("[a]\nBatch = 3\n"),
            r#"settings.ini:2: invalid key name "Batch": use lowercase letters, digits and _ only"#
        );
        assert!(error("[Data]\n").starts_with("settings.ini:1: invalid section name \"Data\""));
    }
}
