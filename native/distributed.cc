// torch.distributed on libtorch's c10d: a TCPStore (the server on rank 0) for rendezvous, and one default Gloo
// process group per process for the collectives (all-reduce, broadcast, barrier, all-gather). The calls block
// the JS thread until the collective is done: ranks are separate processes, so nothing else waits on it.
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "kiln.h"

// libtorch's wheels ship ProcessGroupGloo.hpp but not the gloo headers it includes, so it cannot be included.
// The class is declared here with the exported members Kiln calls (their mangled names match libtorch's) and a
// data layout mirroring the header's (the static_assert checks its size against libtorch's `new`), so `new`
// allocates the right size and the real constructor and virtual destructor do the rest. Kiln only calls it
// through the virtual interface of c10d::Backend, which is fully declared.
namespace gloo::transport {
class Device;
}

namespace c10d {
class ProcessGroupGloo : public Backend {
 public:
  struct Options : public Backend::Options {
    explicit Options(std::chrono::milliseconds timeout);
    std::vector<std::shared_ptr<::gloo::transport::Device>> devices;
    int threads{2};
  };
  static std::shared_ptr<::gloo::transport::Device> createDeviceForInterface(const std::string& interface,
                                                                              bool lazyInit);
  static std::shared_ptr<::gloo::transport::Device> createDeviceForHostname(const std::string& hostname,
                                                                             bool lazyInit);
  ProcessGroupGloo(const c10::intrusive_ptr<Store>& store, int rank, int size, c10::intrusive_ptr<Options> options);
  ~ProcessGroupGloo() override;

 private:
  // Layout only (ProcessGroupGloo.hpp, torch 2.13): never touched from here.
  std::shared_ptr<void> store_;
  c10::intrusive_ptr<Options> options_;
  std::vector<std::shared_ptr<void>> contexts_;
  std::vector<std::thread> threads_;
  bool stop_{false};
  uint32_t collectiveCounter_{0};
  std::deque<c10::intrusive_ptr<Work>> workQueue_;
  std::vector<c10::intrusive_ptr<Work>> workInProgress_;
  std::mutex workMutex_;
  std::condition_variable workProduceCV_;
  std::condition_variable workConsumeCV_;
  uint64_t seq_{0};
  size_t local_id_;
  std::shared_ptr<void> pgStatus_;
};
// libtorch 2.13's ProcessGroupGloo::split allocates 0x1e8 bytes for one.
static_assert(sizeof(ProcessGroupGloo) == 0x1e8, "ProcessGroupGloo layout differs from libtorch 2.13's");
}  // namespace c10d

namespace kiln {
namespace {

// The process's default group (torch.distributed's "WORLD"): one store, one Gloo backend.
struct World {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
  int rank = -1;
  int size = 0;
};
World world;

c10d::Store& requireStore() {
  if (!world.store) throw ArgError("the distributed store is not connected: call initProcessGroup first");
  return *world.store;
}

c10d::Backend& requireGroup() {
  if (!world.backend) {
    throw ArgError("the default process group is not initialized: call initProcessGroup first");
  }
  return *world.backend;
}

std::chrono::milliseconds argMillis(const Napi::CallbackInfo& info, size_t i) {
  int64_t ms = argInt(info, i);
  if (ms <= 0) throw ArgError("a timeout must be a positive number of milliseconds");
  return std::chrono::milliseconds(ms);
}

// distStoreConnect(host, port, isServer, timeoutMs): the TCPStore every rank rendezvous through; rank 0 hosts
// it. A client retries connecting until the timeout. Returns the port (the server's, when asked for port 0).
Napi::Value DistStoreConnect(const Napi::CallbackInfo& info) {
  if (world.store) throw ArgError("the distributed store is already connected (call destroyProcessGroup first)");
  c10d::TCPStoreOptions opts;
  int64_t port = argInt(info, 1);
  if (port < 0 || port > 65535) throw ArgError("the master port must be in 0..65535");
  opts.port = static_cast<uint16_t>(port);
  opts.isServer = argBool(info, 2, false);
  opts.waitWorkers = false;  // Kiln's TS side waits for the ranks itself, watching for ones that died
  opts.timeout = argMillis(info, 3);
  auto store = c10::make_intrusive<c10d::TCPStore>(argString(info, 0), opts);
  uint16_t bound = store->getPort();
  world.store = store;
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

// distStoreGet(key): the string under `key`, waiting for it up to the store's timeout.
Napi::Value DistStoreGet(const Napi::CallbackInfo& info) {
  auto bytes = requireStore().get(argString(info, 0));
  return Napi::String::New(info.Env(), std::string(bytes.begin(), bytes.end()));
}

// distStoreCheck(key): whether `key` is set (does not wait).
Napi::Value DistStoreCheck(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), requireStore().check({argString(info, 0)}));
}

// distInitGloo(rank, worldSize, timeoutMs): the Gloo process group over the connected store, on the loopback
// device (or on the interfaces in GLOO_SOCKET_IFNAME, as PyTorch reads it). Blocks until every rank joined.
Napi::Value DistInitGloo(const Napi::CallbackInfo& info) {
  requireStore();
  if (world.backend) throw ArgError("the default process group is already initialized");
  int64_t rank = argInt(info, 0);
  int64_t size = argInt(info, 1);
  if (size < 1 || rank < 0 || rank >= size) {
    throw ArgError("rank " + std::to_string(rank) + " is not in 0..worldSize-1 (worldSize " +
                   std::to_string(size) + ")");
  }
  auto timeout = argMillis(info, 2);
  auto options = c10::make_intrusive<c10d::ProcessGroupGloo::Options>(timeout);
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
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1", false));
  }
  world.store->setTimeout(timeout);
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("kiln_default_pg/", world.store);
  world.backend = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, static_cast<int>(rank),
                                                              static_cast<int>(size), options);
  world.rank = static_cast<int>(rank);
  world.size = static_cast<int>(size);
  return info.Env().Undefined();
}

