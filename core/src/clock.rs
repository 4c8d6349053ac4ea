//! The time every manifest records: when a data snapshot was made, when a run started and ended.

/// The current UTC time to the second in RFC 3339 (`2026-11-26T14:48:17Z`), as manifests record
/// when they were made.
pub fn timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
