// Module init, and process-wide runtime settings: seeds, thread pools, CUDA queries.
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

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
