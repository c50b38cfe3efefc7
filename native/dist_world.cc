// torch.distributed's rendezvous and groups on libtorch's c10d, through its public headers: a TCPStore (hosted
// by rank 0, or by a torchrun agent), then the two groups of dist.h. ProcessGroupGloo.hpp needs gloo's
// headers, which the wheels do not ship: native/third_party/gloo holds the few it includes (declarations
// only; the code is libtorch's), so the class layout always comes from the libtorch being compiled against.
#define USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>

#include "dist.h"

namespace kiln {

DistWorld& distWorld() {
  static DistWorld world;
  return world;
}

c10d::Store& requireStore() {
  auto& w = distWorld();
  if (!w.store) throw ArgError("the distributed store is not connected: call initProcessGroup first");
  return *w.store;
}

DistWorld& requireGroups() {
  auto& w = distWorld();
  if (!w.control || !w.data) {
    throw ArgError("the default process group is not initialized: call initProcessGroup first");
  }
  return w;
}

c10::intrusive_ptr<c10d::Backend> dataBackendFor(const at::Device& device) {
  auto& w = requireGroups();
  if (!w.data->hasBackendForDeviceType(device.type())) {
    throw ArgError("the process group has no backend for " + deviceName(device) +
                   " tensors (Gloo serves the CPU; NCCL serves CUDA in the CUDA build, when the group was " +
                   "created with a GPU)");
  }
  return w.data->getBackend(device.type());
}

namespace {

std::chrono::milliseconds argMillis(const Napi::CallbackInfo& info, size_t i) {
  int64_t ms = argInt(info, i);
  if (ms <= 0) throw ArgError("a timeout must be a positive number of milliseconds");
  return std::chrono::milliseconds(ms);
}

// distStoreConnect(host, port, isServer, timeoutMs, prefix?): the TCPStore every rank rendezvous through.
// The server (rank 0, unless a torchrun agent hosts the store) binds `port` (0: any free port); clients retry
// until the timeout. `prefix` scopes every key (torchrun's "/worker/attempt_<restart>"). Returns the port.
Napi::Value DistStoreConnect(const Napi::CallbackInfo& info) {
  auto& w = distWorld();
  if (w.store) throw ArgError("the distributed store is already connected (call destroyProcessGroup first)");
  c10d::TCPStoreOptions opts;
  int64_t port = argInt(info, 1);
  if (port < 0 || port > 65535) throw ArgError("the master port must be in 0..65535");
  opts.port = static_cast<uint16_t>(port);
  opts.isServer = argBool(info, 2, false);
  opts.waitWorkers = false;  // the TS side waits for the ranks itself, watching for ones that died
  opts.timeout = argMillis(info, 3);
  auto tcp = c10::make_intrusive<c10d::TCPStore>(argString(info, 0), opts);
  uint16_t bound = tcp->getPort();
  std::string prefix = argOptString(info, 4).value_or("");
  if (prefix.empty()) {
    w.store = tcp;
  } else {
    w.store = c10::make_intrusive<c10d::PrefixStore>(prefix, tcp);
  }
  return Napi::Number::New(info.Env(), bound);
}

// distStoreAdd(key, delta): atomically adds to a counter in the store and returns the new value.
Napi::Value DistStoreAdd(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(requireStore().add(argString(info, 0), argInt(info, 1))));
}

// distStoreSet(key, value): stores a string.
Napi::Value DistStoreSet(const Napi::CallbackInfo& info) {
  std::string value = argString(info, 1);
  requireStore().set(argString(info, 0), std::vector<uint8_t>(value.begin(), value.end()));
  return info.Env().Undefined();
}

// distStoreGet(key, timeoutMs?): the string under `key`, waiting for it up to the timeout (default: the
// store's).
Napi::Value DistStoreGet(const Napi::CallbackInfo& info) {
  auto& store = requireStore();
  std::string key = argString(info, 0);
  if (auto ms = argOptInt(info, 1)) store.wait({key}, std::chrono::milliseconds(std::max<int64_t>(1, *ms)));
  auto bytes = store.get(key);
  return Napi::String::New(info.Env(), std::string(bytes.begin(), bytes.end()));
}

// distStoreCheck(key): whether `key` is set (does not wait).
Napi::Value DistStoreCheck(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), requireStore().check({argString(info, 0)}));
}

