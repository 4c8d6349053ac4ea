//! What a client needs beyond plain HTTP to reach some tracking servers, as two traits this crate
//! calls and others implement (mlpipe-aws for SageMaker's managed MLflow, so that this crate does
//! not depend on the AWS SDK): a [`RequestSigner`] that authenticates every request, and
//! [`ArtifactObjects`] for runs whose artifacts live in an object store the client writes itself
//! (`s3://…`) instead of the server's artifact proxy.

use std::fmt::Debug;

/// Authenticates requests, e.g. with AWS SigV4.
pub trait RequestSigner: Send + Sync + Debug {
    /// The headers to add to the request `method url` (the URL complete with its encoded query)
    /// that already carries `headers` (lower-case names) and will send `body`.
    ///
    /// # Errors
    /// A one-line reason, e.g. that no credentials could be found.
    fn sign(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, String>;
}

/// Reads and writes whole objects named by URI, e.g. `s3://bucket/key`.
pub trait ArtifactObjects: Send + Sync + Debug {
    /// Whether `uri` (a run's artifact URI) is in a store this reaches.
    fn handles(&self, uri: &str) -> bool;

    /// Stores `bytes` at `uri`, replacing what is there.
    ///
    /// # Errors
    /// A one-line reason naming the object.
    fn put(&self, uri: &str, bytes: &[u8]) -> Result<(), String>;

    /// The bytes at `uri`.
    ///
    /// # Errors
    /// A one-line reason naming the object (a missing one included).
    fn get(&self, uri: &str) -> Result<Vec<u8>, String>;
}
