// Fused optimizer steps: one native call updates every parameter of a group (docs/ARCHITECTURE.md, "Facts").
//
// Each step repeats PyTorch 2.13's single-tensor (foreach=False) implementation in torch/optim/*.py op for op,
// with the scalar hyperparameters computed in double the way Python computes them (`beta1 ** step`, `lr / bc1`,
// `bc2 ** 0.5`), so the results are bitwise equal to torch.optim on the same device. Parameters without a
// gradient are skipped, as PyTorch's `_init_group` skips them.
//
// State crosses as a compact list of the tensors that exist plus a layout (Int32Array, `slots` entries per
// parameter: an index into that list, or -1 when the slot does not exist yet). Slots a step needs and lacks are
// created here (lazy initialisation) and returned: an array with one entry per (parameter, slot), a handle where
// a tensor was created and null elsewhere; null when nothing was created (every step after the first).
#include <c10/core/GradMode.h>

#include <cmath>

#include "adam_kernel.h"
#include "kiln.h"

namespace kiln {
namespace {

class GroupState {
 public:
  GroupState(const Napi::CallbackInfo& info, size_t tensorsArg, size_t layoutArg, size_t params, size_t slots)
      : tensors_(argTensorList(info, tensorsArg)), slots_(slots) {
    if (layoutArg >= info.Length() || !info[layoutArg].IsTypedArray() ||
        info[layoutArg].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      throw ArgError("argument " + std::to_string(layoutArg + 1) + " must be an Int32Array (state layout)");
    }
    auto layout = info[layoutArg].As<Napi::Int32Array>();
    if (layout.ElementLength() != params * slots) {
      throw ArgError("state layout has " + std::to_string(layout.ElementLength()) + " entries, expected " +
                     std::to_string(params * slots) + " (" + std::to_string(params) + " params x " +
                     std::to_string(slots) + " slots)");
    }
    layout_.assign(layout.Data(), layout.Data() + layout.ElementLength());
    for (int32_t index : layout_) {
      if (index < -1 || index >= static_cast<int32_t>(tensors_.size())) {
        throw ArgError("state layout index " + std::to_string(index) + " is out of range");
      }
    }
    created_.resize(params * slots);
  }

  // The tensor in (param, slot); `init()` makes it (and it is returned to JS) when the slot is empty.
  template <typename Init>
  at::Tensor get(size_t param, size_t slot, Init init) {
    size_t k = param * slots_ + slot;
    if (layout_[k] >= 0) return tensors_[layout_[k]];
    if (!created_[k].defined()) {
      created_[k] = init();
      anyCreated_ = true;
    }
    return created_[k];
  }

  // Whether (param, slot) holds a tensor (given or created).
  bool has(size_t param, size_t slot) const {
    size_t k = param * slots_ + slot;
    return layout_[k] >= 0 || created_[k].defined();
  }

  Napi::Value result(Napi::Env env) const { return anyCreated_ ? wrapList(env, created_) : env.Null(); }

 private:
  std::vector<at::Tensor> tensors_;
  std::vector<int32_t> layout_;
  std::vector<at::Tensor> created_;
  size_t slots_;
  bool anyCreated_ = false;
};

// PyTorch keeps `step` as a 0-d float32 CPU tensor (not capturable, not fused; default dtype float32).
at::Tensor newStep() { return at::zeros({}, at::TensorOptions().dtype(at::kFloat)); }

at::Tensor zerosLike(const at::Tensor& p) { return at::zeros_like(p, at::MemoryFormat::Preserve); }

// The gradient of a parameter with the sign PyTorch uses (`-grad` when maximizing); undefined when absent.
at::Tensor signedGrad(const at::Tensor& p, bool maximize) {
  const at::Tensor& g = p.grad();
  if (!g.defined()) return g;
  if (g.is_sparse()) throw ArgError("sparse gradients are not supported by Kiln's optimizers");
  return maximize ? at::neg(g) : g;
}

// sgdStep(params, stateTensors, layout, lr, momentum, dampening, weightDecay, nesterov, maximize)
// Slots: 0 momentum_buffer (only used when momentum != 0). torch/optim/sgd.py `_single_tensor_sgd`.
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  auto params = argTensorList(info, 0);
  GroupState state(info, 1, 2, params.size(), 1);
  double lr = argDouble(info, 3), momentum = argDouble(info, 4), dampening = argDouble(info, 5);
  double weightDecay = argDouble(info, 6);
  bool nesterov = argBool(info, 7, false), maximize = argBool(info, 8, false);
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor& param = params[i];
    at::Tensor grad = signedGrad(param, maximize);
    if (!grad.defined()) continue;
    if (weightDecay != 0) grad = grad.add(param, weightDecay);
    if (momentum != 0) {
      bool existed = state.has(i, 0);
      at::Tensor buf = state.get(i, 0, [&] { return grad.detach().clone(); });
      if (existed) buf.mul_(momentum).add_(grad, 1 - dampening);
      grad = nesterov ? grad.add(buf, momentum) : buf;
    }
    param.add_(grad, -lr);
  }
  return state.result(info.Env());
}

