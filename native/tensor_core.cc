// What every tensor has: properties, conversion to and from JS typed arrays, to(), and autograd state.
#include <c10/core/GradMode.h>

#include <cstring>

#include "kiln.h"

namespace kiln {
namespace {

at::ScalarType typedArrayDtype(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return at::kFloat;
    case napi_float64_array: return at::kDouble;
    case napi_int32_array: return at::kInt;
    case napi_int16_array: return at::kShort;
    case napi_int8_array: return at::kChar;
    case napi_uint8_array:
    case napi_uint8_clamped_array: return at::kByte;
    case napi_bigint64_array: return at::kLong;
    default: throw ArgError("unsupported typed array (use Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array)");
  }
}

// fromTypedArray(array, shape, dtype?, device?): copies the JS data into a new CPU tensor, then converts.
Napi::Value FromTypedArray(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) throw ArgError("argument 1 must be a typed array");
  auto ta = info[0].As<Napi::TypedArray>();
  auto shape = argIntList(info, 1);
  at::Tensor t = at::empty(shape, at::dtype(typedArrayDtype(ta.TypedArrayType())));
  if (static_cast<size_t>(t.numel()) != ta.ElementLength()) {
    throw ArgError("shape " + std::string(c10::str(t.sizes())) + " holds " + std::to_string(t.numel()) +
                   " elements but the array has " + std::to_string(ta.ElementLength()));
  }
  std::memcpy(t.data_ptr(), static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength());
  auto dtype = argDtype(info, 2);
  auto device = argDevice(info, 3);
  if (dtype && *dtype != t.scalar_type()) t = t.to(*dtype);
  if (device && *device != t.device()) t = t.to(*device);
  return wrap(info.Env(), std::move(t));
}

// fromTypedArrayShared(array, shape): a CPU tensor over the JS memory (explicit zero-copy opt-in). The tensor
// keeps the ArrayBuffer alive through a reference, dropped when the storage dies.
Napi::Value FromTypedArrayShared(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) throw ArgError("argument 1 must be a typed array");
  auto ta = info[0].As<Napi::TypedArray>();
  auto shape = argIntList(info, 1);
  int64_t numel = 1;
  for (int64_t s : shape) numel *= s;
  if (static_cast<size_t>(numel) != ta.ElementLength()) {
    throw ArgError("shape holds " + std::to_string(numel) + " elements but the array has " +
                   std::to_string(ta.ElementLength()));
  }
  napi_env env = info.Env();
  napi_ref ref;
  if (napi_create_reference(env, ta.ArrayBuffer(), 1, &ref) != napi_ok) throw ArgError("cannot reference array");
  void* data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  // Storage dies on the JS thread: libtorch runs CPU kernels and CPU autograd on the calling thread.
  at::Tensor t = at::from_blob(
      data, shape, [env, ref](void*) { napi_delete_reference(env, ref); },
      at::dtype(typedArrayDtype(ta.TypedArrayType())));
  return wrap(env, std::move(t));
}

template <typename T, typename Array>
Napi::Value copyOut(Napi::Env env, const at::Tensor& t) {
  size_t n = static_cast<size_t>(t.numel());
  auto out = Array::New(env, n);
  if (n > 0) std::memcpy(out.Data(), t.data_ptr(), n * sizeof(T));
  return out;
}

// toTypedArray(t): a flat copy in a typed array matching the dtype (float16/bfloat16 widen to Float32Array,
// bool comes out as Uint8Array of 0/1, int64 as BigInt64Array).
Napi::Value ToTypedArray(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor t = argTensor(info, 0).detach().cpu();
  if (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) t = t.to(at::kFloat);
  t = t.contiguous();
  switch (t.scalar_type()) {
    case at::kFloat: return copyOut<float, Napi::Float32Array>(env, t);
    case at::kDouble: return copyOut<double, Napi::Float64Array>(env, t);
    case at::kInt: return copyOut<int32_t, Napi::Int32Array>(env, t);
    case at::kShort: return copyOut<int16_t, Napi::Int16Array>(env, t);
    case at::kChar: return copyOut<int8_t, Napi::Int8Array>(env, t);
    case at::kByte:
    case at::kBool: return copyOut<uint8_t, Napi::Uint8Array>(env, t);
    case at::kLong: return copyOut<int64_t, Napi::BigInt64Array>(env, t);
    default: throw ArgError(std::string("cannot copy out dtype ") + dtypeName(t.scalar_type()));
  }
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  at::Scalar s = argTensor(info, 0).item();
  if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
  return Napi::Number::New(info.Env(), s.toDouble());
}

