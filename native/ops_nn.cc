// Neural-network functional ops (torch.nn.functional): layers, pooling, normalization, activations, losses.
// Argument checks that PyTorch makes in Python (not in ATen) are repeated here, with PyTorch's wording.
#include "kiln.h"

namespace kiln {
namespace {

// "none" | "mean" | "sum" (undefined -> "mean") as ATen's reduction enum.
int64_t argReduction(const Napi::CallbackInfo& info, size_t i) {
  std::string r = argOptString(info, i).value_or("mean");
  if (r == "none") return at::Reduction::None;
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  throw ArgError("reduction \"" + r + "\" is not a valid value (expected \"none\", \"mean\" or \"sum\")");
}

std::string shapeOf(const at::Tensor& t) {
  std::string out = "[";
  for (size_t k = 0; k < t.sizes().size(); ++k) out += (k > 0 ? ", " : "") + std::to_string(t.sizes()[k]);
  return out + "]";
}

// ---- layers ---------------------------------------------------------------------------------------------

// linear(input, weight, bias?): input @ weight^T + bias
Napi::Value Linear(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::linear(argTensor(info, 0), argTensor(info, 1), argOptTensor(info, 2)));
}

// conv2d(input, weight, bias?, stride, padding: number[] | "same" | "valid", dilation, groups)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  const at::Tensor& input = argTensor(info, 0);
  const at::Tensor& weight = argTensor(info, 1);
  auto bias = argOptTensor(info, 2);
  auto stride = argIntList(info, 3);
  auto dilation = argIntList(info, 5);
  int64_t groups = argInt(info, 6);
  if (info[4].IsString()) {
    return wrap(info.Env(), at::conv2d(input, weight, bias, stride, argString(info, 4), dilation, groups));
  }
  return wrap(info.Env(), at::conv2d(input, weight, bias, stride, argIntList(info, 4), dilation, groups));
}

// maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode)
Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::max_pool2d(argTensor(info, 0), argIntList(info, 1), argIntList(info, 2),
                                         argIntList(info, 3), argIntList(info, 4), argBool(info, 5, false)));
}

// avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride?)
Napi::Value AvgPool2d(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::avg_pool2d(argTensor(info, 0), argIntList(info, 1), argIntList(info, 2),
                                         argIntList(info, 3), argBool(info, 4, false), argBool(info, 5, true),
                                         argOptInt(info, 6)));
}

// adaptiveAvgPool2d(input, outputSize [h, w])
Napi::Value AdaptiveAvgPool2d(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::adaptive_avg_pool2d(argTensor(info, 0), argIntList(info, 1)));
}

// batchNorm(input, runningMean?, runningVar?, weight?, bias?, training, momentum, eps): updates the running
// stats in place when training
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  const at::Tensor& input = argTensor(info, 0);
  bool training = argBool(info, 5, false);
  if (training && input.dim() >= 1) {
    // F.batch_norm's _verify_batch_size: one value per channel has no variance.
    int64_t perChannel = input.size(0);
    for (int64_t d = 2; d < input.dim(); ++d) perChannel *= input.size(d);
    if (perChannel == 1) {
      throw ArgError("Expected more than 1 value per channel when training, got input size " + shapeOf(input));
    }
  }
  return wrap(info.Env(), at::batch_norm(input, argOptTensor(info, 3), argOptTensor(info, 4), argOptTensor(info, 1),
                                         argOptTensor(info, 2), training, argDouble(info, 6), argDouble(info, 7),
                                         true));
}

// layerNorm(input, normalizedShape, weight?, bias?, eps)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::layer_norm(argTensor(info, 0), argIntList(info, 1), argOptTensor(info, 2),
                                         argOptTensor(info, 3), argDouble(info, 4), true));
}

