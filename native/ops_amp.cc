// Automatic mixed precision: the autocast state (torch.autocast's __enter__/__exit__), GradScaler's fused
// kernels, and the deterministic-algorithms switch (torch.use_deterministic_algorithms).
#include "kiln.h"

// Declared here rather than through <ATen/autocast_mode.h>: that header pulls in NativeFunctions.h and
// torch/library.h, which would add tens of seconds to this translation unit (docs/ARCHITECTURE.md, "Facts"). These are the
// exported functions of libtorch_cpu that torch.autocast calls.
namespace at::autocast {
TORCH_API bool is_autocast_enabled(at::DeviceType device_type);
TORCH_API void set_autocast_enabled(at::DeviceType device_type, bool enabled);
TORCH_API at::ScalarType get_autocast_dtype(at::DeviceType device_type);
TORCH_API void set_autocast_dtype(at::DeviceType device_type, at::ScalarType dtype);
TORCH_API void clear_cache();
TORCH_API int increment_nesting();
TORCH_API int decrement_nesting();
TORCH_API bool is_autocast_cache_enabled();
TORCH_API void set_autocast_cache_enabled(bool enabled);
}  // namespace at::autocast

namespace kiln {
namespace {

// torch.autocast's device_type: only the device types libtorch has autocast dispatch keys for here.
at::DeviceType argAutocastDevice(const Napi::CallbackInfo& info, size_t i) {
  std::string name = argString(info, i);
  if (name == "cpu") return at::kCPU;
  if (name == "cuda") return at::kCUDA;
  throw ArgError("User specified an unsupported autocast device_type '" + name + "' (use \"cpu\" or \"cuda\")");
}

// The state __enter__ saves and __exit__ restores, as a JS object {enabled, dtype, cacheEnabled}.
Napi::Object autocastState(Napi::Env env, at::DeviceType device) {
  auto out = Napi::Object::New(env);
  out.Set("enabled", at::autocast::is_autocast_enabled(device));
  out.Set("dtype", dtypeName(at::autocast::get_autocast_dtype(device)));
  out.Set("cacheEnabled", at::autocast::is_autocast_cache_enabled());
  return out;
}

// autocastEnter(deviceType, dtype, enabled, cacheEnabled): torch.autocast.__enter__; returns the previous state.
Napi::Value AutocastEnter(const Napi::CallbackInfo& info) {
  at::DeviceType device = argAutocastDevice(info, 0);
  auto dtype = argDtype(info, 1);
  if (!dtype) throw ArgError("autocast needs a dtype (\"bfloat16\" or \"float16\")");
  bool enabled = argBool(info, 2, true);
  bool cacheEnabled = argBool(info, 3, true);
  Napi::Object previous = autocastState(info.Env(), device);
  at::autocast::set_autocast_enabled(device, enabled);
  at::autocast::set_autocast_dtype(device, *dtype);
  at::autocast::increment_nesting();
  at::autocast::set_autocast_cache_enabled(cacheEnabled);
  return previous;
}

// autocastExit(deviceType, prevEnabled, prevDtype, prevCacheEnabled): torch.autocast.__exit__. The cast cache
// is dropped when the outermost autocast scope closes.
Napi::Value AutocastExit(const Napi::CallbackInfo& info) {
  at::DeviceType device = argAutocastDevice(info, 0);
  bool prevEnabled = argBool(info, 1, false);
  auto prevDtype = argDtype(info, 2);
  bool prevCache = argBool(info, 3, true);
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(device, prevEnabled);
  if (prevDtype) at::autocast::set_autocast_dtype(device, *prevDtype);
  at::autocast::set_autocast_cache_enabled(prevCache);
  return info.Env().Undefined();
}

// autocastState(deviceType): {enabled, dtype, cacheEnabled} now (torch.is_autocast_enabled, get_autocast_dtype).
Napi::Value AutocastState(const Napi::CallbackInfo& info) {
  return autocastState(info.Env(), argAutocastDevice(info, 0));
}

// ampForeachNonFiniteCheckAndUnscale_(grads, foundInf, invScale): grads *= invScale in place; foundInf = 1
// when any grad holds inf/NaN (GradScaler._unscale_grads_; all grads on one device, one dtype).
Napi::Value AmpForeachNonFiniteCheckAndUnscale(const Napi::CallbackInfo& info) {
  std::vector<at::Tensor> grads = argTensorList(info, 0);
  at::Tensor& foundInf = argTensor(info, 1);
  const at::Tensor& invScale = argTensor(info, 2);
  at::_amp_foreach_non_finite_check_and_unscale_(grads, foundInf, invScale);
  return info.Env().Undefined();
}

// ampUpdateScale_(scale, growthTracker, foundInf, growthFactor, backoffFactor, growthInterval): GradScaler.update.
Napi::Value AmpUpdateScale(const Napi::CallbackInfo& info) {
  at::Tensor& scale = argTensor(info, 0);
  at::Tensor& growthTracker = argTensor(info, 1);
  const at::Tensor& foundInf = argTensor(info, 2);
  at::_amp_update_scale_(scale, growthTracker, foundInf, argDouble(info, 3), argDouble(info, 4), argInt(info, 5));
  return info.Env().Undefined();
}

// useDeterministicAlgorithms(mode, warnOnly?): torch.use_deterministic_algorithms.
Napi::Value UseDeterministicAlgorithms(const Napi::CallbackInfo& info) {
  at::globalContext().setDeterministicAlgorithms(argBool(info, 0, false), argBool(info, 1, false));
  return info.Env().Undefined();
}

// deterministicAlgorithmsState(): {enabled, warnOnly}.
Napi::Value DeterministicAlgorithmsState(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  out.Set("enabled", at::globalContext().deterministicAlgorithms());
  out.Set("warnOnly", at::globalContext().deterministicAlgorithmsWarnOnly());
  return out;
}

// setCudnnBenchmark(mode): torch.backends.cudnn.benchmark = mode (cuDNN times its algorithms per input shape).
Napi::Value SetCudnnBenchmark(const Napi::CallbackInfo& info) {
  at::globalContext().setBenchmarkCuDNN(argBool(info, 0, false));
  return info.Env().Undefined();
}

// cudnnBenchmark(): torch.backends.cudnn.benchmark.
Napi::Value CudnnBenchmark(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::globalContext().benchmarkCuDNN());
}

}  // namespace

void registerAmpOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"autocastEnter", AutocastEnter, 4},
      {"autocastExit", AutocastExit, 4},
      {"autocastState", AutocastState, 1},
      {"ampForeachNonFiniteCheckAndUnscale_", AmpForeachNonFiniteCheckAndUnscale, 3},
      {"ampUpdateScale_", AmpUpdateScale, 6},
      {"useDeterministicAlgorithms", UseDeterministicAlgorithms, 2},
      {"deterministicAlgorithmsState", DeterministicAlgorithmsState, 0},
      {"setCudnnBenchmark", SetCudnnBenchmark, 1},
      {"cudnnBenchmark", CudnnBenchmark, 0},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
