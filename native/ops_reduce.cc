// Reductions with optional dim(s) and keepdim.
#include "kiln.h"

namespace kiln {
namespace {

// sum(t, dim?, keepdim?, dtype?): all elements when dim is undefined.
Napi::Value Sum(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dim = argOptIntList(info, 1);
  return wrap(info.Env(), at::sum(t, optIntArrayRef(dim), argBool(info, 2, false), argDtype(info, 3)));
}

}  // namespace

void registerReduceOps(Napi::Env env, Napi::Object exports) { defineOp(env, exports, "sum", Sum); }

}  // namespace kiln