// pad(input, pad, mode, value?): F.pad; `pad` pairs (before, after) from the last dimension backwards, mode is
// "constant", "reflect", "replicate" or "circular" (ATen checks the sizes and dims each mode accepts).
Napi::Value Pad(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::pad(argTensor(info, 0), argIntList(info, 1), argString(info, 2), argOptDouble(info, 3)));
}

// dropout(input, p, training, inplace?): inplace returns undefined
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  at::Tensor& input = argTensor(info, 0);
  double p = argDouble(info, 1);
  if (!(p >= 0 && p <= 1)) {
    throw ArgError("dropout probability has to be between 0 and 1, but got " + std::to_string(p));
  }
  if (argBool(info, 3, false)) {
    at::dropout_(input, p, argBool(info, 2, true));
    return info.Env().Undefined();
  }
  return wrap(info.Env(), at::dropout(input, p, argBool(info, 2, true)));
}

// embedding(input, weight, paddingIdx?, scaleGradByFreq?): rows of weight; paddingIdx may be negative
Napi::Value Embedding(const Napi::CallbackInfo& info) {
  const at::Tensor& input = argTensor(info, 0);
  const at::Tensor& weight = argTensor(info, 1);
  int64_t padding = -1;
  if (auto idx = argOptInt(info, 2)) {
    int64_t rows = weight.dim() > 0 ? weight.size(0) : 0;
    if (*idx >= rows || *idx < -rows) {
      throw ArgError("padding_idx " + std::to_string(*idx) + " must be within num_embeddings (" +
                     std::to_string(rows) + ")");
    }
    padding = *idx < 0 ? rows + *idx : *idx;
  }
  return wrap(info.Env(), at::embedding(weight, input, padding, argBool(info, 3, false), false));
}

// oneHot(t, numClasses?): int64 result with a trailing class dim (-1: max(t) + 1 classes)
Napi::Value OneHot(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::one_hot(argTensor(info, 0), argOptInt(info, 1).value_or(-1)));
}

// ---- activations ----------------------------------------------------------------------------------------

// relu(t)
Napi::Value Relu(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::relu(argTensor(info, 0))); }

// leakyRelu(t, negativeSlope?)
Napi::Value LeakyRelu(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::leaky_relu(argTensor(info, 0), argOptScalar(info, 1).value_or(0.01)));
}

// gelu(t, approximate?: "none" | "tanh")
Napi::Value Gelu(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::gelu(argTensor(info, 0), argOptString(info, 1).value_or("none")));
}

// silu(t): x * sigmoid(x)
Napi::Value Silu(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::silu(argTensor(info, 0))); }

// softmax(t, dim, dtype?)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::softmax(argTensor(info, 0), argInt(info, 1), argDtype(info, 2)));
}

// logSoftmax(t, dim, dtype?)
Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::log_softmax(argTensor(info, 0), argInt(info, 1), argDtype(info, 2)));
}

// ---- losses ---------------------------------------------------------------------------------------------

// crossEntropy(input, target, weight?, ignoreIndex, reduction, labelSmoothing): class indices or probabilities
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::cross_entropy_loss(argTensor(info, 0), argTensor(info, 1), argOptTensor(info, 2),
                                                 argReduction(info, 4), argOptInt(info, 3).value_or(-100),
                                                 argOptDouble(info, 5).value_or(0.0)));
}

// nllLoss(input, target, weight?, ignoreIndex, reduction)
Napi::Value NllLoss(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::nll_loss_nd(argTensor(info, 0), argTensor(info, 1), argOptTensor(info, 2),
                                          argReduction(info, 4), argOptInt(info, 3).value_or(-100)));
}

// mseLoss(input, target, reduction): broadcasts input and target as F.mse_loss does
Napi::Value MseLoss(const Napi::CallbackInfo& info) {
  auto both = at::broadcast_tensors({argTensor(info, 0), argTensor(info, 1)});
  return wrap(info.Env(), at::mse_loss(both[0], both[1], argReduction(info, 2)));
}

