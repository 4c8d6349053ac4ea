//! [`ProcessGroup`]: one rank's membership of a c10d group, with the collectives mlpipe's
//! data-parallel trainer needs. Arguments are checked here, in Rust, so the shim only sees
//! defined, contiguous tensors on the backend's device; every collective returns once its result
//! is in place.

use std::ffi::{c_char, CString};
use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};

use tch::Tensor;

use crate::bucket::{self, Spec};
use crate::{ffi, nccl_compiled, store_keys, Backend, C10dError, GroupConfig, ReduceOp};

/// This process's rank in a c10d process group (see [`ProcessGroup::new`]).
pub struct ProcessGroup {
    raw: NonNull<ffi::RawGroup>,
    rank: usize,
    world_size: usize,
    backend: Backend,
    address: String,
    aborted: AtomicBool,
}

// SAFETY: the shim's group owns c10d objects (store, ProcessGroupGloo/NCCL) that c10d itself
// drives from several threads: torch.distributed issues collectives from any Python thread and
// NCCL's watchdog aborts from its own. We hand each call tensors that stay alive until it has
// waited for completion, and `abort` only flips an atomic and calls c10d's thread-safe abort.
// mlpipe issues collectives from one thread.
unsafe impl Send for ProcessGroup {}
// SAFETY: as for Send; every method takes `&self` and c10d serialises work inside the backend.
unsafe impl Sync for ProcessGroup {}

impl ProcessGroup {
    /// Joins the group described by `config`: connects to (or, with `is_store_server`, hosts) the
    /// TCPStore at `master_addr:master_port`, waits for all `world_size` ranks and connects to
    /// each of them. Compatible with torch.distributed's default group, so Python ranks using
    /// `init_process_group(backend, init_method="tcp://…")` or torchrun can be peers.
    ///
    /// # Errors
    /// [`C10dError::InvalidArgument`] for a rank outside the world, a zero timeout or an address
    /// with a NUL byte; [`C10dError::Unavailable`] for NCCL without NCCL support or without a CUDA
    /// device; [`C10dError::Rendezvous`] when the store or a peer cannot be reached within
    /// `timeout`.
    pub fn new(config: &GroupConfig) -> Result<ProcessGroup, C10dError> {
        let invalid = |reason: String| C10dError::InvalidArgument { op: "process group creation", reason };
        if config.rank >= config.world_size || i32::try_from(config.world_size).is_err() {
            return Err(invalid(format!("rank {} is not in a world of size {}", config.rank, config.world_size)));
        }
        let timeout_ms = i64::try_from(config.timeout.as_millis()).unwrap_or(i64::MAX);
        if timeout_ms == 0 {
            return Err(invalid("the timeout must be at least 1 ms".into()));
        }
        let host = CString::new(config.master_addr.as_str())
            .map_err(|_| invalid(format!("master address {:?} contains a NUL byte", config.master_addr)))?;
        check_backend(config.backend)?;

        let prefixes: Vec<CString> = store_keys::next_group_prefixes(config)
            .into_iter()
            .map(|prefix| CString::new(prefix).expect("store prefixes have no NUL byte"))
            .collect();
        let prefix_ptrs: Vec<*const c_char> = prefixes.iter().map(|prefix| prefix.as_ptr()).collect();
        let address = format!("{}:{}", config.master_addr, config.master_port);
        let mut raw = std::ptr::null_mut();
        // SAFETY: every pointer refers to a live local for the duration of the call; `raw` is
        // written only on success.
        let result = unsafe {
            ffi::check(ffi::mlpipe_c10d_group_new(
                config.backend.code(),
                host.as_ptr(),
                config.master_port,
                config.is_store_server,
                config.rank as i32,
                config.world_size as i32,
                timeout_ms,
                prefix_ptrs.as_ptr(),
                prefix_ptrs.len(),
                &mut raw,
            ))
        };
        let rendezvous_error = |message| C10dError::Rendezvous {
            rank: config.rank,
            world_size: config.world_size,
            address: address.clone(),
            message,
        };
        result.map_err(rendezvous_error)?;
        let raw = NonNull::new(raw).ok_or_else(|| rendezvous_error("the shim returned no group".into()))?;
        Ok(ProcessGroup {
            raw,
            rank: config.rank,
            world_size: config.world_size,
            backend: config.backend,
            address,
            aborted: AtomicBool::new(false),
        })
    }

    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks in the group.
    pub fn world_size(&self) -> usize {
        self.world_size
    }