c10d::ReduceOp parseReduceOp(const std::string& name) {
  if (name == "sum" || name == "avg") return c10d::ReduceOp(c10d::ReduceOp::SUM);
  if (name == "max") return c10d::ReduceOp(c10d::ReduceOp::MAX);
  if (name == "min") return c10d::ReduceOp(c10d::ReduceOp::MIN);
  if (name == "product") return c10d::ReduceOp(c10d::ReduceOp::PRODUCT);
  throw ArgError("unknown reduce op \"" + name + "\" (use sum, avg, max, min or product)");
}

// Gloo reads and writes dense contiguous buffers: collectives run on contiguous stand-ins, copied back after.
std::vector<at::Tensor> contiguousStandIns(const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> out;
  out.reserve(tensors.size());
  for (const auto& t : tensors) out.push_back(t.is_contiguous() ? t : t.contiguous());
  return out;
}

void copyBack(std::vector<at::Tensor>& originals, const std::vector<at::Tensor>& standIns) {
  for (size_t i = 0; i < originals.size(); i++) {
    if (!originals[i].is_same(standIns[i])) originals[i].copy_(standIns[i]);
  }
}

// A c10d tensor list means one buffer replicated on several devices (same shape and dtype), so a list of
// different tensors is one collective each: all are started, then all waited for (Gloo runs them in order).
template <typename Start>
void runPerTensor(std::vector<at::Tensor>& tensors, Start start) {
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  std::vector<std::vector<at::Tensor>> singles;
  singles.reserve(tensors.size());
  for (auto& t : tensors) {
    singles.push_back({t});
    works.push_back(start(singles.back()));
  }
  for (auto& w : works) w->wait();
}

// Gloo has no AVG: Kiln divides a sum by the world size, which needs floating-point tensors (complex too where
// the tensors are reduced one by one; the coalesced path packs real buffers only).
void checkAvgOperands(const std::vector<at::Tensor>& tensors, bool complexOk) {
  for (const auto& t : tensors) {
    bool ok = at::isFloatingType(t.scalar_type()) || (complexOk && at::isComplexType(t.scalar_type()));
    if (!ok) throw ArgError(std::string("allReduce(op=\"avg\") needs floating-point tensors, got ") + describe(t));
  }
}

// distAllReduce(tensors, op): reduces every tensor across ranks, in place. Gloo has no AVG: avg is a sum
// divided by the world size, for floating-point tensors only.
Napi::Value DistAllReduce(const Napi::CallbackInfo& info) {
  auto& group = requireGroup();
  auto tensors = argTensorList(info, 0);
  std::string op = argString(info, 1);
  c10d::AllreduceOptions opts;
  opts.reduceOp = parseReduceOp(op);
  if (op == "avg") checkAvgOperands(tensors, /*complexOk=*/true);
  if (tensors.empty()) return info.Env().Undefined();
  auto work = contiguousStandIns(tensors);
  runPerTensor(work, [&](std::vector<at::Tensor>& one) { return group.allreduce(one, opts); });
  if (op == "avg") {
    for (auto& t : work) t.div_(world.size);
  }
  copyBack(tensors, work);
  return info.Env().Undefined();
}

// The source rank of a broadcast: an argument that must name a rank of the group.
int64_t argSourceRank(const Napi::CallbackInfo& info, size_t i) {
  int64_t src = argInt(info, i);
  if (src < 0 || src >= world.size) {
    throw ArgError("broadcast source rank " + std::to_string(src) + " is not in 0.." + std::to_string(world.size - 1));
  }
  return src;
}

