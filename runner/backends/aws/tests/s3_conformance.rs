//! The S3 backend against a real S3 API (moto_server, one per test): the storage conformance suite
//! that every backend passes, then what only S3 has (multipart uploads, paginated listings,
//! conditional writes racing over the network). Error messages are tested in `s3_errors.rs`.
//!
//! Index:
//! - `conformance_under_a_prefix`: the whole suite under `s3://bucket/exp/root`, with multipart
//!   thresholds lowered so that its large file goes up in parts, beside foreign objects.
//! - `conformance_at_the_bucket_top_level`: the whole suite with an empty prefix and defaults.
//! - `large_files_upload_in_parts`: a 12 MiB file round-trips and its ETag shows 3 parts.
//! - `listing_follows_continuation_tokens`: 25 keys listed 7 per page.
//! - `racing_put_new_has_one_winner`: 8 threads claim one key, repeatedly.
//! - `works_from_inside_another_runtime`: storage calls from an async task do not panic.

mod common;

use std::sync::Barrier;

use aws_sdk_s3::config::Credentials;
use common::moto::Moto;
use mlpipe_aws::s3::{build_client, S3Config, S3Storage, MIB};
use mlpipe_core::storage::{conformance, Storage};

/// Talks to `moto` with fixed fake credentials and no retries (a failure shows at once).
fn moto_config(moto: &Moto) -> S3Config {
    S3Config {
        region: Some("us-east-1".into()),
        endpoint_url: Some(moto.endpoint.clone()),
        force_path_style: true,
        max_attempts: 1,
        credentials: Some(Credentials::new("testing", "testing", None, None, "moto")),
        ..S3Config::default()
    }
}

/// [`moto_config`] with the SDK's standard retries, for the conformance suite: moto 5.2.5 answers
/// 500 to a PUT that races another PUT of the same key (it closes the replaced object's buffer
/// while the first request still reads it for the ETag; "I/O operation on closed file" in its
/// log), though the write itself is done. Retrying a 500 is what every SDK does with real S3 too.
fn conformance_config(moto: &Moto) -> S3Config {
    S3Config { max_attempts: 3, ..moto_config(moto) }
}

/// Runs `f` with a client of its own, outside any storage.
fn with_client<T>(config: &S3Config, f: impl AsyncFnOnce(aws_sdk_s3::Client) -> T) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async { f(build_client(config).await).await })
}

fn create_bucket(config: &S3Config, bucket: &str) {
    with_client(config, async |client| client.create_bucket().bucket(bucket).send().await.map(drop))
        .expect("create the bucket");
}

#[test]
fn conformance_under_a_prefix() {
    let moto = Moto::start();
    let config = S3Config { multipart_threshold: 5 * MIB, part_size: 5 * MIB, ..conformance_config(&moto) };
    create_bucket(&config, "data");
    with_client(&config, async |client| {
        // Beside the root and sharing its name as a string prefix: must never be listed.
        for key in ["exp/root-other/x", "elsewhere/y", "exp/rootfile"] {
            client.put_object().bucket("data").key(key).body(b"foreign".to_vec().into()).send().await.unwrap();
        }
    });
    let storage = S3Storage::new("data", "exp/root", config).unwrap();
    conformance::run_all(&storage);
    assert!(storage.list("").unwrap().iter().all(|k| k.starts_with("conformance/")));
    assert_eq!(storage.uri("a/b"), "s3://data/exp/root/a/b");
}

#[test]
fn conformance_at_the_bucket_top_level() {
    let moto = Moto::start();
    let config = conformance_config(&moto);
    create_bucket(&config, "top");
    let storage = S3Storage::new("top", "", config).unwrap();
    conformance::run_all(&storage);
    assert_eq!(storage.uri("a/b"), "s3://top/a/b");
    assert_eq!(storage.local_path("a/b"), None);
}

#[test]
fn large_files_upload_in_parts() {
    let moto = Moto::start();
    let config = S3Config { multipart_threshold: 5 * MIB, part_size: 5 * MIB, ..moto_config(&moto) };
    create_bucket(&config, "big");
    let storage = S3Storage::new("big", "p", config.clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let upload = dir.path().join("upload.bin");
    // 12 MiB that differ from byte to byte, so that a misplaced part would show.
    let bytes: Vec<u8> = (0..12 * MIB as usize).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&upload, &bytes).unwrap();
    storage.put_file("models/weights.bin", &upload).unwrap();
    let download = dir.path().join("sub/download.bin");
    storage.get_file("models/weights.bin", &download).unwrap();
    assert!(std::fs::read(&download).unwrap() == bytes, "the download differs from the upload");
    // S3 (and moto) give a multipart object the ETag "<md5 of the part md5s>-<parts>".
    let etag = with_client(&config, async |client| {
        let head = client.head_object().bucket("big").key("p/models/weights.bin").send().await.unwrap();
        head.e_tag().unwrap_or_default().to_owned()
    });
    assert!(etag.trim_matches('"').ends_with("-3"), "expected a 3-part upload, got etag {etag}");
    let uploads = with_client(&config, async |client| {
        client.list_multipart_uploads().bucket("big").send().await.unwrap().uploads().len()
    });
    assert_eq!(uploads, 0, "no multipart upload is left open");
}

#[test]
fn listing_follows_continuation_tokens() {
    let moto = Moto::start();
    let config = S3Config { list_page_size: Some(7), ..moto_config(&moto) };
    create_bucket(&config, "pages");
    let storage = S3Storage::new("pages", "runs", config).unwrap();
    let mut keys: Vec<String> = (0..25).map(|i| format!("k/{:02}", (i * 11) % 25)).collect();
    for key in &keys {
        storage.put(key, key.as_bytes()).unwrap();
    }
    keys.sort();
    assert_eq!(storage.list("").unwrap(), keys);
    assert_eq!(storage.list("k/").unwrap(), keys);
}

#[test]
fn racing_put_new_has_one_winner() {
    const THREADS: usize = 8;
    let moto = Moto::start();
    let config = moto_config(&moto);
    create_bucket(&config, "claims");
    let storage = S3Storage::new("claims", "runs", config).unwrap();
    for round in 0..20 {
        let key = format!("{round}/claim");
        let barrier = Barrier::new(THREADS);
        let wins: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|i| {
                    let (storage, key, barrier) = (&storage, &key, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        match storage.put_new(key, format!("{i}").as_bytes()) {
                            Ok(()) => true,
                            Err(e) if e.is_already_exists() => false,
                            Err(e) => panic!("put_new failed: {e}"),
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(wins.iter().filter(|&&w| w).count(), 1, "round {round}: {wins:?}");
        let winner = wins.iter().position(|&w| w).unwrap();
        assert_eq!(storage.get(&key).unwrap(), winner.to_string().as_bytes());
    }
}

#[test]
fn works_from_inside_another_runtime() {
    let moto = Moto::start();
    let config = moto_config(&moto);
    create_bucket(&config, "nested");
    let outer = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    outer.block_on(async {
        let storage = S3Storage::new("nested", "p", config).unwrap();
        storage.put("k", b"v").unwrap();
        assert_eq!(storage.get("k").unwrap(), b"v");
        drop(storage);
    });
}
