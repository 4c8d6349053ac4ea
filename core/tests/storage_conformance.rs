//! Runs the storage conformance suite against every backend that needs no network: local disk
//! (a fresh temporary root, and a root that already holds other objects). A later S3 backend
//! adds its own call against a test server.

use mlpipe_core::storage::{conformance, LocalStorage, Storage};

#[test]
fn local_storage_conforms() {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    conformance::run_all(&LocalStorage::new(dir.path().join("root")));
}

#[test]
fn local_storage_conforms_beside_existing_objects_and_on_a_second_run() {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let storage = LocalStorage::new(dir.path().to_owned());
    storage.put("other/experiment/data.bin", b"keep").expect("put");
    conformance::run_all(&storage);
    // A second run finds the first run's objects and must clear them itself.
    conformance::run_all(&storage);
    assert_eq!(storage.get("other/experiment/data.bin").expect("get"), b"keep");
}

#[test]
fn shared_local_storage_conforms() {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let storage = mlpipe_core::storage::local(dir.path().to_owned());
    conformance::run_all(storage.as_ref());
}