// adamStep(params, stateTensors, layout, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled,
//          [fused = true])
// Slots: 0 step, 1 exp_avg, 2 exp_avg_sq, 3 max_exp_avg_sq. torch/optim/adam.py `_single_tensor_adam`
// (AdamW is Adam with decoupled weight decay). Parameters adam_kernel.cc can take are updated there, with
// the same bits; fused=false keeps every parameter on the op-by-op path (the tests' reference).
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  auto params = argTensorList(info, 0);
  GroupState state(info, 1, 2, params.size(), 4);
  double lr = argDouble(info, 3), beta1 = argDouble(info, 4), beta2 = argDouble(info, 5);
  double eps = argDouble(info, 6), weightDecay = argDouble(info, 7);
  bool amsgrad = argBool(info, 8, false), maximize = argBool(info, 9, false);
  bool decoupled = argBool(info, 10, false);
  bool fused = argBool(info, 11, true);
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor& param = params[i];
    const at::Tensor& rawGrad = param.grad();
    if (!rawGrad.defined()) continue;
    at::Tensor stepT = state.get(i, 0, newStep);
    at::Tensor expAvg = state.get(i, 1, [&] { return zerosLike(param); });
    at::Tensor expAvgSq = state.get(i, 2, [&] { return zerosLike(param); });
    at::Tensor maxExpAvgSq = amsgrad ? state.get(i, 3, [&] { return zerosLike(param); }) : at::Tensor();

    bool plainStep = stepT.is_cpu() && stepT.scalar_type() == at::kFloat && stepT.numel() == 1;
    if (fused && plainStep && !rawGrad.is_sparse() &&
        adamFusedEligible(param, rawGrad, expAvg, expAvgSq, amsgrad ? &maxExpAvgSq : nullptr)) {
      // stepT.add_(1) and .item() without two ATen calls: the same float addition.
      float* stepValue = stepT.data_ptr<float>();
      *stepValue += 1.0f;
      stepT.unsafeGetTensorImpl()->bump_version();
      double step = *stepValue;
      AdamScalars s{};
      s.w1 = static_cast<float>(1 - beta1);
      s.beta2 = static_cast<float>(beta2);
      s.c2 = static_cast<float>(1 - beta2);
      s.bc2Sqrt = static_cast<float>(std::pow(1 - std::pow(beta2, step), 0.5));
      s.eps = static_cast<float>(eps);
      s.negStepSize = static_cast<float>(-(lr / (1 - std::pow(beta1, step))));
      s.weightDecay = static_cast<float>(weightDecay);
      s.hasWeightDecay = weightDecay != 0;
      s.decay = static_cast<float>(1 - lr * weightDecay);
      s.decoupled = decoupled;
      s.maximize = maximize;
      adamFused(s, param, rawGrad, expAvg, expAvgSq, amsgrad ? &maxExpAvgSq : nullptr);
      continue;
    }
    stepT.add_(1);
    at::Tensor grad = signedGrad(param, maximize);
    if (weightDecay != 0) {
      if (decoupled) {
        param.mul_(1 - lr * weightDecay);
      } else {
        grad = grad.add(param, weightDecay);
      }
    }
    expAvg.lerp_(grad, 1 - beta1);
    expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);

    double step = stepT.item<double>();
    double biasCorrection1 = 1 - std::pow(beta1, step);
    double biasCorrection2 = 1 - std::pow(beta2, step);
    double stepSize = lr / biasCorrection1;
    double biasCorrection2Sqrt = std::pow(biasCorrection2, 0.5);  // Python's `** 0.5`, not sqrt()

    at::Tensor denom;
    if (amsgrad) {
      at::maximum_out(maxExpAvgSq, maxExpAvgSq, expAvgSq);
      denom = (maxExpAvgSq.sqrt() / biasCorrection2Sqrt).add_(eps);
    } else {
      denom = (expAvgSq.sqrt() / biasCorrection2Sqrt).add_(eps);
    }
    param.addcdiv_(expAvg, denom, -stepSize);
  }
  return state.result(info.Env());
}

