//! What a valid object key looks like. Keys are `/`-separated segments relative to a storage root,
//! and the same key must mean the same object on local disk and on S3, so the rules here are the
//! intersection of what both can represent safely: no empty, `.` or `..` segments (a local path
//! could escape the root), no NUL or backslash, and no segment starting with [`TEMP_PREFIX`], which
//! local storage reserves for half-written files.

use super::StorageError;

/// Names starting with this are temporary files of a local write in progress (or of a writer that
/// crashed); they are never objects, so keys may not use it.
pub const TEMP_PREFIX: &str = ".tmp-";

/// Checks that `key` names an object.
///
/// # Errors
/// [`StorageError::InvalidKey`] when the key is empty, starts or ends with `/`, or has a segment
/// that is empty, `.`, `..`, contains NUL or `\`, or starts with [`TEMP_PREFIX`].
pub fn validate_key(key: &str) -> Result<(), StorageError> {
    key_problem(key).map_or(Ok(()), |reason| Err(invalid(key, reason)))
}

/// Checks that `prefix` may be given to [`Storage::list`](super::Storage::list): either empty
/// (everything) or a valid key followed by `/`.
///
/// # Errors
/// [`StorageError::InvalidKey`] otherwise.
pub fn validate_prefix(prefix: &str) -> Result<(), StorageError> {
    if prefix.is_empty() {
        return Ok(());
    }
    let Some(stem) = prefix.strip_suffix('/') else {
        return Err(invalid(prefix, "a list prefix must be empty or end with '/'"));
    };
    key_problem(stem).map_or(Ok(()), |reason| Err(invalid(prefix, reason)))
}

/// Checks that `name` can be used as exactly one key segment (an experiment or model name, say);
/// `what` names it in the message, e.g. `"model name"`.
///
/// # Errors
/// [`StorageError::InvalidKey`] when `name` contains `/` or is not a valid segment.
pub fn validate_segment(name: &str, what: &str) -> Result<(), StorageError> {
    let problem = if name.contains('/') { Some("contains '/'") } else { key_problem(name) };
    problem.map_or(Ok(()), |problem| Err(invalid(name, &format!("{what} must be a single path segment ({problem})"))))
}

fn key_problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        return Some("key is empty");
    }
    if key.starts_with('/') {
        return Some("starts with '/'");
    }
    if key.ends_with('/') {
        return Some("ends with '/'");
    }
    key.split('/').find_map(segment_problem)
}

fn segment_problem(segment: &str) -> Option<&'static str> {
    if segment.is_empty() {
        Some("empty segment")
    } else if segment == "." || segment == ".." {
        Some("'.' and '..' segments are not allowed")
    } else if segment.contains('\0') {
        Some("contains NUL")
    } else if segment.contains('\\') {
        Some("contains a backslash")
    } else if segment.starts_with(TEMP_PREFIX) {
        Some("segments starting with '.tmp-' are reserved for temporary files")
    } else {
        None
    }
}

fn invalid(key: &str, reason: &str) -> StorageError {
    StorageError::InvalidKey { key: key.to_owned(), reason: reason.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_keys_are_valid() {
        for key in ["a", "a/b.txt", "exp/runs/12/model.pt", "dir with space/ünï.json", ".hidden"] {
            assert!(validate_key(key).is_ok(), "{key}");
        }
    }

    #[test]
    fn malformed_keys_are_rejected() {
        for key in ["", "/a", "a/", "a//b", ".", "a/./b", "../a", "a/..", "a\0b", "a\\b", "x/.tmp-1-2"] {
            assert!(validate_key(key).unwrap_err().is_invalid_key(), "{key:?}");
        }
    }

    #[test]
    fn prefixes_are_empty_or_end_with_a_slash() {
        assert!(validate_prefix("").is_ok());
        assert!(validate_prefix("a/b/").is_ok());
        for prefix in ["a", "/", "/a/", "a//", "../", "a/../"] {
            assert!(validate_prefix(prefix).is_err(), "{prefix:?}");
        }
    }

    #[test]
    fn segments_refuse_slashes_and_name_what_they_are() {
        assert!(validate_segment("bert-base", "model name").is_ok());
        let err = validate_segment("a/b", "model name").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid storage key \"a/b\": model name must be a single path segment (contains '/')"
        );
        assert!(validate_segment("..", "experiment name").is_err());
        assert!(validate_segment("", "experiment name").is_err());
    }
}
