// Adam's fused per-parameter update (adam_kernel.cc): what ops_optim.cc needs to use it.
#pragma once
#include "kiln.h"

namespace kiln {

// The step's scalars, already converted to float as ATen converts each op's Scalar argument.
struct AdamScalars {
  float w1;           // lerp weight: 1 - beta1
  float beta2;        // exp_avg_sq.mul_(beta2)
  float c2;           // addcmul value: 1 - beta2
  float bc2Sqrt;      // bias_correction2 ** 0.5
  float eps;
  float negStepSize;  // addcdiv value: -lr / bias_correction1
  float weightDecay;
  bool hasWeightDecay;  // weight_decay != 0 as a double (a value that rounds to 0.0f still takes the path)
  float decay;        // decoupled (AdamW): param.mul_(1 - lr * weight_decay)
  bool decoupled;
  bool maximize;
};

// Whether ATen runs its AVX2/AVX-512 kernels here (the arithmetic adam_kernel.cc reproduces).
bool atenUsesAvx2();

// Whether the fused update applies: contiguous float32 CPU tensors of one shape, and ATen on AVX2 or AVX-512.
bool adamFusedEligible(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& expAvg,
                       const at::Tensor& expAvgSq, const at::Tensor* maxExpAvgSq);

// One Adam update of one parameter and its state, in place (grad is the raw gradient: maximize flips it here).
void adamFused(const AdamScalars& s, at::Tensor& param, const at::Tensor& grad, at::Tensor& expAvg,
               at::Tensor& expAvgSq, at::Tensor* maxExpAvgSq);

}  // namespace kiln
