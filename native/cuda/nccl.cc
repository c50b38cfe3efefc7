// ProcessGroupNCCL for the data group's CUDA tensors, compiled only in the CUDA build (CMakeLists.txt adds
// this file when libtorch_cuda.so and nccl.h are found). PyTorch's NCCL watchdog and heartbeat monitor end the
// process from their own threads when a collective fails or times out (TORCH_NCCL_ASYNC_ERROR_HANDLING's
// default, then std::abort); Kiln turns that off unless the user set the variables, and waits in blocking
// mode, so that a failed or timed-out collective throws from Work::wait() on the calling thread instead.
#define USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include <cstdlib>

#include "../dist.h"

namespace kiln {

namespace {
void setDefault(const char* name, const char* value) {
  if (std::getenv(name) == nullptr) setenv(name, value, 0);
}
}  // namespace

c10::intrusive_ptr<c10d::Backend> makeNcclBackend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                  std::chrono::milliseconds timeout) {
  setDefault("TORCH_NCCL_ASYNC_ERROR_HANDLING", "0");
  setDefault("TORCH_NCCL_BLOCKING_WAIT", "1");
  setDefault("TORCH_NCCL_ENABLE_MONITORING", "0");
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
}

}  // namespace kiln
