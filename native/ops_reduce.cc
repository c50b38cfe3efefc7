// Reductions with optional dim(s) and keepdim. A dim argument left undefined reduces over every element.
#include "kiln.h"

namespace kiln {
namespace {

// sum(t, dim?, keepdim?, dtype?)
Napi::Value Sum(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptIntList(info, 1);
  return wrap(info.Env(), at::sum(t, optIntArrayRef(dim), argBool(info, 2, false), argDtype(info, 3)));
}

// mean(t, dim?, keepdim?, dtype?)
Napi::Value Mean(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptIntList(info, 1);
  return wrap(info.Env(), at::mean(t, optIntArrayRef(dim), argBool(info, 2, false), argDtype(info, 3)));
}

// max(t) -> tensor; max(t, dim, keepdim?) -> [values, indices]
Napi::Value Max(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptInt(info, 1);
  if (!dim) return wrap(info.Env(), at::max(t));
  auto r = at::max(t, *dim, argBool(info, 2, false));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}

// min(t) -> tensor; min(t, dim, keepdim?) -> [values, indices]
Napi::Value Min(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptInt(info, 1);
  if (!dim) return wrap(info.Env(), at::min(t));
  auto r = at::min(t, *dim, argBool(info, 2, false));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}

// argmax(t, dim?, keepdim?): index into the flattened tensor when dim is undefined
Napi::Value Argmax(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::argmax(argTensor(info, 0), argOptInt(info, 1), argBool(info, 2, false)));
}

// argmin(t, dim?, keepdim?)
Napi::Value Argmin(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::argmin(argTensor(info, 0), argOptInt(info, 1), argBool(info, 2, false)));
}

// std(t, dim?, correction?, keepdim?): correction defaults to 1 (Bessel)
Napi::Value Std(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptIntList(info, 1);
  return wrap(info.Env(), at::std(t, optIntArrayRef(dim), argOptScalar(info, 2), argBool(info, 3, false)));
}

// var(t, dim?, correction?, keepdim?)
Napi::Value Var(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptIntList(info, 1);
  return wrap(info.Env(), at::var(t, optIntArrayRef(dim), argOptScalar(info, 2), argBool(info, 3, false)));
}

// norm(t, p, dim?, keepdim?, dtype?): vector p-norm over dim (all elements when undefined); p may be +-Infinity
Napi::Value Norm(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptIntList(info, 2);
  return wrap(info.Env(), at::linalg_vector_norm(t, argScalar(info, 1), optIntArrayRef(dim), argBool(info, 3, false),
                                                 argDtype(info, 4)));
}

// prod(t, dim?, keepdim?, dtype?): one dim at most, as in PyTorch
Napi::Value Prod(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptInt(info, 1);
  if (!dim) return wrap(info.Env(), at::prod(t, argDtype(info, 3)));
  return wrap(info.Env(), at::prod(t, *dim, argBool(info, 2, false), argDtype(info, 3)));
}

// all(t, dim?, keepdim?)
Napi::Value All(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptIntList(info, 1);
  if (!dim) return wrap(info.Env(), at::all(t));
  return wrap(info.Env(), at::all(t, optIntArrayRef(dim), argBool(info, 2, false)));
}

// any(t, dim?, keepdim?)
Napi::Value Any(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptIntList(info, 1);
  if (!dim) return wrap(info.Env(), at::any(t));
  return wrap(info.Env(), at::any(t, optIntArrayRef(dim), argBool(info, 2, false)));
}

// topk(t, k, dim?, largest?, sorted?) -> [values, indices]
Napi::Value Topk(const Napi::CallbackInfo& info) {
  auto r = at::topk(argTensor(info, 0), argInt(info, 1), argOptInt(info, 2).value_or(-1), argBool(info, 3, true),
                    argBool(info, 4, true));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}

// cumsum(t, dim, dtype?)
Napi::Value Cumsum(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::cumsum(argTensor(info, 0), argInt(info, 1), argDtype(info, 2)));
}

// logsumexp(t, dim, keepdim?)
Napi::Value Logsumexp(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::logsumexp(argTensor(info, 0), argIntList(info, 1), argBool(info, 2, false)));
}

// amax(t, dim?, keepdim?): every dim when undefined (gradient split evenly between ties, unlike max)
Napi::Value Amax(const Napi::CallbackInfo& info) {
  auto dim = argOptIntList(info, 1).value_or(std::vector<int64_t>{});
  return wrap(info.Env(), at::amax(argTensor(info, 0), dim, argBool(info, 2, false)));
}

// amin(t, dim?, keepdim?)
Napi::Value Amin(const Napi::CallbackInfo& info) {
  auto dim = argOptIntList(info, 1).value_or(std::vector<int64_t>{});
  return wrap(info.Env(), at::amin(argTensor(info, 0), dim, argBool(info, 2, false)));
}

}  // namespace

void registerReduceOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"sum", Sum, 4},
      {"mean", Mean, 4},
      {"max", Max, 3},
      {"min", Min, 3},
      {"argmax", Argmax, 3},
      {"argmin", Argmin, 3},
      {"std", Std, 4},
      {"var", Var, 4},
      {"norm", Norm, 5},
      {"prod", Prod, 4},
      {"all", All, 3},
      {"any", Any, 3},
      {"topk", Topk, 5},
      {"cumsum", Cumsum, 3},
      {"logsumexp", Logsumexp, 3},
      {"amax", Amax, 3},
      {"amin", Amin, 3},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
