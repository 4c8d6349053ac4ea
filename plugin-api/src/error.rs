//! The error type of every user function. It is a message, not a type hierarchy: it crosses the
//! library boundary as text and is shown to the user as one line, so it keeps the whole cause chain.

use std::fmt;

/// An error returned by a user function. Any `std::error::Error` converts into it with `?`
/// (keeping its source chain in the message); [`PluginError::new`] makes one from text and
/// [`PluginError::context`] prefixes what was being done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    message: String,
}

impl PluginError {
    /// An error with this message (lowercase, no trailing period, by convention).
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    /// Prefixes the message with what was being done: `reading x.tar: unexpected end of file`.
    #[must_use]
    pub fn context(self, what: impl fmt::Display) -> Self {
        Self { message: format!("{what}: {}", self.message) }
    }

    /// The full message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

// Not `std::error::Error` on purpose: that would clash with this blanket conversion, which is what
// lets plugin code use `?` on io, tch and parsing errors alike (the same trick as `anyhow::Error`).
impl<E: std::error::Error> From<E> for PluginError {
    fn from(err: E) -> Self {
        let mut message = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self { message }
    }
}
