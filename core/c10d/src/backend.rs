//! The communication libraries a group can use, and whether NCCL can be used in this process.

use std::fmt;

use tch::Device;

use crate::ffi;

/// The c10d backend behind a [`ProcessGroup`](crate::ProcessGroup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `ProcessGroupGloo`: TCP between hosts, CPU tensors. Always available.
    Gloo,
    /// `ProcessGroupNCCL`: CUDA tensors. Needs a build with NCCL and a CUDA device, see
    /// [`nccl_available`].
    Nccl,
}

impl Backend {
    /// The shim's code for this backend (`mlpipe_c10d_group_new`).
    pub(crate) fn code(self) -> i32 {
        match self {
            Backend::Gloo => 0,
            Backend::Nccl => 1,
        }
    }

    /// Whether tensors on `device` can go through this backend.
    pub(crate) fn accepts(self, device: Device) -> bool {
        match self {
            Backend::Gloo => device == Device::Cpu,
            Backend::Nccl => matches!(device, Device::Cuda(_)),
        }
    }

    /// The device type tensors must live on, for error messages.
    pub(crate) fn device_name(self) -> &'static str {
        match self {
            Backend::Gloo => "cpu",
            Backend::Nccl => "cuda",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Gloo => "gloo",
            Backend::Nccl => "nccl",
        })
    }
}

/// Whether this build contains `ProcessGroupNCCL` support: the build script found libtorch_cuda
/// and the CUDA and NCCL headers (it prints a warning when it did not).
pub fn nccl_compiled() -> bool {
    // SAFETY: takes no arguments and only returns a compile-time constant.
    unsafe { ffi::mlpipe_c10d_nccl_compiled() }
}

/// Whether [`Backend::Nccl`] groups can be created here: NCCL was compiled in and libtorch sees
/// at least one CUDA device.
pub fn nccl_available() -> bool {
    nccl_compiled() && tch::Cuda::is_available()
}
