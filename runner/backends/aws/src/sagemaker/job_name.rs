//! SageMaker job names: `<parts joined by '-'>-<yyyymmddHHMMSS>`, cut to SageMaker's 63
//! characters of `[a-zA-Z0-9-]`; tuning job names end in the shorter `<yymmddHHMMSS>` and are cut
//! to 32. The timestamp is UTC and computed here from a `SystemTime`, so the crate needs no date
//! library.

use std::time::{SystemTime, UNIX_EPOCH};

/// SageMaker's limit on training and processing job names.
pub const MAX_JOB_NAME: usize = 63;

/// SageMaker's limit on hyperparameter tuning job names: the tuning job's training jobs are named
/// `<tuning job>-<3-digit trial>-<8 hex digits>`, which must fit [`MAX_JOB_NAME`].
pub const MAX_TUNING_JOB_NAME: usize = 32;

const HASH_LEN: usize = 8;

/// The job name for `parts` at `now`: every character outside `[a-zA-Z0-9-]` becomes `-`, the
/// parts are joined by `-` and the stamp appended. When that is too long the parts are cut and an
/// 8-digit hash of the uncut text is kept before the stamp, so two models whose names differ only
/// past the cut still get different jobs (names must be unique per account and region).
pub fn job_name(parts: &[&str], now: SystemTime) -> String {
    name_within(parts, &utc_stamp(now), MAX_JOB_NAME)
}

/// The tuning job name for `parts` at `now`, as [`job_name`] but within
/// [`MAX_TUNING_JOB_NAME`] and with a 12-digit stamp (`yymmddHHMMSS`) to leave room for the parts.
/// SageMaker numbers the trials itself, so the name carries none.
pub fn tuning_job_name(parts: &[&str], now: SystemTime) -> String {
    let stamp = utc_stamp(now);
    name_within(parts, &stamp[2..], MAX_TUNING_JOB_NAME)
}

/// `parts` joined, sanitised and cut so that `<parts>-<stamp>` fits `max` characters.
fn name_within(parts: &[&str], stamp: &str, max: usize) -> String {
    let joined: String = parts.join("-").chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    // A name must start with a letter or digit.
    let joined = joined.trim_start_matches('-');
    let room = max - stamp.len() - 1;
    if joined.len() <= room {
        return if joined.is_empty() { stamp.to_string() } else { format!("{joined}-{stamp}") };
    }
    // Every character is ASCII here, so byte slicing is char slicing; a cut may end in '-', which
    // the hash that follows keeps inside the name.
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

    #[test]
    fn tuning_names_have_a_short_stamp_and_fit_32() {
        assert_eq!(tuning_job_name(&["news", "r3", "bert"], at(1_709_210_096)), "news-r3-bert-240229123456");
        let experiment = "e".repeat(40);
        let a = tuning_job_name(&[&experiment, "r1", "bert-a"], at(0));
        let b = tuning_job_name(&[&experiment, "r1", "bert-b"], at(0));
        assert_eq!(a.len(), MAX_TUNING_JOB_NAME);
        assert!(a.ends_with("-700101000000"), "{a}");
        assert_ne!(a, b);
    }
}
