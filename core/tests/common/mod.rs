//! Helpers shared by the integration tests that cross-check against real Python libraries.

use std::path::{Path, PathBuf};

/// The project's Python, which `scripts/setup.sh` provides with torch, pandas and scikit-learn.
pub fn python() -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(python.exists(), "{} is missing: run scripts/setup.sh", python.display());
    python
}