Napi::Value Shape(const Napi::CallbackInfo& info) {
  auto sizes = argTensor(info, 0).sizes();
  auto out = Napi::Array::New(info.Env(), sizes.size());
  for (size_t k = 0; k < sizes.size(); ++k) out.Set(static_cast<uint32_t>(k), static_cast<double>(sizes[k]));
  return out;
}

Napi::Value Dtype(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dtypeName(argTensor(info, 0).scalar_type()));
}

Napi::Value Device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), deviceName(argTensor(info, 0).device()));
}

Napi::Value Numel(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(argTensor(info, 0).numel()));
}

Napi::Value Dim(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(argTensor(info, 0).dim()));
}

// to(t, dtype?, device?, copy?)
Napi::Value To(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto dtype = argDtype(info, 1).value_or(t.scalar_type());
  auto device = argDevice(info, 2).value_or(t.device());
  bool copy = argBool(info, 3, false);
  return wrap(info.Env(), t.to(device, dtype, /*non_blocking=*/false, copy));
}

// pinMemory(t): a copy in page-locked memory (needs a CUDA libtorch: ATen refuses without a pinned allocator).
Napi::Value PinMemory(const Napi::CallbackInfo& info) { return wrap(info.Env(), argTensor(info, 0).pin_memory()); }

Napi::Value IsPinned(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), argTensor(info, 0).is_pinned());
}

// ---- autograd -------------------------------------------------------------------------------------------

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), argTensor(info, 0).requires_grad());
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  argTensor(info, 0).set_requires_grad(argBool(info, 1, true));
  return info.Env().Undefined();
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), argTensor(info, 0).is_leaf());
}

// backward(t, gradient?, retainGraph?, createGraph?)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  auto gradient = argOptTensor(info, 1).value_or(at::Tensor());
  t.backward(gradient, argOptBool(info, 2), argBool(info, 3, false));
  return info.Env().Undefined();
}

Napi::Value Grad(const Napi::CallbackInfo& info) { return wrap(info.Env(), argTensor(info, 0).grad()); }

// setGrad(t, grad | null): null unsets the gradient (Python's `p.grad = None`).
Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  argTensor(info, 0).mutable_grad() = argOptTensor(info, 1).value_or(at::Tensor());
  return info.Env().Undefined();
}

// zeroGrad(t): zeroes an existing gradient in place (PyTorch's zero_grad(set_to_none=False)).
Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
  at::Tensor& g = argTensor(info, 0).mutable_grad();
  if (g.defined()) {
    if (g.grad_fn()) g = g.detach();
    else g.requires_grad_(false);
    g.zero_();
  }
  return info.Env().Undefined();
}

Napi::Value RetainGrad(const Napi::CallbackInfo& info) {
  argTensor(info, 0).retain_grad();
  return info.Env().Undefined();
}

Napi::Value Detach(const Napi::CallbackInfo& info) { return wrap(info.Env(), argTensor(info, 0).detach()); }

Napi::Value Detach_(const Napi::CallbackInfo& info) {
  argTensor(info, 0).detach_();
  return info.Env().Undefined();
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

// setGradEnabled(enabled) -> the previous state, so the TS scope can restore it.
Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool previous = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(argBool(info, 0, true));
  return Napi::Boolean::New(info.Env(), previous);
}

}  // namespace

void registerTensorCore(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"fromTypedArray", FromTypedArray, 4},
      {"fromTypedArrayShared", FromTypedArrayShared, 2},
      {"toTypedArray", ToTypedArray, 1},
      {"item", Item, 1},
      {"shape", Shape, 1},
      {"dtype", Dtype, 1},
      {"device", Device, 1},
      {"numel", Numel, 1},
      {"dim", Dim, 1},
      {"to", To, 4},
      {"pinMemory", PinMemory, 1},
      {"isPinned", IsPinned, 1},
      {"requiresGrad", RequiresGrad, 1},
      {"setRequiresGrad", SetRequiresGrad, 2},
      {"isLeaf", IsLeaf, 1},
      {"backward", Backward, 4},
      {"grad", Grad, 1},
      {"setGrad", SetGrad, 2},
      {"zeroGrad", ZeroGrad, 1},
      {"retainGrad", RetainGrad, 1},
      {"detach", Detach, 1},
      {"detach_", Detach_, 1},
      {"isGradEnabled", IsGradEnabled, 0},
      {"setGradEnabled", SetGradEnabled, 1},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