// distBroadcast(tensors, src): every rank's tensors take rank `src`'s values, in place.
Napi::Value DistBroadcast(const Napi::CallbackInfo& info) {
  auto& group = requireGroup();
  auto tensors = argTensorList(info, 0);
  int64_t src = argSourceRank(info, 1);
  if (tensors.empty()) return info.Env().Undefined();
  c10d::BroadcastOptions opts;
  opts.rootRank = src;
  auto work = contiguousStandIns(tensors);
  runPerTensor(work, [&](std::vector<at::Tensor>& one) { return group.broadcast(one, opts); });
  copyBack(tensors, work);
  return info.Env().Undefined();
}

// The tensors packed into one flat buffer per dtype, so that a whole model's gradients or parameters cost one
// collective per dtype (DDP buckets them the same way); `run` reduces or broadcasts a buffer in place, and the
// results are copied back. Autograd is off: parameters are leaves that require grad.
template <typename Run>
void coalesced(std::vector<at::Tensor>& tensors, Run run) {
  at::NoGradGuard noGrad;
  std::map<at::ScalarType, std::vector<size_t>> byDtype;
  for (size_t i = 0; i < tensors.size(); i++) byDtype[tensors[i].scalar_type()].push_back(i);
  for (auto& [dtype, members] : byDtype) {
    std::vector<at::Tensor> flats;
    flats.reserve(members.size());
    for (size_t i : members) flats.push_back(tensors[i].reshape({-1}));
    std::vector<at::Tensor> buffer{at::cat(flats)};
    run(buffer);
    int64_t offset = 0;
    for (size_t i : members) {
      auto& t = tensors[i];
      t.copy_(buffer[0].narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

// distAllReduceCoalesced(tensors, op): allReduce of many tensors (any shapes) through one buffer per dtype.
Napi::Value DistAllReduceCoalesced(const Napi::CallbackInfo& info) {
  auto& group = requireGroup();
  auto tensors = argTensorList(info, 0);
  std::string op = argString(info, 1);
  c10d::AllreduceOptions opts;
  opts.reduceOp = parseReduceOp(op);
  if (op == "avg") checkAvgOperands(tensors, /*complexOk=*/false);
  coalesced(tensors, [&](std::vector<at::Tensor>& buffer) {
    group.allreduce(buffer, opts)->wait();
    if (op == "avg") buffer[0].div_(world.size);
  });
  return info.Env().Undefined();
}

// distBroadcastCoalesced(tensors, src): broadcast of many tensors (any shapes) through one buffer per dtype.
Napi::Value DistBroadcastCoalesced(const Napi::CallbackInfo& info) {
  auto& group = requireGroup();
  auto tensors = argTensorList(info, 0);
  int64_t src = argSourceRank(info, 1);
  c10d::BroadcastOptions opts;
  opts.rootRank = src;
  coalesced(tensors, [&](std::vector<at::Tensor>& buffer) { group.broadcast(buffer, opts)->wait(); });
  return info.Env().Undefined();
}

// distBarrier(): returns once every rank has called it.
Napi::Value DistBarrier(const Napi::CallbackInfo& info) {
  requireGroup().barrier()->wait();
  return info.Env().Undefined();
}

// distAllGather(tensor): every rank's `tensor` (same shape and dtype on all ranks), in rank order.
Napi::Value DistAllGather(const Napi::CallbackInfo& info) {
  auto& group = requireGroup();
  auto input = argTensor(info, 0).contiguous();
  std::vector<at::Tensor> inputs{input};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < world.size; r++) outputs[0].push_back(at::empty_like(input));
  group.allgather(outputs, inputs)->wait();
  return wrapList(info.Env(), outputs[0]);
}

// distDestroy(): drops the process group (joining Gloo's threads) and disconnects from the store.
Napi::Value DistDestroy(const Napi::CallbackInfo& info) {
  world = World{};
  return info.Env().Undefined();
}

// distState(): {initialized, rank, worldSize} of the default group.
Napi::Value DistState(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  out.Set("initialized", static_cast<bool>(world.backend));
  out.Set("rank", world.rank);
  out.Set("worldSize", world.size);
  return out;
}

}  // namespace

void registerDistributedOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"distStoreConnect", DistStoreConnect, 4},
      {"distStoreAdd", DistStoreAdd, 2},
      {"distStoreSet", DistStoreSet, 2},
      {"distStoreGet", DistStoreGet, 1},
      {"distStoreCheck", DistStoreCheck, 1},
      {"distInitGloo", DistInitGloo, 3},
      {"distAllReduce", DistAllReduce, 2},
      {"distBroadcast", DistBroadcast, 2},
      {"distAllReduceCoalesced", DistAllReduceCoalesced, 2},
      {"distBroadcastCoalesced", DistBroadcastCoalesced, 2},
      {"distBarrier", DistBarrier, 0},
      {"distAllGather", DistAllGather, 1},
      {"distDestroy", DistDestroy, 0},
      {"distState", DistState, 0},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
