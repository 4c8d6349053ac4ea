//! [`RunStatus`]: where a run stands, as its files say — the manifest's `status`, or `allocating`
//! while the run has only claimed its number.

use std::fmt;

/// Where a run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// The number is claimed (`claim.toml`, perhaps `settings.ini`) but no manifest is written yet.
    Allocating,
    /// The manifest says `running`: training or tuning is under way, or was killed.
    Running,
    /// The manifest says `finished`.
    Finished,
    /// The manifest says `failed`.
    Failed,
    /// The manifest could not be read (a warning names the file).
    Unreadable,
    /// A status this version does not know, as the manifest spells it.
    Other(String),
}

impl RunStatus {
    /// The status a manifest's `status` field names.
    pub fn from_manifest(status: &str) -> Self {
        match status {
            "running" => RunStatus::Running,
            "finished" => RunStatus::Finished,
            "failed" => RunStatus::Failed,
            other => RunStatus::Other(other.to_string()),
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunStatus::Allocating => "allocating",
            RunStatus::Running => "running",
            RunStatus::Finished => "finished",
            RunStatus::Failed => "failed",
            RunStatus::Unreadable => "unreadable",
            RunStatus::Other(text) if text.is_empty() => "?",
            RunStatus::Other(text) => text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_statuses_round_trip_through_display() {
        for text in ["running", "finished", "failed", "paused"] {
            assert_eq!(RunStatus::from_manifest(text).to_string(), text);
        }
        assert_eq!(RunStatus::from_manifest("finished"), RunStatus::Finished);
        assert_eq!(RunStatus::from_manifest("").to_string(), "?");
    }
}
