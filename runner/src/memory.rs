//! The runner's memory policy: freed memory stays in the process for reuse instead of going back
//! to the kernel. glibc serves large blocks (libtorch's activations and gradients, tens of MB each
//! during transformer training) with `mmap` and returns them with `munmap` when freed, so every
//! training step pays page faults and zeroing for memory it just released. Disabling `mmap` for
//! allocations and raising the trim threshold keeps those pages mapped: measured on
//! all-MiniLM-L6-v2 training (batch 32, length 256, bf16, 2 cores), 10.8 → 12.7 samples/s (+18 %)
//! for ~0.4 GB more peak RSS. The kernels are unchanged; this is what jemalloc/tcmalloc-based
//! PyTorch set-ups get from their allocator.

/// Applies the policy; call once at start-up, before the heavy allocations. Best effort: if glibc
/// refuses a setting, the process simply runs with its defaults.
pub fn keep_freed_memory() {
    // SAFETY: mallopt only changes glibc's allocation parameters; it is safe to call at any time,
    // and it is called here before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}
