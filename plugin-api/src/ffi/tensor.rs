//! Tensors cross the boundary as raw libtorch handles (`at::Tensor*` as tch allocates them). This
//! is sound because host and plugin share the single libtorch loaded in the process (the host
//! checks the versions match). A handle owns one tensor reference: whoever receives it turns it
//! back into a `Tensor` exactly once, which frees it on drop.

use abi_stable::StableAbi;
use std::ffi::c_void;
use tch::Tensor;

/// An owned, type-erased tensor reference in transit.
#[repr(transparent)]
#[derive(StableAbi)]
pub struct RawTensor {
    ptr: *mut c_void,
}

// SAFETY: libtorch tensors may move between threads; the handle is only a transfer vehicle.
unsafe impl Send for RawTensor {}

impl RawTensor {
    /// Gives up `tensor`'s ownership to the handle.
    pub fn from_tensor(mut tensor: Tensor) -> Self {
        let ptr = tensor.as_mut_ptr().cast();
        std::mem::forget(tensor);
        Self { ptr }
    }

    /// Takes ownership back.
    ///
    /// # Safety
    /// The handle must come from [`RawTensor::from_tensor`] in a binary linked to the same
    /// libtorch, and must not have been converted before (each handle is consumed once).
    pub unsafe fn into_tensor(self) -> Tensor {
        // SAFETY: guaranteed by the caller, see above.
        unsafe { Tensor::from_ptr(self.ptr.cast()) }
    }
}
