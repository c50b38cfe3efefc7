// Factory functions. Options come last and positional: ..., dtype?, device? (see argOptions). requires_grad is
// set by the TS layer afterwards (ATen factories do not take it).
#include "kiln.h"

namespace kiln {
namespace {

// zeros(shape, dtype?, device?) and friends.
Napi::Value Zeros(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::zeros(argIntList(info, 0), argOptions(info, 1)));
}
Napi::Value Ones(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::ones(argIntList(info, 0), argOptions(info, 1)));
}
Napi::Value Empty(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::empty(argIntList(info, 0), argOptions(info, 1)));
}
Napi::Value Rand(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::rand(argIntList(info, 0), argOptions(info, 1)));
}
Napi::Value Randn(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::randn(argIntList(info, 0), argOptions(info, 1)));
}

// full(shape, value, dtype?, device?): without a dtype, infers it from the value like Python (int -> int64).
Napi::Value Full(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::full(argIntList(info, 0), argScalar(info, 1), argOptions(info, 2)));
}

// arange(start, end, step, dtype?, device?): int64 when all three are integers, else float32.
Napi::Value Arange(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::arange(argScalar(info, 0), argScalar(info, 1), argScalar(info, 2), argOptions(info, 3)));
}

// linspace(start, end, steps, dtype?, device?)
Napi::Value Linspace(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::linspace(argScalar(info, 0), argScalar(info, 1), argInt(info, 2), argOptions(info, 3)));
}

// eye(n, m?, dtype?, device?)
Napi::Value Eye(const Napi::CallbackInfo& info) {
  int64_t n = argInt(info, 0);
  return wrap(info.Env(), at::eye(n, argOptInt(info, 1).value_or(n), argOptions(info, 2)));
}

// randint(low, high, shape, dtype?, device?): int64 unless a dtype is given.
Napi::Value Randint(const Napi::CallbackInfo& info) {
  at::TensorOptions opts = argOptions(info, 3);
  if (!opts.has_dtype()) opts = opts.dtype(at::kLong);
  return wrap(info.Env(), at::randint(argInt(info, 0), argInt(info, 1), argIntList(info, 2), opts));
}

// randperm(n, dtype?, device?)
Napi::Value Randperm(const Napi::CallbackInfo& info) {
  at::TensorOptions opts = argOptions(info, 1);
  if (!opts.has_dtype()) opts = opts.dtype(at::kLong);
  return wrap(info.Env(), at::randperm(argInt(info, 0), opts));
}

// *_like(t, dtype?, device?): same shape, dtype and device as t unless overridden.
at::TensorOptions likeOptions(const Napi::CallbackInfo& info, const at::Tensor& t, size_t i) {
  at::TensorOptions opts = t.options().requires_grad(false);
  if (auto dt = argDtype(info, i)) opts = opts.dtype(*dt);
  if (auto dev = argDevice(info, i + 1)) opts = opts.device(*dev);
  return opts;
}

Napi::Value ZerosLike(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  return wrap(info.Env(), at::zeros_like(t, likeOptions(info, t, 1)));
}
Napi::Value OnesLike(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  return wrap(info.Env(), at::ones_like(t, likeOptions(info, t, 1)));
}
Napi::Value EmptyLike(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  return wrap(info.Env(), at::empty_like(t, likeOptions(info, t, 1)));
}
Napi::Value RandLike(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  return wrap(info.Env(), at::rand_like(t, likeOptions(info, t, 1)));
}
Napi::Value RandnLike(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  return wrap(info.Env(), at::randn_like(t, likeOptions(info, t, 1)));
}
// fullLike(t, value, dtype?, device?)
Napi::Value FullLike(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  return wrap(info.Env(), at::full_like(t, argScalar(info, 1), likeOptions(info, t, 2)));
}
// randintLike(t, low, high, dtype?, device?)
Napi::Value RandintLike(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  return wrap(info.Env(), at::randint_like(t, argInt(info, 1), argInt(info, 2), likeOptions(info, t, 3)));
}

}  // namespace

void registerCreation(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"zeros", Zeros, 3},
      {"ones", Ones, 3},
      {"empty", Empty, 3},
      {"rand", Rand, 3},
      {"randn", Randn, 3},
      {"full", Full, 4},
      {"arange", Arange, 5},
      {"linspace", Linspace, 5},
      {"eye", Eye, 4},
      {"randint", Randint, 5},
      {"randperm", Randperm, 3},
      {"zerosLike", ZerosLike, 3},
      {"onesLike", OnesLike, 3},
      {"emptyLike", EmptyLike, 3},
      {"randLike", RandLike, 3},
      {"randnLike", RandnLike, 3},
      {"fullLike", FullLike, 4},
      {"randintLike", RandintLike, 5},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
