// Tensor handles: a JS external owning one at::Tensor reference. Explicit dispose() frees it at once; the
// finalizer is only a safety net (on Node 20 it runs from the event loop, never inside a synchronous loop).
#include <atomic>

#include "kiln.h"

namespace kiln {
namespace {

constexpr uint32_t kBoxMagic = 0x6b696c6e;  // "kiln": rejects externals made by other addons

struct TensorBox {
  uint32_t magic = kBoxMagic;
  at::Tensor tensor;
  int64_t bytes = 0;
};

std::atomic<int64_t> gLiveTensors{0};
std::atomic<int64_t> gNativeBytes{0};

// V8 only needs a rough figure to schedule GC: batch the adjustments instead of one N-API call per tensor.
constexpr int64_t kAdjustEvery = 1 << 20;
thread_local int64_t tPendingBytes = 0;

void reportBytes(napi_env env, int64_t delta) {
  gNativeBytes.fetch_add(delta, std::memory_order_relaxed);
  tPendingBytes += delta;
  if (tPendingBytes >= kAdjustEvery || tPendingBytes <= -kAdjustEvery) {
    int64_t ignored;
    napi_adjust_external_memory(env, tPendingBytes, &ignored);
    tPendingBytes = 0;
  }
}

int64_t storageBytes(const at::Tensor& t) {
  auto* impl = t.unsafeGetTensorImpl();
  return impl->has_storage() ? static_cast<int64_t>(impl->unsafe_storage().nbytes()) : 0;
}

void release(napi_env env, TensorBox* box) {
  if (!box->tensor.defined()) return;
  box->tensor.reset();
  gLiveTensors.fetch_sub(1, std::memory_order_relaxed);
  reportBytes(env, -box->bytes);
}

void finalizeBox(napi_env env, void* data, void* /*hint*/) {
  auto* box = static_cast<TensorBox*>(data);
  release(env, box);
  delete box;
}

TensorBox* boxOf(const Napi::CallbackInfo& info, size_t i) {
  void* data = nullptr;
  if (i >= info.Length() || napi_get_value_external(info.Env(), info[i], &data) != napi_ok || data == nullptr ||
      static_cast<TensorBox*>(data)->magic != kBoxMagic) {
    throw ArgError("argument " + std::to_string(i + 1) + " is not a tensor");
  }
  return static_cast<TensorBox*>(data);
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  release(info.Env(), boxOf(info, 0));
  return info.Env().Undefined();
}

Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !boxOf(info, 0)->tensor.defined());
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  out.Set("liveTensors", static_cast<double>(gLiveTensors.load()));
  out.Set("nativeBytes", static_cast<double>(gNativeBytes.load()));
  return out;
}

}  // namespace

at::Tensor& argTensor(const Napi::CallbackInfo& info, size_t i) {
  TensorBox* box = boxOf(info, i);
  if (!box->tensor.defined()) {
    throw ArgError("argument " + std::to_string(i + 1) + " is a disposed tensor (used after dispose())");
  }
  return box->tensor;
}

std::optional<at::Tensor> argOptTensor(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return std::nullopt;
  return argTensor(info, i);
}

// Describes a handle for error messages without throwing (the guard calls it while reporting an error).
std::string describeHandle(napi_env env, napi_value v) {
  void* data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == nullptr) return "external";
  auto* box = static_cast<TensorBox*>(data);
  if (box->magic != kBoxMagic) return "external";
  return box->tensor.defined() ? describe(box->tensor) : "disposed tensor";
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  auto* box = new TensorBox();
  box->bytes = storageBytes(t);
  box->tensor = std::move(t);
  napi_value out;
  napi_status status = napi_create_external(env, box, finalizeBox, nullptr, &out);
  if (status != napi_ok) {
    delete box;
    throw Napi::Error::New(env, "could not create a tensor handle");
  }
  gLiveTensors.fetch_add(1, std::memory_order_relaxed);
  reportBytes(env, box->bytes);
  return Napi::Value(env, out);
}

Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto out = Napi::Array::New(env, ts.size());
  for (size_t k = 0; k < ts.size(); ++k) out.Set(static_cast<uint32_t>(k), wrap(env, ts[k]));
  return out;
}

std::vector<at::Tensor> argTensorList(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) {
    throw ArgError("argument " + std::to_string(i + 1) + " must be an array of tensors");
  }
  auto arr = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    void* data = nullptr;
    napi_value v = arr.Get(k);
    if (napi_get_value_external(info.Env(), v, &data) != napi_ok || data == nullptr ||
        static_cast<TensorBox*>(data)->magic != kBoxMagic) {
      throw ArgError("argument " + std::to_string(i + 1) + "[" + std::to_string(k) + "] is not a tensor");
    }
    auto& t = static_cast<TensorBox*>(data)->tensor;
    if (!t.defined()) {
      throw ArgError("argument " + std::to_string(i + 1) + "[" + std::to_string(k) + "] is a disposed tensor");
    }
    out.push_back(t);
  }
  return out;
}

void registerHandles(Napi::Env env, Napi::Object exports) {
  defineOp(env, exports, "dispose", Dispose);
  defineOp(env, exports, "isDisposed", IsDisposed);
  defineOp(env, exports, "stats", Stats);
}

}  // namespace kiln
