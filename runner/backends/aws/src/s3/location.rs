//! [`Location`]: the one place that turns storage keys into S3 object keys, uris and copy sources
//! and back. A storage rooted at `s3://bucket/prefix` keeps key `a/b` as object `prefix/a/b`.

/// A bucket and the key prefix under which a storage keeps its objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's top level.
    prefix: String,
}

impl Location {
    /// The location `s3://bucket/prefix`; slashes around `prefix` are ignored.
    pub(crate) fn new(bucket: &str, prefix: &str) -> Self {
        Self { bucket: bucket.to_owned(), prefix: prefix.trim_matches('/').to_owned() }
    }

    pub(crate) fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The object key holding storage key `key` (or, for a list prefix, the object key prefix).
    pub(crate) fn object_key(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.prefix)
        }
    }

    /// The storage key of object `object_key`, or `None` when the object is outside the root.
    pub(crate) fn storage_key<'a>(&self, object_key: &'a str) -> Option<&'a str> {
        if self.prefix.is_empty() {
            return Some(object_key);
        }
        object_key.strip_prefix(self.prefix.as_str())?.strip_prefix('/')
    }

    /// `s3://bucket/prefix/key`, for messages.
    pub(crate) fn uri(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.object_key(key))
    }

    /// `s3://bucket/prefix`, the root itself.
    pub(crate) fn root_uri(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    /// The `x-amz-copy-source` value for storage key `key`: `bucket/object-key`, percent-encoded
    /// as S3 requires (the header must be ASCII, and S3 decodes it once).
    pub(crate) fn copy_source(&self, key: &str) -> String {
        percent_encode(&format!("{}/{}", self.bucket, self.object_key(key)))
    }
}

/// Every byte but RFC 3986's unreserved characters and `/` is encoded.
const ENCODED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, ENCODED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_live_under_the_prefix() {
        let location = Location::new("bucket", "exp/root");
        assert_eq!(location.object_key("a/b.txt"), "exp/root/a/b.txt");
        assert_eq!(location.object_key("runs/"), "exp/root/runs/");
        assert_eq!(location.storage_key("exp/root/a/b.txt"), Some("a/b.txt"));
        assert_eq!(location.storage_key("exp/rootless/a"), None);
        assert_eq!(location.uri("a"), "s3://bucket/exp/root/a");
        assert_eq!(location.root_uri(), "s3://bucket/exp/root");
    }

    #[test]
    fn an_empty_prefix_is_the_bucket_top_level() {
        let location = Location::new("bucket", "");
        assert_eq!(location.object_key("a/b"), "a/b");
        assert_eq!(location.storage_key("a/b"), Some("a/b"));
        assert_eq!(location.uri("a/b"), "s3://bucket/a/b");
        assert_eq!(location.root_uri(), "s3://bucket");
    }

    #[test]
    fn copy_sources_are_percent_encoded_utf8() {
        let location = Location::new("b", "p");
        assert_eq!(location.copy_source("with space/x+y=z"), "b/p/with%20space/x%2By%3Dz");
        assert_eq!(location.copy_source("ünï/文"), "b/p/%C3%BCn%C3%AF/%E6%96%87");
        assert_eq!(location.copy_source("a-b_c.d~e"), "b/p/a-b_c.d~e");
    }
}
