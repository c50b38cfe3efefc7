// Module init, and process-wide runtime settings: seeds, thread pools, CUDA queries.
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/CachingDeviceAllocator.h>
#include <torch/version.h>

#include <string>

#include "kiln.h"

namespace kiln {
namespace {

// manualSeed(seed): seeds the CPU generator and every CUDA device's (at::manual_seed does both).
Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  at::manual_seed(static_cast<uint64_t>(argInt(info, 0)));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = argInt(info, 0);
  if (n < 1) throw ArgError("the number of threads must be at least 1");
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumInteropThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_interop_threads());
}

// libtorch allows this once, before any inter-op work: later calls throw (reported as TorchError).
Napi::Value SetNumInteropThreads(const Napi::CallbackInfo& info) {
  int64_t n = argInt(info, 0);
  if (n < 1) throw ArgError("the number of threads must be at least 1");
  at::set_num_interop_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

int cudaDeviceCount() { return at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0; }

Napi::Value CudaIsAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), cudaDeviceCount() > 0);
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), cudaDeviceCount());
}

// cudaSynchronize(index?): waits for all work on the device (the current one by default).
Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
  if (cudaDeviceCount() == 0) throw ArgError("CUDA is not available (no CUDA libtorch or no GPU)");
  auto& hooks = at::detail::getCUDAHooks();
  auto index = argOptInt(info, 0);
  hooks.deviceSynchronize(static_cast<at::DeviceIndex>(index.value_or(hooks.current_device())));
  return info.Env().Undefined();
}

// The CUDA caching allocator of the GPU at argument 0 (the current one when undefined). Reached through
// c10's device-generic DeviceAllocator (what CUDA registers at load), so the CPU build compiles the same code
// without the CUDA toolkit's headers and refuses at run time.
c10::DeviceAllocator* cudaAllocatorFor(const Napi::CallbackInfo& info, at::DeviceIndex* index) {
  int count = cudaDeviceCount();
  if (count == 0) throw ArgError("CUDA is not available (no CUDA libtorch or no GPU): no CUDA memory statistics");
  auto requested = argOptInt(info, 0);
  int64_t i = requested.value_or(at::detail::getCUDAHooks().current_device());
  if (i < 0 || i >= count) {
    throw ArgError("no CUDA device " + std::to_string(i) + ": " + std::to_string(count) +
                   " visible (indices 0.." + std::to_string(count - 1) + ")");
  }
  *index = static_cast<at::DeviceIndex>(i);
  return c10::getDeviceAllocator(c10::DeviceType::CUDA);
}

Napi::Object statToObject(Napi::Env env, const c10::CachingAllocator::Stat& stat) {
  auto out = Napi::Object::New(env);
  out.Set("current", static_cast<double>(stat.current));
  out.Set("peak", static_cast<double>(stat.peak));
  out.Set("allocated", static_cast<double>(stat.allocated));
  out.Set("freed", static_cast<double>(stat.freed));
  return out;
}

Napi::Object statArrayToObject(Napi::Env env, const c10::CachingAllocator::StatArray& stats) {
  using c10::CachingAllocator::StatType;
  auto out = Napi::Object::New(env);
  out.Set("all", statToObject(env, stats[static_cast<size_t>(StatType::AGGREGATE)]));
  out.Set("small_pool", statToObject(env, stats[static_cast<size_t>(StatType::SMALL_POOL)]));
  out.Set("large_pool", statToObject(env, stats[static_cast<size_t>(StatType::LARGE_POOL)]));
  return out;
}

