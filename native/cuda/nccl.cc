// ProcessGroupNCCL for the data group's CUDA tensors, compiled only in the CUDA build (CMakeLists.txt adds
// this file when libtorch_cuda.so and nccl.h are found). PyTorch's NCCL watchdog and heartbeat monitor end the
// process from their own threads when a collective fails or times out (TORCH_NCCL_ASYNC_ERROR_HANDLING=1 or
// 3, then std::abort; torchrun sets 1 for every worker). Kiln's rule is that an error on a background thread
// becomes a JS error, so it always turns that off and waits in blocking mode: a failed or timed-out
// collective throws from Work::wait() on the calling thread, and the rank then exits nonzero by itself.
#define USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include <cstdlib>

#include "../dist.h"

namespace kiln {


c10::intrusive_ptr<c10d::Backend> makeNcclBackend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                  std::chrono::milliseconds timeout) {
  setenv("TORCH_NCCL_ASYNC_ERROR_HANDLING", "0", 1);
  setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 1);
  setenv("TORCH_NCCL_ENABLE_MONITORING", "0", 1);
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
}

}  // namespace kiln
