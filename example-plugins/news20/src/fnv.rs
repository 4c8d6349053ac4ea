//! FNV-1a, 64-bit: the stable hash that turns words and word pairs into embedding buckets. It is
//! written out here rather than taken from `std` because `DefaultHasher` may change between Rust
//! releases, and a prepared dataset must map the same text to the same ids forever.

/// FNV-1a 64 offset basis (from the FNV reference, <http://www.isthe.com/chongo/tech/comp/fnv/>).
const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64 prime.
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// An incremental FNV-1a 64 hasher: feeding `"ab"` then `"c"` equals feeding `"abc"`.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a64(u64);

impl Fnv1a64 {
    /// A hasher that has seen no bytes yet.
    pub fn new() -> Self {
        Self(OFFSET_BASIS)
    }

    /// Mixes `bytes` into the hash.
    #[must_use]
    pub fn write(mut self, bytes: &[u8]) -> Self {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(PRIME);
        }
        self
    }

    /// The hash of every byte written so far.
    pub fn finish(self) -> u64 {
        self.0
    }
}

impl Default for Fnv1a64 {
    fn default() -> Self {
        Self::new()
    }
}

/// The FNV-1a 64 hash of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    Fnv1a64::new().write(bytes).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values are the published FNV-1a 64 test vectors (Landon Curt Noll, `test_fnv.c`,
    // "fnv1a_64" column) for "", "a" and "foobar".
    #[test]
    fn matches_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn incremental_writes_equal_one_write() {
        let pieces = Fnv1a64::new().write(b"foo").write(b"").write(b"bar").finish();
        assert_eq!(pieces, fnv1a64(b"foobar"));
    }
}
