// Shape and indexing ops: views, joins, splits, gathers.
#include "kiln.h"

namespace kiln {
namespace {

// reshape(t, shape)
Napi::Value Reshape(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::reshape(argTensor(info, 0), argIntList(info, 1)));
}

}  // namespace

void registerShapeOps(Napi::Env env, Napi::Object exports) { defineOp(env, exports, "reshape", Reshape); }

}  // namespace kiln
