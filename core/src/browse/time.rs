//! Timestamps as browsing prints them: the RFC 3339 times of manifests and claims shown in UTC,
//! to the minute in tables and to the second in details, and the time between two of them.

use chrono::{DateTime, Utc};

fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|time| time.with_timezone(&Utc))
}

/// `2026-11-26 14:48` for `2026-11-26T14:48:17Z`; text that is not RFC 3339 is returned as written.
pub(crate) fn utc_minutes(text: &str) -> String {
    parse(text).map_or_else(|| text.to_string(), |time| time.format("%Y-%m-%d %H:%M").to_string())
}

/// `2026-11-26 14:48:17 UTC` for `2026-11-26T14:48:17Z`; text that is not RFC 3339 is returned as
/// written.
pub(crate) fn utc_seconds(text: &str) -> String {
    parse(text).map_or_else(|| text.to_string(), |time| time.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// `40m 9s` from `start` to `end`, `None` when either is not RFC 3339 or `end` comes first.
pub(crate) fn elapsed(start: &str, end: &str) -> Option<String> {
    let seconds = (parse(end)? - parse(start)?).num_seconds();
    if seconds < 0 {
        return None;
    }
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    Some(match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m {s}s"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_print_in_utc() {
        assert_eq!(utc_minutes("2026-11-26T14:48:17Z"), "2026-11-26 14:48");
        assert_eq!(utc_minutes("2026-11-26T16:48:17+02:00"), "2026-11-26 14:48");
        assert_eq!(utc_seconds("2026-11-26T14:48:17Z"), "2026-11-26 14:48:17 UTC");
        assert_eq!(utc_minutes("yesterday"), "yesterday");
    }

    #[test]
    fn elapsed_reads_like_a_stopwatch() {
        assert_eq!(elapsed("2026-11-26T14:48:17Z", "2026-11-26T15:28:26Z").as_deref(), Some("40m 9s"));
        assert_eq!(elapsed("2026-11-26T14:48:17Z", "2026-11-26T14:48:20Z").as_deref(), Some("3s"));
        assert_eq!(elapsed("2026-11-26T10:00:00Z", "2026-11-26T12:01:02Z").as_deref(), Some("2h 1m 2s"));
        assert_eq!(elapsed("2026-11-26T15:00:00Z", "2026-11-26T14:00:00Z"), None);
        assert_eq!(elapsed("soon", "later"), None);
    }
}
