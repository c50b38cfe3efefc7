// Storage-level access for checkpoint serialization (src/torch/serialization-adapter.ts): a tensor's storage
// identity, strides and raw bytes out, and tensors rebuilt in (sharing one storage between views, as PyTorch does).
#include <cstring>

#include "kiln.h"

namespace kiln {
namespace {

int64_t storageNumel(const at::Tensor& t) {
  return static_cast<int64_t>(t.storage().nbytes() / t.element_size());
}

// storageInfo(t): {key, numel, offset, stride, device}. The key identifies the storage (its data pointer and
// device), so views of one storage are saved once.
Napi::Value StorageInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = argTensor(info, 0);
  auto out = Napi::Object::New(env);
  char key[64];
  std::snprintf(key, sizeof key, "%p@%s", t.storage().data(), deviceName(t.device()).c_str());
  out.Set("key", key);
  out.Set("numel", static_cast<double>(storageNumel(t)));
  out.Set("offset", static_cast<double>(t.storage_offset()));
  auto strides = t.strides();
  auto stride = Napi::Array::New(env, strides.size());
  for (size_t k = 0; k < strides.size(); ++k) stride.Set(static_cast<uint32_t>(k), static_cast<double>(strides[k]));
  out.Set("stride", stride);
  out.Set("device", deviceName(t.device()));
  return out;
}

// storageBytes(t): a copy of the whole storage's bytes (copied to the CPU first for device tensors).
Napi::Value StorageBytes(const Napi::CallbackInfo& info) {
  const at::Tensor& t = argTensor(info, 0);
  int64_t numel = storageNumel(t);
  at::Tensor whole = at::empty({0}, t.options().requires_grad(false)).set_(t.storage(), 0, {numel}, {1}).cpu();
  size_t nbytes = static_cast<size_t>(numel) * t.element_size();
  auto out = Napi::Uint8Array::New(info.Env(), nbytes);
  if (nbytes > 0) std::memcpy(out.Data(), whole.const_data_ptr(), nbytes);
  return out;
}

// A corrupt file must not make a view that reaches past its storage: set_ would silently grow the storage
// with uninitialised memory instead of failing.
void checkViewFits(const std::vector<int64_t>& shape, const std::vector<int64_t>& stride, int64_t offset,
                   int64_t numel) {
  if (shape.size() != stride.size()) {
    throw ArgError("the tensor has " + std::to_string(shape.size()) + " sizes but " +
                   std::to_string(stride.size()) + " strides");
  }
  if (offset < 0) throw ArgError("negative storage offset " + std::to_string(offset));
  int64_t last = offset;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] < 0 || stride[k] < 0) throw ArgError("negative size or stride in dimension " + std::to_string(k));
    if (shape[k] == 0) return;  // an empty view reads nothing
    last += (shape[k] - 1) * stride[k];
  }
  if (last >= numel) {
    throw ArgError("the view (sizes " + std::string(c10::str(at::IntArrayRef(shape))) + ", strides " +
                   std::string(c10::str(at::IntArrayRef(stride))) + ", offset " + std::to_string(offset) +
                   ") reaches element " + std::to_string(last) + ", out of bounds for storage of " +
                   std::to_string(numel) + " elements");
  }
}

// fromStorageBytes(bytes, dtype, storageNumel, shape, stride, offset, shareWith?): a CPU tensor viewing a new
// storage filled from `bytes`, or the storage of `shareWith` (a tensor made earlier from the same bytes).
Napi::Value FromStorageBytes(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) throw ArgError("argument 1 must be a Uint8Array of storage bytes");
  auto bytes = info[0].As<Napi::Uint8Array>();
  auto dtype = argDtype(info, 1);
  if (!dtype) throw ArgError("argument 2 must be a dtype name");
  int64_t numel = argInt(info, 2);
  auto shape = argIntList(info, 3);
  auto stride = argIntList(info, 4);
  int64_t offset = argInt(info, 5);
  auto share = argOptTensor(info, 6);
  checkViewFits(shape, stride, offset, share ? storageNumel(*share) : numel);
  at::Tensor out = at::empty({0}, at::dtype(*dtype));
  if (share) {
    out.set_(share->storage(), offset, shape, stride);
    return wrap(info.Env(), std::move(out));
  }
  size_t nbytes = static_cast<size_t>(numel) * out.element_size();
  if (bytes.ByteLength() != nbytes) {
    throw ArgError("the storage holds " + std::to_string(numel) + " elements (" + std::to_string(nbytes) +
                   " bytes) but " + std::to_string(bytes.ByteLength()) + " bytes were given");
  }
  at::Tensor base = at::empty({numel}, at::dtype(*dtype));
  if (nbytes > 0) std::memcpy(base.data_ptr(), bytes.Data(), nbytes);
  out.set_(base.storage(), offset, shape, stride);  // set_ checks that the view fits in the storage
  return wrap(info.Env(), std::move(out));
}

}  // namespace

void registerStorageOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"storageInfo", StorageInfo, 1},
      {"storageBytes", StorageBytes, 1},
      {"fromStorageBytes", FromStorageBytes, 7},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
