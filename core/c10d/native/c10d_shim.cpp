// mlpipe's bridge to PyTorch's own c10d: the TCPStore rendezvous and the Gloo (always) and NCCL
// (when built with -DMLPIPE_NCCL) process groups that libtorch exports, behind a handful of
// `extern "C"` functions for src/ffi.rs.
//
// Contract with Rust:
// - Every fallible function returns NULL on success or a malloc'd, NUL-terminated error message
//   that Rust hands back to mlpipe_c10d_free_error. No C++ exception ever crosses the boundary:
//   each body runs inside `guarded`, which turns c10::Error (message without the C++ backtrace),
//   std::exception and anything else into that string.
// - Tensors arrive as `const at::Tensor*` (tch's `Tensor::as_ptr`); Rust keeps them alive for the
//   call and has already checked that they are defined, contiguous and on the group's device.
// - Every collective waits for completion (Work::wait with the group's timeout) before returning,
//   so nothing the shim started still touches Rust's tensors afterwards. The exception is a
//   timed-out Gloo collective, which its worker may still finish; Rust then treats the tensors as
//   unspecified and the group as done.
//
// Gloo: ProcessGroupGloo.hpp includes gloo headers (Debian's libgloo-dev provides them). The shim
// never creates a gloo object itself; Options::create_default builds the transport device inside
// libtorch, the same helper torch.distributed's default Gloo options use.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef MLPIPE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

using std::chrono::milliseconds;

// One process group: the store it rendezvoused through (kept alive because a TCPStore server
// lives inside it and Gloo/NCCL keep using the store) and the backend doing the collectives.
struct MlpipeC10dGroup {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
  bool cuda = false;  // NCCL: results must also be complete on the GPU before we return
  milliseconds timeout{0};
};

