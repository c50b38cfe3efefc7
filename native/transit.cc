// Tensors in transit between threads (DataLoader workers): handles never cross threads (each thread has its own
// handle table, handle.cc), so a tensor leaves one thread as a numbered entry here, sharing its storage (no copy),
// and enters another thread's table when adopted.
#include <mutex>
#include <unordered_map>

#include "kiln.h"

namespace kiln {
namespace {

std::mutex gSharedMutex;
std::unordered_map<uint64_t, at::Tensor> gShared;
uint64_t gNextShared = 1;

// shareTensors(handles) -> ids: each tensor placed in transit; the handles stay valid in this thread.
Napi::Value ShareTensors(const Napi::CallbackInfo& info) {
  std::vector<at::Tensor> ts = argTensorList(info, 0);
  auto out = Napi::Array::New(info.Env(), ts.size());
  std::lock_guard<std::mutex> lock(gSharedMutex);
  for (size_t k = 0; k < ts.size(); ++k) {
    uint64_t id = gNextShared++;
    gShared.emplace(id, std::move(ts[k]));
    out.Set(static_cast<uint32_t>(k), static_cast<double>(id));
  }
  return out;
}

std::vector<uint64_t> argIds(const Napi::CallbackInfo& info, size_t i) {
  std::vector<int64_t> ids = argIntList(info, i);
  return {ids.begin(), ids.end()};
}

// adoptTensors(ids) -> handles: takes each tensor out of transit into this thread's table (each id once).
Napi::Value AdoptTensors(const Napi::CallbackInfo& info) {
  std::vector<uint64_t> ids = argIds(info, 0);
  std::vector<at::Tensor> ts;
  ts.reserve(ids.size());
  {
    std::lock_guard<std::mutex> lock(gSharedMutex);
    for (uint64_t id : ids) {
      if (gShared.find(id) == gShared.end()) {
        throw ArgError("shared tensor " + std::to_string(id) + " is not in transit (adopted or dropped already)");
      }
    }
    for (uint64_t id : ids) {
      auto it = gShared.find(id);
      ts.push_back(std::move(it->second));
      gShared.erase(it);
    }
  }
  return wrapList(info.Env(), ts);
}

// dropSharedTensors(ids): releases tensors in transit that nobody will adopt (unknown ids are ignored).
Napi::Value DropSharedTensors(const Napi::CallbackInfo& info) {
  std::vector<uint64_t> ids = argIds(info, 0);
  std::vector<at::Tensor> dying;  // destroyed after the lock is released
  {
    std::lock_guard<std::mutex> lock(gSharedMutex);
    for (uint64_t id : ids) {
      auto it = gShared.find(id);
      if (it == gShared.end()) continue;
      dying.push_back(std::move(it->second));
      gShared.erase(it);
    }
  }
  return info.Env().Undefined();
}

// sharedTensorCount(): tensors in transit (tests check that none leak).
Napi::Value SharedTensorCount(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(gSharedMutex);
  return Napi::Number::New(info.Env(), static_cast<double>(gShared.size()));
}

}  // namespace

void registerTransitOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"shareTensors", ShareTensors, 1},
      {"adoptTensors", AdoptTensors, 1},
      {"dropSharedTensors", DropSharedTensors, 1},
      {"sharedTensorCount", SharedTensorCount, 0},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
