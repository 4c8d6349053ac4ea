//! [`Tag`]: SageMaker's `Tag` (`Key`, `Value`), shared by training and processing requests.

use serde::Serialize;

/// `Tag`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// 1..=128 characters.
    pub key: String,
    /// At most 256 characters.
    pub value: String,
}

impl Tag {
    /// The tag `key` = `value`.
    pub fn new(key: &str, value: impl ToString) -> Tag {
        Tag { key: key.to_string(), value: value.to_string() }
    }
}
