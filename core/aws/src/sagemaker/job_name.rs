//! SageMaker job names: `<parts joined by '-'>-<yyyymmddHHMMSS>`, cut to SageMaker's 63
//! characters of `[a-zA-Z0-9-]`. The timestamp is UTC and computed here from a `SystemTime`, so
//! the crate needs no date library.

use std::time::{SystemTime, UNIX_EPOCH};

/// SageMaker's limit on training and processing job names.
pub const MAX_JOB_NAME: usize = 63;

const STAMP_LEN: usize = 14;
const HASH_LEN: usize = 8;

/// The job name for `parts` at `now`: every character outside `[a-zA-Z0-9-]` becomes `-`, the
/// parts are joined by `-` and the stamp appended. When that is too long the parts are cut and an
/// 8-digit hash of the uncut text is kept before the stamp, so two models whose names differ only
/// past the cut still get different jobs (names must be unique per account and region).
pub fn job_name(parts: &[&str], now: SystemTime) -> String {
    let joined: String = parts.join("-").chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    // A name must start with a letter or digit.
    let joined = joined.trim_start_matches('-');
    let stamp = utc_stamp(now);
    let room = MAX_JOB_NAME - STAMP_LEN - 1;
    if joined.len() <= room {
        return if joined.is_empty() { stamp } else { format!("{joined}-{stamp}") };
    }
    // Every character is ASCII here, so byte slicing is char slicing.
    let kept = &joined[..room - HASH_LEN - 1];
    format!("{kept}-{:08x}-{stamp}", fnv1a(joined.as_bytes()) as u32)
}

/// `yyyymmddHHMMSS` in UTC; times before 1970 count as 1970.
pub fn utc_stamp(now: SystemTime) -> String {
    let secs = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}{month:02}{day:02}{:02}{:02}{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Year, month, day of the `days`-th day after 1970-01-01, by Howard Hinnant's `civil_from_days`
/// (proleptic Gregorian calendar, eras of 400 years).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn stamps_are_utc_calendar_times() {
        // `date -u -d @1709210096 +%Y%m%d%H%M%S` → 20240229123456 (a leap day).
        assert_eq!(utc_stamp(at(1_709_210_096)), "20240229123456");
        assert_eq!(utc_stamp(at(0)), "19700101000000");
        // `date -u -d @4102444799 +%Y%m%d%H%M%S` → 20991231235959.
        assert_eq!(utc_stamp(at(4_102_444_799)), "20991231235959");
    }

    #[test]
    fn names_replace_odd_characters_and_end_with_the_stamp() {
        let name = job_name(&["news_20", "r3", "bert.base/v2"], at(1_709_210_096));
        assert_eq!(name, "news-20-r3-bert-base-v2-20240229123456");
    }

    #[test]
    fn names_never_start_with_a_dash() {
        assert_eq!(job_name(&["_exp", "prepare"], at(0)), "exp-prepare-19700101000000");
    }

    #[test]
    fn long_names_are_cut_to_63_keeping_the_stamp_and_staying_distinct() {
        let experiment = "e".repeat(40);
        let a = job_name(&[&experiment, "r1", "bert-base-uncased-a"], at(0));
        let b = job_name(&[&experiment, "r1", "bert-base-uncased-b"], at(0));
        assert_eq!(a.len(), MAX_JOB_NAME);
        assert!(a.ends_with("-19700101000000"), "{a}");
        assert_ne!(a, b);
    }
}