    /// The backend the group runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// In-place all-reduce of many tensors at once: tensors are coalesced into flat buckets (same
    /// dtype+device, ~25 MB each), one collective per bucket, results copied back in place. Every
    /// rank must pass tensors of the same dtypes and shapes in the same order.
    ///
    /// The tensors are written through shared storage, as torch's in-place collectives do.
    ///
    /// # Errors
    /// [`C10dError::InvalidArgument`] for an undefined, sparse or non-contiguous tensor or one on
    /// the wrong device; [`C10dError::Collective`] when a peer fails or the timeout passes;
    /// [`C10dError::Aborted`] after [`abort`](Self::abort). After a `Collective` error the
    /// tensors' contents are unspecified (Gloo may still be finishing the timed-out operation)
    /// and the group should be dropped: ranks no longer agree on which collective comes next.
    pub fn all_reduce(&self, tensors: &[Tensor], op: ReduceOp) -> Result<(), C10dError> {
        self.coalesced("all_reduce", tensors, true, |group, flat| {
            // SAFETY: `flat` outlives the call, which waits for completion.
            unsafe { ffi::mlpipe_c10d_all_reduce(group, ffi::tensor_ptr(flat), op.code()) }
        })
    }

    /// In-place broadcast from `root` of many tensors (coalesced the same way as
    /// [`all_reduce`](Self::all_reduce)): afterwards every rank holds `root`'s values.
    ///
    /// # Errors
    /// As [`all_reduce`](Self::all_reduce), and [`C10dError::InvalidArgument`] when `root` is not
    /// a rank of the group.
    pub fn broadcast(&self, tensors: &[Tensor], root: usize) -> Result<(), C10dError> {
        if root >= self.world_size {
            let reason = format!("root {root} is not in a world of size {}", self.world_size);
            return Err(C10dError::InvalidArgument { op: "broadcast", reason });
        }
        self.coalesced("broadcast", tensors, self.rank != root, |group, flat| {
            // SAFETY: as in all_reduce; root < world_size <= i32::MAX.
            unsafe { ffi::mlpipe_c10d_broadcast(group, ffi::tensor_ptr(flat), root as i32) }
        })
    }

    /// Blocks until every rank has called `barrier`.
    ///
    /// # Errors
    /// [`C10dError::Collective`] when a peer fails or the timeout passes; [`C10dError::Aborted`]
    /// after [`abort`](Self::abort).
    pub fn barrier(&self) -> Result<(), C10dError> {
        self.check_not_aborted("barrier")?;
        // SAFETY: the group is alive for `&self`.
        self.collective_result("barrier", unsafe { ffi::mlpipe_c10d_barrier(self.raw.as_ptr()) })
    }