namespace {

char* copy_message(const char* message) {
  // strdup allocates with malloc, matching the free() in mlpipe_c10d_free_error.
  return strdup(message != nullptr && message[0] != '\0' ? message : "unknown c10d error");
}

// Runs `body`, returning NULL or the message of whatever it threw.
template <typename F>
char* guarded(F&& body) {
  try {
    body();
    return nullptr;
  } catch (const c10::Error& e) {
    return copy_message(e.what_without_backtrace());
  } catch (const std::exception& e) {
    return copy_message(e.what());
  } catch (...) {
    return copy_message("unknown c++ exception");
  }
}

const at::Tensor& tensor_at(const void* ptr) { return *static_cast<const at::Tensor*>(ptr); }

// Blocks until `work` has finished or the group's timeout has passed, rethrowing its error.
void finish(MlpipeC10dGroup& group, const c10::intrusive_ptr<c10d::Work>& work) {
  if (!work->wait(group.timeout)) {
    throw std::runtime_error("the collective was aborted");
  }
  if (!group.cuda) {
    return;
  }
  // With an explicit timeout ProcessGroupNCCL's wait already blocks the CPU until the GPU is
  // done; polling here keeps the "complete on return" promise should that ever change.
  auto deadline = std::chrono::steady_clock::now() + group.timeout;
  while (!work->isCompleted()) {
    if (std::chrono::steady_clock::now() > deadline) {
      group.backend->abort();
      throw std::runtime_error("the collective did not finish within the timeout");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (auto error = work->exception()) {
    std::rethrow_exception(error);
  }
}

c10d::ReduceOp reduce_op(int op) {
  switch (op) {
    case 0:
      return c10d::ReduceOp(c10d::ReduceOp::SUM);
    case 1:
      return c10d::ReduceOp(c10d::ReduceOp::MAX);
    case 2:
      return c10d::ReduceOp(c10d::ReduceOp::MIN);
    default:
      throw std::invalid_argument("unknown reduce op " + std::to_string(op));
  }
}

}  // namespace

extern "C" {

// Frees an error message returned by any function below.
void mlpipe_c10d_free_error(char* message) { std::free(message); }

// Whether this shim was compiled with ProcessGroupNCCL.
bool mlpipe_c10d_nccl_compiled() {
#ifdef MLPIPE_NCCL
  return true;
#else
  return false;
#endif
}

// Rendezvous and group creation, as torch.distributed.init_process_group does it:
// - a TCPStore at host:port, served by this process when `is_server` (rank 0 without torchrun's
//   agent store), else a client; `world_size` workers are expected, so the server waits for all
//   of them to connect (or the timeout);
// - `prefixes` (n_prefixes of them, outermost first) wrap it in PrefixStores so keys match
//   torch.distributed's default group ("default_pg", "<group name>/", "<device>/");
// - backend 0 builds ProcessGroupGloo, 1 ProcessGroupNCCL; both connect to every peer through the
//   store before returning.
// On success *out holds a group for mlpipe_c10d_group_free.
char* mlpipe_c10d_group_new(int backend, const char* host, uint16_t port, bool is_server, int rank, int world_size,
                            int64_t timeout_ms, const char* const* prefixes, size_t n_prefixes,
                            MlpipeC10dGroup** out) {
  *out = nullptr;
  return guarded([&] {
    auto group = std::make_unique<MlpipeC10dGroup>();
    group->timeout = milliseconds(timeout_ms);

    c10d::TCPStoreOptions store_options;
    store_options.port = port;
    store_options.isServer = is_server;
    store_options.numWorkers = static_cast<size_t>(world_size);
    store_options.waitWorkers = true;
    store_options.timeout = group->timeout;
    // Like torch.distributed's tcp:// and env:// rendezvous: several groups of one process may
    // share a server on the same port.
    store_options.multiTenant = true;
    c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(host, store_options);
    for (size_t i = 0; i < n_prefixes; ++i) {
      store = c10::make_intrusive<c10d::PrefixStore>(prefixes[i], store);
    }
    group->store = store;

    if (backend == 0) {
      auto options = c10d::ProcessGroupGloo::Options::create_default(group->timeout);
      options->timeout = group->timeout;
      group->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
    } else if (backend == 1) {
#ifdef MLPIPE_NCCL
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = group->timeout;
      group->backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world_size, options);
      group->cuda = true;
#else
      throw std::runtime_error("this build of mlpipe-c10d has no nccl support");
#endif
    } else {
      throw std::invalid_argument("unknown backend " + std::to_string(backend));
    }
    // torch.distributed does this for Gloo and NCCL right after construction; NCCL's version
    // exchanges a key through the store, so a Python peer waits for it.
    group->backend->setSequenceNumberForGroup();
    *out = group.release();
  });
}

// Frees a group. Gloo's destructor waits for its queue, which holds nothing once our synchronous
// collectives have returned; NCCL communicators are aborted first so that a dead peer cannot make
// the teardown wait.
void mlpipe_c10d_group_free(MlpipeC10dGroup* group) {
  if (group == nullptr) {
    return;
  }
  char* error = guarded([&] {
    if (group->cuda) {
      group->backend->abort();
    }
    delete group;
  });
  mlpipe_c10d_free_error(error);  // nothing useful to do with a failed teardown
}

// Aborts the backend's pending work and connections where the backend supports it (NCCL); for
// Gloo this is a no-op and pending work ends at the latest when its timeout expires.
char* mlpipe_c10d_abort(MlpipeC10dGroup* group) {
  return guarded([&] { group->backend->abort(); });
}

// In-place all-reduce of one tensor with op 0 sum, 1 max, 2 min.
char* mlpipe_c10d_all_reduce(MlpipeC10dGroup* group, const void* tensor, int op) {
  return guarded([&] {
    std::vector<at::Tensor> tensors{tensor_at(tensor)};
    c10d::AllreduceOptions options;
    options.reduceOp = reduce_op(op);
    finish(*group, group->backend->allreduce(tensors, options));
  });
}

// In-place broadcast of one tensor from rank `root`.
char* mlpipe_c10d_broadcast(MlpipeC10dGroup* group, const void* tensor, int root) {
  return guarded([&] {
    std::vector<at::Tensor> tensors{tensor_at(tensor)};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    finish(*group, group->backend->broadcast(tensors, options));
  });
}

// Gathers `input` from every rank into `outputs` (n_outputs == world size tensors shaped like
// `input`, allocated by Rust); outputs[r] receives rank r's tensor.
char* mlpipe_c10d_all_gather(MlpipeC10dGroup* group, const void* input, const void* const* outputs,
                             size_t n_outputs) {
  return guarded([&] {
    std::vector<at::Tensor> inputs{tensor_at(input)};
    std::vector<std::vector<at::Tensor>> gathered(1);
    for (size_t i = 0; i < n_outputs; ++i) {
      gathered[0].push_back(tensor_at(outputs[i]));
    }
    finish(*group, group->backend->allgather(gathered, inputs, c10d::AllgatherOptions()));
  });
}

// Blocks until every rank has entered the barrier.
char* mlpipe_c10d_barrier(MlpipeC10dGroup* group) {
  return guarded([&] { finish(*group, group->backend->barrier(c10d::BarrierOptions())); });
}

}  // extern "C"
