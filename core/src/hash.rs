//! Content hashes for provenance: sha256 of files and objects, and of a step's inputs (a keyed
//! list of values), which is how a pipeline knows a snapshot was made from identical inputs.

use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::Path;

/// sha256 of bytes, hex-encoded.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// sha256 of a local file, hex-encoded, read in a stream.
///
/// # Errors
/// When the file cannot be read.
pub fn sha256_file(path: &Path) -> Result<String> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(io)?;
    Ok(hex::encode(hasher.finalize()))
}

/// Hash of a step's inputs: `key=value` lines, in the order added.
#[derive(Default, Clone)]
pub struct InputsHash {
    hasher: Sha256,
}

impl InputsHash {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one input.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.hasher.update(format!("{key}={value}\n").as_bytes());
        self
    }

    /// The hex digest.
    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_fips_test_vector() {
        // FIPS 180-2, appendix B.1: sha256("abc").
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn inputs_hash_depends_on_every_value_and_order() {
        let a = InputsHash::new().with("x", 1).with("y", 2).finish();
        assert_ne!(a, InputsHash::new().with("x", 1).with("y", 3).finish());
        assert_ne!(a, InputsHash::new().with("y", 2).with("x", 1).finish());
        assert_eq!(a, InputsHash::new().with("x", 1).with("y", 2).finish());
    }
}
