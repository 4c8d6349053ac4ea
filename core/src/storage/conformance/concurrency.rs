//! Checks under contention: create-only writes racing on one key have exactly one winner (what
//! run-number allocation relies on), and racing replacements never expose a torn or missing
//! object to a reader.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;
use std::thread;

use super::{fresh, pattern};
use crate::storage::{Storage, StorageError};

const THREADS: usize = 8;

pub(super) fn concurrent_put_new_has_one_winner(storage: &dyn Storage) {
    let p = fresh(storage, "concurrent_put_new_has_one_winner");
    // Several rounds: one lucky interleaving must not hide a race.
    for round in 0..5 {
        let key = format!("{p}claim-{round}");
        let barrier = Barrier::new(THREADS);
        let results: Vec<Result<(), StorageError>> = thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|i| {
                    let (key, barrier) = (&key, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        storage.put_new(key, format!("writer {i}").as_bytes())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("writer thread")).collect()
        });
        let winners: Vec<usize> = (0..THREADS).filter(|&i| results[i].is_ok()).collect();
        assert_eq!(winners.len(), 1, "exactly one put_new wins: {results:?}");
        assert!(
            results.iter().all(|r| r.as_ref().map_or_else(StorageError::is_already_exists, |()| true)),
            "every loser gets AlreadyExists: {results:?}"
        );
        let content = storage.get(&key).expect("get the claim");
        assert_eq!(content, format!("writer {}", winners[0]).as_bytes(), "the winner's content stays");
    }
}

pub(super) fn concurrent_puts_are_never_torn(storage: &dyn Storage) {
    const SIZE: usize = 256 * 1024;
    const ROUNDS: u64 = 4;
    let key = format!("{}obj", fresh(storage, "concurrent_puts_are_never_torn"));
    let bodies: Vec<Vec<u8>> = (0..THREADS as u64 * ROUNDS).map(|i| pattern(SIZE, 100 + i)).collect();
    let initial = pattern(SIZE, 99);
    storage.put(&key, &initial).expect("initial put");
    let is_whole = |bytes: &[u8]| bytes == initial || bodies.iter().any(|b| b == bytes);
    let done = AtomicBool::new(false);
    let barrier = Barrier::new(THREADS + 1);
    thread::scope(|s| {
        let reader = s.spawn(|| {
            barrier.wait();
            let mut reads = 0;
            // At least a few reads even when the writers finish first.
            while !done.load(Ordering::Acquire) || reads < 3 {
                let bytes = storage.get(&key).expect("the object never disappears while replaced");
                assert!(is_whole(&bytes), "read a torn object of {} bytes", bytes.len());
                reads += 1;
            }
        });
        let writers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (key, bodies, barrier) = (&key, &bodies, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    for round in 0..ROUNDS as usize {
                        storage.put(key, &bodies[t * ROUNDS as usize + round]).expect("put");
                    }
                })
            })
            .collect();
        // Stop the reader before a failed writer's panic is passed on: otherwise the scope would
        // wait for the reader forever.
        let joined: Vec<_> = writers.into_iter().map(|writer| writer.join()).collect();
        done.store(true, Ordering::Release);
        reader.join().expect("reader thread");
        for result in joined {
            result.expect("writer thread");
        }
    });
    let last = storage.get(&key).expect("get");
    assert!(bodies.contains(&last), "the object ends as one writer's complete content");
}
