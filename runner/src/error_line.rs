//! The one `error:` line the runner prints: the error's message followed by each cause in its
//! source chain that the message does not already include, joined with `: `, so the operating
//! system's reason ("No space left on device", "Not a directory") is never dropped.

use std::error::Error;

/// `err` and its causes as one line.
pub fn error_line(err: &dyn Error) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a fixed message and an I/O cause.
    #[derive(Debug)]
    struct Wrapped(&'static str, std::io::Error);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Wrapped {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.1)
        }
    }

    #[test]
    fn the_operating_systems_reason_ends_the_line_once() {
        let full = Wrapped("i/o error at /x/records.parquet", std::io::Error::from_raw_os_error(28));
        assert_eq!(error_line(&full), "i/o error at /x/records.parquet: No space left on device (os error 28)");
        let repeated = Wrapped("storage error: disk on fire", std::io::Error::other("disk on fire"));
        assert_eq!(error_line(&repeated), "storage error: disk on fire");
    }
}
