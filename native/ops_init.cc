// nn.init and the in-place tensor surgery nn.Module needs: random and constant fills drawn from the global
// generator (so a manual seed gives PyTorch's numbers), copying a checkpoint into a parameter, and moving a
// parameter to another dtype/device while keeping its identity (PyTorch's `param.data = fn(param)`).
// Every binding runs under NoGradGuard: these write into leaves that require grad, as torch.no_grad() does.
#include <c10/core/GradMode.h>

#include <algorithm>
#include <cmath>

#include "kiln.h"

namespace kiln {
namespace {

// initUniform_(t, low, high): fills t from U(low, high).
Napi::Value InitUniform(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  argTensor(info, 0).uniform_(argDouble(info, 1), argDouble(info, 2));
  return info.Env().Undefined();
}

// initNormal_(t, mean, std): fills t from N(mean, std^2).
Napi::Value InitNormal(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  argTensor(info, 0).normal_(argDouble(info, 1), argDouble(info, 2));
  return info.Env().Undefined();
}

// initFill_(t, value): every element set to value.
Napi::Value InitFill(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  argTensor(info, 0).fill_(argScalar(info, 1));
  return info.Env().Undefined();
}

// initTruncNormal_(t, mean, std, a, b): torch 2.13's _no_grad_trunc_normal_, step for step, so a seeded run
// draws the same numbers: rejection from N(mean, std) when [a, b] holds more than 30% of the mass, otherwise
// uniform proposals on [a, b] accepted against the normal density.
Napi::Value InitTruncNormal(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  at::Tensor& t = argTensor(info, 0);
  double mean = argDouble(info, 1), std = argDouble(info, 2), a = argDouble(info, 3), b = argDouble(info, 4);
  auto normCdf = [](double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; };
  auto anyTrue = [](const at::Tensor& m) { return m.any().item<bool>(); };
  double p = normCdf((b - mean) / std) - normCdf((a - mean) / std);
  if (p > 0.3) {
    // Bounds cast to the tensor's dtype, so the rejection mask matches its representable values.
    auto cpuOpts = t.options().device(at::kCPU);
    double lo = at::scalar_tensor(a, cpuOpts).item<double>();
    double hi = at::scalar_tensor(b, cpuOpts).item<double>();
    at::Tensor result = t.normal_(mean, std);
    while (true) {
      at::Tensor mask = at::logical_or(result.lt(lo), result.gt(hi));
      if (!anyTrue(mask)) break;
      result = at::where(mask, at::empty_like(result).normal_(mean, std), result);
    }
    if (!result.is_same(t)) t.copy_(result);
    return info.Env().Undefined();
  }
  double mode = std::max(a, std::min(mean, b));
  double logPeak = -0.5 * std::pow((mode - mean) / std, 2.0);
  at::Tensor candidates = at::empty_like(t);
  at::Tensor acceptBuf = at::empty_like(t);
  auto logPdf = [&](at::Tensor& c) { c.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(logPeak); };
  t.uniform_(a, b);
  candidates.copy_(t);
  logPdf(candidates);
  at::Tensor pending = acceptBuf.uniform_().log_().gt(candidates);
  if (!anyTrue(pending)) return info.Env().Undefined();
  at::Tensor result = t;
  while (true) {
    candidates.uniform_(a, b);
    result = at::where(pending, candidates, result);
    logPdf(candidates);
    pending = at::where(pending, acceptBuf.uniform_().log_().gt(candidates), pending);
    if (!anyTrue(pending)) break;
  }
  t.copy_(result);
  return info.Env().Undefined();
}

// initCopy_(dst, src): copies src's values into dst (broadcasting, converting dtype/device), keeping dst.
Napi::Value InitCopy(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  argTensor(info, 0).copy_(argTensor(info, 1));
  return info.Env().Undefined();
}

// initFillIndex_(t, index, value): row `index` of dim 0 set to value (Embedding's padding_idx row).
Napi::Value InitFillIndex(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  argTensor(info, 0).select(0, argInt(info, 1)).fill_(argScalar(info, 2));
  return info.Env().Undefined();
}

// initAdd_(t, value): t += value in place (BatchNorm's num_batches_tracked counter).
Napi::Value InitAdd(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  argTensor(info, 0).add_(argScalar(info, 1));
  return info.Env().Undefined();
}

// initMoveTo_(t, dtype?, device?): converts t's data (and its grad) in place through set_data, so every
// holder of the handle (an optimizer, a JS Parameter object) sees the moved tensor. The dtype applies only
// to floating tensors, as Module.to(dtype) does in PyTorch (integer buffers such as counters keep theirs).
Napi::Value InitMoveTo(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  at::Tensor& t = argTensor(info, 0);
  auto dtype = argDtype(info, 1);
  auto device = argDevice(info, 2);
  auto convert = [&](const at::Tensor& x) {
    at::TensorOptions opts = x.options();
    if (dtype && (x.is_floating_point() || x.is_complex())) opts = opts.dtype(*dtype);
    if (device) opts = opts.device(*device);
    return x.to(opts);
  };
  at::Tensor moved = convert(t);
  if (moved.unsafeGetTensorImpl() == t.unsafeGetTensorImpl()) return info.Env().Undefined();
  at::Tensor grad = t.grad();
  t.set_data(moved);
  if (grad.defined()) t.mutable_grad() = convert(grad);
  return info.Env().Undefined();
}

}  // namespace

void registerInitOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"initUniform_", InitUniform, 3},
      {"initNormal_", InitNormal, 3},
      {"initFill_", InitFill, 2},
      {"initTruncNormal_", InitTruncNormal, 5},
      {"initCopy_", InitCopy, 2},
      {"initFillIndex_", InitFillIndex, 3},
      {"initAdd_", InitAdd, 2},
      {"initMoveTo_", InitMoveTo, 3},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
