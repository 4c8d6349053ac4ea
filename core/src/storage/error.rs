//! The one error type every storage backend returns. Each variant names the object it concerns
//! (a key, or a human-readable uri from [`Storage::uri`](super::Storage::uri)) so that a message
//! printed at the top of an error chain says where the problem is without further context.

use std::io;

/// What went wrong while reading, writing, listing or deleting an object.
///
/// Callers match on [`StorageError::NotFound`] and [`StorageError::AlreadyExists`] to make
/// decisions (a missing optional file, a run number already taken); the other variants are
/// reported to the user.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No object exists at the key.
    #[error("no object at {uri}")]
    NotFound {
        /// Where the object was looked for.
        uri: String,
    },
    /// A create-only write ([`Storage::put_new`](super::Storage::put_new)) found an object in place.
    #[error("an object already exists at {uri}")]
    AlreadyExists {
        /// The object that was already there.
        uri: String,
    },
    /// The key (or list prefix, or name destined to become a key segment) is malformed.
    #[error("invalid storage key {key:?}: {reason}")]
    InvalidKey {
        /// The offending key, prefix or name, as given.
        key: String,
        /// Why it was refused, lowercase.
        reason: String,
    },
    /// The operating system refused an operation.
    #[error("i/o error at {uri}")]
    Io {
        /// The object or local file concerned.
        uri: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Any other backend failure (a remote service error, an unexpected response).
    #[error("storage error at {uri}: {message}")]
    Other {
        /// The object concerned.
        uri: String,
        /// What the backend reported, lowercase.
        message: String,
    },
}

impl StorageError {
    /// Whether this is [`StorageError::NotFound`]: lets callers treat a missing object as optional.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// Whether this is [`StorageError::AlreadyExists`]: the create-only write lost a race.
    pub fn is_already_exists(&self) -> bool {
        matches!(self, Self::AlreadyExists { .. })
    }

    /// Whether this is [`StorageError::InvalidKey`].
    pub fn is_invalid_key(&self) -> bool {
        matches!(self, Self::InvalidKey { .. })
    }

    pub(crate) fn io(uri: impl Into<String>, source: io::Error) -> Self {
        Self::Io { uri: uri.into(), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_lowercase_line_naming_the_object() {
        let err = StorageError::NotFound { uri: "/data/exp/a.txt".into() };
        assert_eq!(err.to_string(), "no object at /data/exp/a.txt");
        let err = StorageError::InvalidKey { key: "a//b".into(), reason: "empty segment".into() };
        assert_eq!(err.to_string(), "invalid storage key \"a//b\": empty segment");
    }

    #[test]
    fn io_error_keeps_its_source_in_the_chain() {
        let err = StorageError::io("/x", io::Error::other("disk on fire"));
        assert_eq!(err.to_string(), "i/o error at /x");
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("disk on fire"));
    }
}