// l1Loss(input, target, reduction)
Napi::Value L1Loss(const Napi::CallbackInfo& info) {
  auto both = at::broadcast_tensors({argTensor(info, 0), argTensor(info, 1)});
  return wrap(info.Env(), at::l1_loss(both[0], both[1], argReduction(info, 2)));
}

// smoothL1Loss(input, target, reduction, beta)
Napi::Value SmoothL1Loss(const Napi::CallbackInfo& info) {
  auto both = at::broadcast_tensors({argTensor(info, 0), argTensor(info, 1)});
  double beta = argOptDouble(info, 3).value_or(1.0);
  if (beta == 0.0) return wrap(info.Env(), at::l1_loss(both[0], both[1], argReduction(info, 2)));
  return wrap(info.Env(), at::smooth_l1_loss(both[0], both[1], argReduction(info, 2), beta));
}

// binaryCrossEntropy(input, target, weight?, reduction): input holds probabilities
Napi::Value BinaryCrossEntropy(const Napi::CallbackInfo& info) {
  const at::Tensor& input = argTensor(info, 0);
  const at::Tensor& target = argTensor(info, 1);
  if (input.sizes() != target.sizes()) {
    throw ArgError("Using a target size (" + shapeOf(target) + ") that is different to the input size (" +
                   shapeOf(input) + ") is deprecated. Please ensure they have the same size.");
  }
  auto weight = argOptTensor(info, 2);
  if (weight) weight = weight->expand(at::infer_size(target.sizes(), weight->sizes()));
  return wrap(info.Env(), at::binary_cross_entropy(input, target, weight, argReduction(info, 3)));
}

// binaryCrossEntropyWithLogits(input, target, weight?, posWeight?, reduction)
Napi::Value BinaryCrossEntropyWithLogits(const Napi::CallbackInfo& info) {
  const at::Tensor& input = argTensor(info, 0);
  const at::Tensor& target = argTensor(info, 1);
  if (input.sizes() != target.sizes()) {
    throw ArgError("Target size (" + shapeOf(target) + ") must be the same as input size (" + shapeOf(input) + ")");
  }
  return wrap(info.Env(), at::binary_cross_entropy_with_logits(input, target, argOptTensor(info, 2),
                                                               argOptTensor(info, 3), argReduction(info, 4)));
}

}  // namespace

void registerNnOps(Napi::Env env, Napi::Object exports) {
  // NNPACK fails to initialize on CPUs without AVX2 and then logs a warning on every conv2d call (10,000 lines in
  // a training loop); oneDNN and the native kernels cover the same convolutions.
  at::globalContext().setUserEnabledNNPACK(false);
  static const Op kOps[] = {
      {"linear", Linear, 3},
      {"conv2d", Conv2d, 7},
      {"maxPool2d", MaxPool2d, 6},
      {"avgPool2d", AvgPool2d, 7},
      {"adaptiveAvgPool2d", AdaptiveAvgPool2d, 2},
      {"batchNorm", BatchNorm, 8},
      {"layerNorm", LayerNorm, 5},
      {"dropout", Dropout, 4},
      {"pad", Pad, 4},
      {"embedding", Embedding, 4},
      {"oneHot", OneHot, 2},
      {"relu", Relu, 1},
      {"leakyRelu", LeakyRelu, 2},
      {"gelu", Gelu, 2},
      {"silu", Silu, 1},
      {"softmax", Softmax, 3},
      {"logSoftmax", LogSoftmax, 3},
      {"crossEntropy", CrossEntropy, 6},
      {"nllLoss", NllLoss, 5},
      {"mseLoss", MseLoss, 3},
      {"l1Loss", L1Loss, 3},
      {"smoothL1Loss", SmoothL1Loss, 4},
      {"binaryCrossEntropy", BinaryCrossEntropy, 4},
      {"binaryCrossEntropyWithLogits", BinaryCrossEntropyWithLogits, 5},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