// A Gloo backend over `store`: on the loopback interface when every rank is on this machine, on the
// interfaces in GLOO_SOCKET_IFNAME when set (as PyTorch reads it), else on the address this host's name
// resolves to (PyTorch's default device).
c10::intrusive_ptr<c10d::Backend> makeGloo(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                           std::chrono::milliseconds timeout, bool loopback) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  const char* ifnames = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifnames != nullptr && ifnames[0] != '\0') {
    std::string all(ifnames);
    size_t start = 0;
    while (start <= all.size()) {
      size_t end = all.find(',', start);
      if (end == std::string::npos) end = all.size();
      if (end > start) {
        options->devices.push_back(
            c10d::ProcessGroupGloo::createDeviceForInterface(all.substr(start, end - start), false));
      }
      start = end + 1;
    }
  } else if (loopback) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1", false));
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice(false));
  }
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
}

// distInitGroups(rank, worldSize, timeoutMs, loopback, nccl): the control and data groups over the connected
// store; `nccl` adds ProcessGroupNCCL for CUDA tensors to the data group (CUDA build only). Blocks until
// every rank has joined.
Napi::Value DistInitGroups(const Napi::CallbackInfo& info) {
  auto& w = distWorld();
  requireStore();
  if (w.control) throw ArgError("the default process group is already initialized");
  int64_t rank = argInt(info, 0);
  int64_t size = argInt(info, 1);
  if (size < 1 || rank < 0 || rank >= size) {
    throw ArgError("rank " + std::to_string(rank) + " is not in 0..worldSize-1 (worldSize " +
                   std::to_string(size) + ")");
  }
  auto timeout = argMillis(info, 2);
  bool loopback = argBool(info, 3, true);
  bool nccl = argBool(info, 4, false);
#ifndef KILN_WITH_NCCL
  if (nccl) {
    throw ArgError("NCCL is not available: this addon was built without CUDA; build the CUDA addon "
                   "(node scripts/build-cuda-addon.mjs) against a CUDA libtorch");
  }
#endif
  w.store->setTimeout(timeout);
  int r = static_cast<int>(rank), n = static_cast<int>(size);
  auto controlStore = c10::make_intrusive<c10d::PrefixStore>("kiln_control/", w.store);
  auto dataStore = c10::make_intrusive<c10d::PrefixStore>("kiln_data/", w.store);
  try {
    auto control = makeGloo(controlStore, r, n, timeout, loopback);
    auto data = c10::make_intrusive<c10d::ProcessGroup>(dataStore, r, n);
    auto gloo = makeGloo(c10::make_intrusive<c10d::PrefixStore>("gloo/", dataStore), r, n, timeout, loopback);
    data->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, gloo);
    data->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
#ifdef KILN_WITH_NCCL
    if (nccl) {
      auto backend = makeNcclBackend(c10::make_intrusive<c10d::PrefixStore>("nccl/", dataStore), r, n, timeout);
      data->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::BackendType::NCCL, backend);
    }
#endif
    w.control = control;
    w.data = data;
  } catch (...) {
    w.control.reset();
    w.data.reset();
    throw;
  }
  w.rank = r;
  w.size = n;
  w.timeout = timeout;
  w.sequence = 0;
  return info.Env().Undefined();
}

// distDestroy(): drops both groups (joining their threads) and disconnects from the store.
Napi::Value DistDestroy(const Napi::CallbackInfo& info) {
  distWorld() = DistWorld{};
  return info.Env().Undefined();
}

// distState(): {initialized, rank, worldSize, nccl} of the default group.
Napi::Value DistState(const Napi::CallbackInfo& info) {
  auto& w = distWorld();
  auto out = Napi::Object::New(info.Env());
  out.Set("initialized", static_cast<bool>(w.control));
  out.Set("rank", w.rank);
  out.Set("worldSize", w.size);
  out.Set("nccl", w.data ? w.data->hasBackendForDeviceType(c10::DeviceType::CUDA) : false);
  return out;
}

// distNcclAvailable(): whether this addon was built with ProcessGroupNCCL (the CUDA build).
Napi::Value DistNcclAvailable(const Napi::CallbackInfo& info) {
#ifdef KILN_WITH_NCCL
  return Napi::Boolean::New(info.Env(), true);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

void registerDistributedOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"distStoreConnect", DistStoreConnect, 5},
      {"distStoreAdd", DistStoreAdd, 2},
      {"distStoreSet", DistStoreSet, 2},
      {"distStoreGet", DistStoreGet, 2},
      {"distStoreCheck", DistStoreCheck, 1},
      {"distInitGroups", DistInitGroups, 5},
      {"distDestroy", DistDestroy, 0},
      {"distState", DistState, 0},
      {"distNcclAvailable", DistNcclAvailable, 0},
  };
  defineOps(env, exports, kOps);
  registerDistCollectives(env, exports);
  registerDistDdp(env, exports);
  registerDistSyncBatchNorm(env, exports);
}

}  // namespace kiln
