//! The C functions of `native/c10d_shim.cpp` and the one helper that turns their error strings
//! into Rust. Every fallible function returns null on success or a malloc'd message that must go
//! back to `mlpipe_c10d_free_error`; the shim catches every C++ exception, so none unwinds here.
//!
//! Tensors cross as `const at::Tensor*`, which is what tch's `Tensor::as_ptr` returns.

use std::ffi::{c_char, c_void, CStr};

/// The shim's process group (`MlpipeC10dGroup`); only ever used behind a pointer.
#[repr(C)]
pub(crate) struct RawGroup {
    _private: [u8; 0],
}

extern "C" {
    pub(crate) fn mlpipe_c10d_free_error(message: *mut c_char);
    pub(crate) fn mlpipe_c10d_nccl_compiled() -> bool;
    pub(crate) fn mlpipe_c10d_group_new(
        backend: i32,
        host: *const c_char,
        port: u16,
        is_server: bool,
        rank: i32,
        world_size: i32,
        timeout_ms: i64,
        prefixes: *const *const c_char,
        n_prefixes: usize,
        out: *mut *mut RawGroup,
    ) -> *mut c_char;
    pub(crate) fn mlpipe_c10d_group_free(group: *mut RawGroup);
    pub(crate) fn mlpipe_c10d_abort(group: *mut RawGroup) -> *mut c_char;
    pub(crate) fn mlpipe_c10d_all_reduce(group: *mut RawGroup, tensor: *const c_void, op: i32) -> *mut c_char;
    pub(crate) fn mlpipe_c10d_broadcast(group: *mut RawGroup, tensor: *const c_void, root: i32) -> *mut c_char;
    pub(crate) fn mlpipe_c10d_all_gather(
        group: *mut RawGroup,
        input: *const c_void,
        outputs: *const *const c_void,
        n_outputs: usize,
    ) -> *mut c_char;
    pub(crate) fn mlpipe_c10d_barrier(group: *mut RawGroup) -> *mut c_char;
}

/// The pointer the shim expects for `tensor`; valid while `tensor` is alive.
pub(crate) fn tensor_ptr(tensor: &tch::Tensor) -> *const c_void {
    tensor.as_ptr().cast()
}

/// Turns a shim return value into `Ok` or the error message, freeing the message.
///
/// # Safety
/// `message` must be null or a string returned by a shim function and not freed yet.
pub(crate) unsafe fn check(message: *mut c_char) -> Result<(), String> {
    if message.is_null() {
        return Ok(());
    }
    // SAFETY: per the contract above, a NUL-terminated string the shim allocated.
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy().trim().trim_end_matches('.').to_string();
    // SAFETY: allocated by the shim, freed exactly once here.
    unsafe { mlpipe_c10d_free_error(message) };
    Err(text)
}
