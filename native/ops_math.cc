// Elementwise math and matrix products. Scalars broadcast like Python numbers (argTensorOrScalar).
#include "kiln.h"

namespace kiln {
namespace {

// add(a, b, alpha?): a + alpha * b
Napi::Value Add(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::add(argTensor(info, 0), argTensorOrScalar(info, 1), argOptScalar(info, 2).value_or(1)));
}

// mul(a, b)
Napi::Value Mul(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::mul(argTensor(info, 0), argTensorOrScalar(info, 1)));
}

// matmul(a, b)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::matmul(argTensor(info, 0), argTensor(info, 1)));
}

}  // namespace

void registerMathOps(Napi::Env env, Napi::Object exports) {
  defineOp(env, exports, "add", Add);
  defineOp(env, exports, "mul", Mul);
  defineOp(env, exports, "matmul", Matmul);
}

}  // namespace kiln