// cudaMemoryStats(index?): the caching allocator's DeviceStats as the nested dict of PyTorch's
// torch.cuda.memory_stats_as_nested_dict (torch/csrc/cuda/Module.cpp's names), {} before CUDA has allocated
// (Python's is_initialized() check). Private pools, keyed by a (uint64, uint64) MempoolId in Python, come as
// [[id0, id1], statArray] entries (decimal strings: ids are 64-bit); src/torch/cuda-memory.ts flattens.
Napi::Value CudaMemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::DeviceIndex index = 0;
  c10::DeviceAllocator* allocator = cudaAllocatorFor(info, &index);
  auto out = Napi::Object::New(env);
  if (!allocator->initialized()) return out;
  const c10::CachingDeviceAllocator::DeviceStats stats = allocator->getDeviceStats(index);
  out.Set("num_alloc_retries", static_cast<double>(stats.num_alloc_retries));
  out.Set("num_ooms", static_cast<double>(stats.num_ooms));
  out.Set("max_split_size", static_cast<double>(stats.max_split_size));
  out.Set("num_sync_all_streams", static_cast<double>(stats.num_sync_all_streams));
  out.Set("num_device_alloc", static_cast<double>(stats.num_device_alloc));
  out.Set("num_device_free", static_cast<double>(stats.num_device_free));
  out.Set("num_oom_rejections", static_cast<double>(stats.num_oom_rejections));
  out.Set("allocation", statArrayToObject(env, stats.allocation));
  out.Set("segment", statArrayToObject(env, stats.segment));
  out.Set("active", statArrayToObject(env, stats.active));
  out.Set("inactive_split", statArrayToObject(env, stats.inactive_split));
  out.Set("allocated_bytes", statArrayToObject(env, stats.allocated_bytes));
  out.Set("reserved_bytes", statArrayToObject(env, stats.reserved_bytes));
  out.Set("active_bytes", statArrayToObject(env, stats.active_bytes));
  out.Set("inactive_split_bytes", statArrayToObject(env, stats.inactive_split_bytes));
  out.Set("requested_bytes", statArrayToObject(env, stats.requested_bytes));
  auto pools = Napi::Array::New(env);
  uint32_t n = 0;
  for (const auto& [id, poolStats] : stats.reserved_bytes_by_private_pools) {
    auto key = Napi::Array::New(env, 2);
    key.Set(0u, std::to_string(id.first));
    key.Set(1u, std::to_string(id.second));
    auto entry = Napi::Array::New(env, 2);
    entry.Set(0u, key);
    entry.Set(1u, statArrayToObject(env, poolStats));
    pools.Set(n++, entry);
  }
  out.Set("reserved_bytes_by_private_pools", pools);
  out.Set("oversize_allocations", statToObject(env, stats.oversize_allocations));
  out.Set("oversize_segments", statToObject(env, stats.oversize_segments));
  return out;
}

// cudaResetPeakMemoryStats(index?): every "peak" becomes its "current" (torch.cuda.reset_peak_memory_stats).
Napi::Value CudaResetPeakMemoryStats(const Napi::CallbackInfo& info) {
  at::DeviceIndex index = 0;
  c10::DeviceAllocator* allocator = cudaAllocatorFor(info, &index);
  if (allocator->initialized()) allocator->resetPeakStats(index);
  return info.Env().Undefined();
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  out.Set("torchVersion", TORCH_VERSION);
#ifdef KILN_WITH_CUDA
  out.Set("cuda", true);
#else
  out.Set("cuda", false);
#endif
  return out;
}

}  // namespace

void registerRuntime(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"manualSeed", ManualSeed, 1},
      {"getNumThreads", GetNumThreads, 0},
      {"setNumThreads", SetNumThreads, 1},
      {"getNumInteropThreads", GetNumInteropThreads, 0},
      {"setNumInteropThreads", SetNumInteropThreads, 1},
      {"cudaIsAvailable", CudaIsAvailable, 0},
      {"cudaDeviceCount", CudaDeviceCount, 0},
      {"cudaSynchronize", CudaSynchronize, 1},
      {"cudaMemoryStats", CudaMemoryStats, 1},
      {"cudaResetPeakMemoryStats", CudaResetPeakMemoryStats, 1},
      {"buildInfo", BuildInfo, 0},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  kiln::registerGuard(env, exports);
  kiln::registerHandles(env, exports);
  kiln::registerTransitOps(env, exports);
  kiln::registerTensorCore(env, exports);
  kiln::registerCreation(env, exports);
  kiln::registerRuntime(env, exports);
  kiln::registerMathOps(env, exports);
  kiln::registerShapeOps(env, exports);
  kiln::registerReduceOps(env, exports);
  kiln::registerNnOps(env, exports);
  kiln::registerOptimOps(env, exports);
  kiln::registerGeneratorOps(env, exports);
  kiln::registerStorageOps(env, exports);
  kiln::registerInitOps(env, exports);
  kiln::registerAmpOps(env, exports);
  kiln::registerDistributedOps(env, exports);
  kiln::registerFusedOps(env, exports);
  kiln::registerProcessOps(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(kiln_native, Init)
