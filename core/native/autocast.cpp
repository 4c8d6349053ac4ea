// mlpipe's one piece of C++: libtorch's autocast switch with a device and a dtype, which tch does
// not expose (it only toggles CUDA autocast with its default dtype). The trainer wraps forward
// passes between enter and exit; the plugin's model runs in the same thread and the same
// libtorch, so its operations are autocast too.
#include <ATen/autocast_mode.h>

namespace {
at::DeviceType device_type(int device) { return device == 1 ? at::kCUDA : at::kCPU; }
}  // namespace

extern "C" {

// Enables autocast on `device` (0 CPU, 1 CUDA) with `dtype` (0 bfloat16, 1 float16); returns
// whether it was enabled before, to pass to mlpipe_autocast_exit.
bool mlpipe_autocast_enter(int device, int dtype) {
  auto type = device_type(device);
  bool previous = at::autocast::is_autocast_enabled(type);
  at::autocast::set_autocast_enabled(type, true);
  at::autocast::set_autocast_dtype(type, dtype == 1 ? at::kHalf : at::kBFloat16);
  at::autocast::increment_nesting();
  return previous;
}

// Restores the state mlpipe_autocast_enter returned, clearing the cast cache when the outermost
// region ends.
void mlpipe_autocast_exit(int device, bool previous) {
  if (at::autocast::decrement_nesting() == 0) {
    at::autocast::clear_cache();
  }
  at::autocast::set_autocast_enabled(device_type(device), previous);
}
}
