// Neural-network functional ops (activations, losses, layers).
#include "kiln.h"

namespace kiln {
namespace {

// relu(t)
Napi::Value Relu(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::relu(argTensor(info, 0))); }

}  // namespace

void registerNnOps(Napi::Env env, Napi::Object exports) { defineOp(env, exports, "relu", Relu); }

}  // namespace kiln