// adamKernel() -> "avx2" when AdamStep's fused pass is available here (ATen on AVX2/AVX-512), else "aten".
Napi::Value AdamKernel(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), atenUsesAvx2() ? "avx2" : "aten");
}

// rmspropStep(params, stateTensors, layout, lr, alpha, eps, weightDecay, momentum, centered, maximize)
// Slots: 0 step, 1 square_avg, 2 momentum_buffer, 3 grad_avg. torch/optim/rmsprop.py `_single_tensor_rmsprop`.
Napi::Value RmspropStep(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  auto params = argTensorList(info, 0);
  GroupState state(info, 1, 2, params.size(), 4);
  double lr = argDouble(info, 3), alpha = argDouble(info, 4), eps = argDouble(info, 5);
  double weightDecay = argDouble(info, 6), momentum = argDouble(info, 7);
  bool centered = argBool(info, 8, false), maximize = argBool(info, 9, false);
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor& param = params[i];
    at::Tensor grad = signedGrad(param, maximize);
    if (!grad.defined()) continue;
    at::Tensor stepT = state.get(i, 0, newStep);
    at::Tensor squareAvg = state.get(i, 1, [&] { return zerosLike(param); });
    at::Tensor buf = momentum > 0 ? state.get(i, 2, [&] { return zerosLike(param); }) : at::Tensor();
    at::Tensor gradAvg = centered ? state.get(i, 3, [&] { return zerosLike(param); }) : at::Tensor();

    stepT.add_(1);
    if (weightDecay != 0) grad = grad.add(param, weightDecay);
    squareAvg.mul_(alpha).addcmul_(grad, grad, 1 - alpha);
    at::Tensor avg;
    if (centered) {
      gradAvg.lerp_(grad, 1 - alpha);
      avg = squareAvg.addcmul(gradAvg, gradAvg, -1).sqrt_();
    } else {
      avg = squareAvg.sqrt();
    }
    avg = avg.add_(eps);
    if (momentum > 0) {
      buf.mul_(momentum).addcdiv_(grad, avg);
      param.add_(buf, -lr);
    } else {
      param.addcdiv_(grad, avg, -lr);
    }
  }
  return state.result(info.Env());
}

// adagradStep(params, stateTensors, layout, lr, lrDecay, weightDecay, eps, initialAccumulatorValue, maximize)
// Slots: 0 step, 1 sum. torch/optim/adagrad.py `_single_tensor_adagrad` (dense gradients).
Napi::Value AdagradStep(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  auto params = argTensorList(info, 0);
  GroupState state(info, 1, 2, params.size(), 2);
  double lr = argDouble(info, 3), lrDecay = argDouble(info, 4), weightDecay = argDouble(info, 5);
  double eps = argDouble(info, 6), initialAccumulatorValue = argDouble(info, 7);
  bool maximize = argBool(info, 8, false);
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor& param = params[i];
    at::Tensor grad = signedGrad(param, maximize);
    if (!grad.defined()) continue;
    at::Tensor stepT = state.get(i, 0, newStep);
    at::Tensor stateSum = state.get(i, 1, [&] {
      return at::full_like(param, initialAccumulatorValue, at::TensorOptions(), at::MemoryFormat::Preserve);
    });

    stepT.add_(1);
    double step = stepT.item<double>();
    if (weightDecay != 0) grad = grad.add(param, weightDecay);
    double clr = lr / (1 + (step - 1) * lrDecay);
    stateSum.addcmul_(grad, grad, 1);
    at::Tensor stdev = stateSum.sqrt().add_(eps);
    param.addcdiv_(grad, stdev, -clr);
  }
  return state.result(info.Env());
}

// zeroGrads(params, setToNone): PyTorch's Optimizer.zero_grad over a whole group in one call.
Napi::Value ZeroGrads(const Napi::CallbackInfo& info) {
  auto params = argTensorList(info, 0);
  bool setToNone = argBool(info, 1, true);
  for (auto& p : params) {
    at::Tensor& grad = p.mutable_grad();
    if (!grad.defined()) continue;
    if (setToNone) {
      grad.reset();
      continue;
    }
    if (grad.is_leaf()) {
      grad.requires_grad_(false);
    } else {
      grad.detach_();
    }
    grad.zero_();
  }
  return info.Env().Undefined();
}

}  // namespace

void registerOptimOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"sgdStep", SgdStep, 9},
      {"adamStep", AdamStep, 12},
      {"adamKernel", AdamKernel, 0},
      {"rmspropStep", RmspropStep, 10},
      {"adagradStep", AdagradStep, 9},
      {"zeroGrads", ZeroGrads, 2},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
