//! Parsers for single scalar values (integers, fractions, booleans, paths). Each takes the value as
//! written and returns either the typed value or the phrase for what was expected, which the
//! caller turns into `expected <phrase>, got "<value>"`.

use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

/// A parsed value, or what was expected instead.
pub(crate) type Expect<T> = Result<T, String>;

/// Any integer of type `T` that is >= 0 (the type must be unsigned).
pub(crate) fn non_negative<T: FromStr>(text: &str) -> Expect<T> {
    text.parse().map_err(|_| "a non-negative integer".to_string())
}

/// An integer of type `T` that is >= 1.
pub(crate) fn positive<T: FromStr + PartialEq + Default>(text: &str) -> Expect<T> {
    match text.parse::<T>() {
        Ok(value) if value != T::default() => Ok(value),
        _ => Err("a positive integer".to_string()),
    }
}

/// An integer in `min..=max`.
pub(crate) fn int_between<T>(min: T, max: T) -> impl Fn(&str) -> Expect<T>
where
    T: FromStr + PartialOrd + Copy + std::fmt::Display,
{
    move |text| match text.parse::<T>() {
        Ok(value) if value >= min && value <= max => Ok(value),
        _ => Err(format!("an integer from {min} to {max}")),
    }
}

/// A finite number; `inf` and `NaN` are rejected.
pub(crate) fn number(text: &str) -> Expect<f64> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err("a number".to_string()),
    }
}

/// A number > 0.
pub(crate) fn positive_number(text: &str) -> Expect<f64> {
    float_where(text, |x| x > 0.0, "a number greater than 0")
}

/// A number >= 0.
pub(crate) fn non_negative_number(text: &str) -> Expect<f64> {
    float_where(text, |x| x >= 0.0, "a number >= 0")
}

/// A fraction with 0 < x < 1.
pub(crate) fn open_fraction(text: &str) -> Expect<f64> {
    float_where(text, |x| x > 0.0 && x < 1.0, "a number between 0 and 1 (exclusive)")
}

/// A fraction with 0 <= x < 1.
pub(crate) fn fraction_below_one(text: &str) -> Expect<f64> {
    float_where(text, |x| (0.0..1.0).contains(&x), "a number >= 0 and < 1")
}

/// A number with 0 <= x <= 0.5 (label smoothing).
pub(crate) fn fraction_up_to_half(text: &str) -> Expect<f64> {
    float_where(text, |x| (0.0..=0.5).contains(&x), "a number from 0 to 0.5")
}

fn float_where(text: &str, ok: impl Fn(f64) -> bool, expected: &str) -> Expect<f64> {
    match number(text) {
        Ok(value) if ok(value) => Ok(value),
        _ => Err(expected.to_string()),
    }
}

/// `true`/`false`, `yes`/`no` or `1`/`0`, in any letter case.
pub(crate) fn boolean(text: &str) -> Expect<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err("true or false (or yes/no, 1/0)".to_string()),
    }
}

/// A non-empty local path, resolved against `dir` (the settings file's folder) unless absolute.
pub(crate) fn local_path(dir: &Path, text: &str) -> Expect<PathBuf> {
    if text.is_empty() {
        return Err("a path".to_string());
    }
    Ok(resolve(dir, Path::new(text)))
}

/// `path` if absolute, else `dir/path`; `.` components are dropped (`..` are kept, since symlinks
/// make removing them unsafe).
pub(crate) fn resolve(dir: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() { path.to_path_buf() } else { dir.join(path) };
    let mut components = joined.components().peekable();
    let mut resolved = PathBuf::new();
    // `components()` keeps only a leading `.`; drop it unless it is all there is.
    if components.peek() == Some(&Component::CurDir) {
        components.next();
        if components.peek().is_none() {
            return PathBuf::from(".");
        }
    }
    resolved.extend(components);
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_rejects_zero_negative_and_words() {
        assert_eq!(positive::<u32>("4"), Ok(4));
        for text in ["0", "-1", "abc", "1.5", ""] {
            assert_eq!(positive::<u32>(text), Err("a positive integer".into()));
        }
    }

    #[test]
    fn numbers_must_be_finite() {
        assert_eq!(number("5e-5"), Ok(5e-5));
        assert!(number("inf").is_err());
        assert!(number("NaN").is_err());
    }

    #[test]
    fn fractions_respect_their_bounds() {
        assert!(open_fraction("0").is_err());
        assert!(open_fraction("1").is_err());
        assert_eq!(fraction_below_one("0"), Ok(0.0));
        assert!(fraction_below_one("1").is_err());
    }

    #[test]
    fn booleans_accept_three_spellings() {
        for (text, value) in [("yes", true), ("0", false), ("TRUE", true), ("no", false)] {
            assert_eq!(boolean(text), Ok(value));
        }
        assert!(boolean("maybe").is_err());
    }

    #[test]
    fn relative_paths_resolve_against_the_folder() {
        let dir = Path::new("/srv/project");
        assert_eq!(resolve(dir, Path::new("./data/./train")), Path::new("/srv/project/data/train"));
        assert_eq!(resolve(dir, Path::new("/abs")), Path::new("/abs"));
        assert_eq!(resolve(dir, Path::new("../x")), Path::new("/srv/project/../x"));
        assert_eq!(resolve(Path::new("."), Path::new(".")), Path::new("."));
    }
}