    /// Gathers one tensor of the same shape/dtype from every rank; result[r] is rank r's.
    ///
    /// # Errors
    /// As [`all_reduce`](Self::all_reduce).
    pub fn all_gather(&self, tensor: &Tensor) -> Result<Vec<Tensor>, C10dError> {
        const OP: &str = "all_gather";
        self.check_not_aborted(OP)?;
        self.check_tensors(OP, std::slice::from_ref(tensor))?;
        let outputs = (0..self.world_size)
            .map(|_| tensor.f_empty_like())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| C10dError::Tensor { op: OP, source })?;
        let output_ptrs: Vec<_> = outputs.iter().map(ffi::tensor_ptr).collect();
        // SAFETY: input and outputs outlive the call, which waits for completion.
        let message = unsafe {
            ffi::mlpipe_c10d_all_gather(self.raw.as_ptr(), ffi::tensor_ptr(tensor), output_ptrs.as_ptr(), outputs.len())
        };
        self.collective_result(OP, message)?;
        Ok(outputs)
    }

    /// Aborts pending work (used when a peer is known dead); later calls fail with
    /// [`C10dError::Aborted`]. NCCL aborts its communicators at once; Gloo has no abort, so a
    /// collective already running ends when its peer's socket closes or its timeout passes.
    pub fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
        // SAFETY: the group is alive for `&self`. A failed abort leaves nothing better to do.
        let _ = unsafe { ffi::check(ffi::mlpipe_c10d_abort(self.raw.as_ptr())) };
    }

    /// Runs `call` once per bucket of `tensors`, copying results back when `write_back`.
    fn coalesced(
        &self,
        op: &'static str,
        tensors: &[Tensor],
        write_back: bool,
        call: impl Fn(*mut ffi::RawGroup, &Tensor) -> *mut c_char,
    ) -> Result<(), C10dError> {
        self.check_not_aborted(op)?;
        self.check_tensors(op, tensors)?;
        let specs: Vec<Spec> = tensors.iter().map(Spec::of).collect();
        let tensor_error = |source| C10dError::Tensor { op, source };
        for indices in bucket::plan(&specs, bucket::BUCKET_BYTES) {
            let members: Vec<&Tensor> = indices.iter().map(|&index| &tensors[index]).collect();
            let flat = bucket::flatten(&members).map_err(tensor_error)?;
            self.collective_result(op, call(self.raw.as_ptr(), &flat))?;
            if write_back {
                bucket::unflatten_into(&flat, &members).map_err(tensor_error)?;
            }
        }
        Ok(())
    }

    fn check_tensors(&self, op: &'static str, tensors: &[Tensor]) -> Result<(), C10dError> {
        for (index, tensor) in tensors.iter().enumerate() {
            let problem = if !tensor.defined() {
                "is undefined".to_string()
            } else if tensor.is_sparse() {
                "is sparse".to_string()
            } else if !self.backend.accepts(tensor.device()) {
                format!("is on {:?} but {} needs {} tensors", tensor.device(), self.backend, self.backend.device_name())
            } else if !tensor.is_contiguous() {
                "is not contiguous".to_string()
            } else {
                continue;
            };
            return Err(C10dError::InvalidArgument { op, reason: format!("tensor {index} {problem}") });
        }
        Ok(())
    }

    fn check_not_aborted(&self, op: &'static str) -> Result<(), C10dError> {
        if self.aborted.load(Ordering::SeqCst) {
            return Err(C10dError::Aborted { op, rank: self.rank, world_size: self.world_size });
        }
        Ok(())
    }

    /// Maps a shim return value to `Collective` errors.
    fn collective_result(&self, op: &'static str, message: *mut c_char) -> Result<(), C10dError> {
        // SAFETY: `message` comes straight from a shim call.
        unsafe { ffi::check(message) }.map_err(|message| C10dError::Collective {
            op,
            rank: self.rank,
            world_size: self.world_size,
            message,
        })
    }
}

/// Fails unless groups of `backend` can be created in this process.
fn check_backend(backend: Backend) -> Result<(), C10dError> {
    let reason = match backend {
        Backend::Gloo => return Ok(()),
        Backend::Nccl if !nccl_compiled() => {
            "mlpipe-c10d was built without nccl (its build script found no cuda or nccl headers)"
        }
        Backend::Nccl if !tch::Cuda::is_available() => "no cuda device is available",
        Backend::Nccl => return Ok(()),
    };
    Err(C10dError::Unavailable { backend, reason: reason.into() })
}

impl Drop for ProcessGroup {
    /// Frees the group. Collectives have all completed by now, so Gloo's teardown has nothing to
    /// wait for; NCCL communicators are aborted rather than flushed, so dead peers cannot hang it.
    fn drop(&mut self) {
        // SAFETY: created by mlpipe_c10d_group_new and freed only here.
        unsafe { ffi::mlpipe_c10d_group_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for ProcessGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessGroup")
            .field("backend", &self.backend)
            .field("rank", &self.rank)
            .field("world_size", &self.world_size)
            .field("address", &self.address)
            .field("aborted", &self.aborted.load(Ordering::Relaxed))
            .finish()
    }
}
