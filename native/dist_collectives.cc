// The collectives JS starts (torch.distributed's all_reduce, broadcast, all_gather, barrier, object broadcast).
// Each runs on the control group after a fingerprint check: every rank all-reduces the same fixed-size
// int64 record [sequence, kind, tag, dtypes, numel, shapes, argument] (as max of the record and of its
// negation), so ranks that reached different collectives find out together, with an error naming what each
// rank ran, before any payload of a different size could reach Gloo's I/O thread. CPU payloads go through
// the control group after the check; CUDA payloads through the data group's NCCL backend.
#include <map>

#include "dist.h"

namespace kiln {
namespace {

const char* kindName(int64_t kind) {
  switch (kind) {
    case kAllReduce: return "allReduce";
    case kBroadcast: return "broadcast";
    case kAllReduceCoalesced: return "allReduceCoalesced";
    case kBroadcastCoalesced: return "broadcastCoalesced";
    case kBarrier: return "barrier";
    case kAllGather: return "allGather";
    case kBroadcastObject: return "broadcastObject";
    case kDdpForward: return "DDP forward";
    default: return "collective";
  }
}

// 62-bit FNV-1a: small enough that the record's negation cannot overflow.
constexpr int64_t kMask = (int64_t(1) << 62) - 1;
int64_t mix(int64_t h, uint64_t v) {
  uint64_t x = static_cast<uint64_t>(h);
  for (int i = 0; i < 8; i++) {
    x ^= (v >> (8 * i)) & 0xff;
    x *= 1099511628211ULL;
  }
  return static_cast<int64_t>(x) & kMask;
}
int64_t hashString(const std::string& s) {
  int64_t h = static_cast<int64_t>(14695981039346656037ULL & kMask);
  for (unsigned char c : s) h = mix(h, c);
  return h;
}

constexpr size_t kFields = 7;

std::string describeList(const std::vector<at::Tensor>& tensors) {
  std::string out;
  for (size_t i = 0; i < tensors.size() && i < 6; i++) out += (i ? ", " : "") + describe(tensors[i]);
  if (tensors.size() > 6) out += ", ... (" + std::to_string(tensors.size()) + " tensors)";
  return out;
}

}  // namespace

int64_t preflight(DistWorld& w, const Check& c, const std::vector<at::Tensor>& tensors) {
  int64_t seq = ++w.sequence;
  int64_t dtypes = 0, shapes = 0, numel = 0;
  for (const auto& t : tensors) {
    dtypes = mix(dtypes, static_cast<uint64_t>(t.scalar_type()) * 64 + static_cast<uint64_t>(t.device().type()));
    shapes = mix(shapes, static_cast<uint64_t>(t.dim()));
    for (auto s : t.sizes()) shapes = mix(shapes, static_cast<uint64_t>(s));
    numel += t.numel();
  }
  int64_t record[kFields] = {seq, c.kind, hashString(c.tag), dtypes, numel & kMask, shapes, c.arg};
  auto buf = at::empty({static_cast<int64_t>(2 * kFields)}, at::kLong);
  auto* p = buf.data_ptr<int64_t>();
  for (size_t i = 0; i < kFields; i++) {
    p[i] = record[i];
    p[kFields + i] = -record[i];
  }
  std::vector<at::Tensor> one{buf};
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp(c10d::ReduceOp::MAX);
  w.control->allreduce(one, opts)->wait();
  bool same = true;
  for (size_t i = 0; i < kFields; i++) same = same && p[i] == -p[kFields + i];
  if (same) return seq;

  std::string prefix = "kiln/mismatch/" + std::to_string(seq) + "/";
  std::string mine = c.what;
  w.store->set(prefix + std::to_string(w.rank), std::vector<uint8_t>(mine.begin(), mine.end()));
  std::string message = "collective mismatch at collective #" + std::to_string(seq) +
                        ": the ranks called different collectives (or in a different order), so they would "
                        "exchange unrelated data;";
  for (int r = 0; r < w.size; r++) {
    std::string theirs = "(did not say within 2 s)";
    try {
      w.store->wait({prefix + std::to_string(r)}, std::chrono::milliseconds(2000));
      auto bytes = w.store->get(prefix + std::to_string(r));
      theirs = std::string(bytes.begin(), bytes.end());
    } catch (const std::exception&) {
    }
    message += " rank " + std::to_string(r) + " ran " + theirs + (r + 1 < w.size ? ";" : ".");
  }
  message += " Every rank must run the same collectives in the same order (e.g. a metric computed, or a "
             "value synced, on one rank only).";
  throw std::runtime_error(message);
}

namespace {

c10d::ReduceOp parseReduceOp(const std::string& name, int64_t* code) {
  static const std::map<std::string, std::pair<c10d::ReduceOp::RedOpType, int64_t>> ops = {
      {"sum", {c10d::ReduceOp::SUM, 1}}, {"avg", {c10d::ReduceOp::SUM, 2}},
      {"max", {c10d::ReduceOp::MAX, 3}}, {"min", {c10d::ReduceOp::MIN, 4}},
      {"product", {c10d::ReduceOp::PRODUCT, 5}}};
  auto it = ops.find(name);
  if (it == ops.end()) throw ArgError("unknown reduce op \"" + name + "\" (use sum, avg, max, min or product)");
  *code = it->second.second;
  return c10d::ReduceOp(it->second.first);
}

// The group that carries a payload: the control group for CPU tensors (right after its check), the data
// group's NCCL backend for CUDA tensors.
c10::intrusive_ptr<c10d::Backend> payloadGroup(DistWorld& w, const std::vector<at::Tensor>& tensors) {
  auto device = tensors.empty() ? at::Device(at::kCPU) : tensors[0].device();
  for (const auto& t : tensors) {
    if (t.device() != device) throw ArgError("the tensors of one collective must all be on one device");
  }
  return device.is_cpu() ? w.control : dataBackendFor(device);
}

// Gloo and NCCL read and write dense buffers: collectives run on contiguous stand-ins, copied back after.
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

// A c10d tensor list means one buffer replicated on several devices, so different tensors are one
// collective each: all are started, then all waited for (the backend runs them in order).
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

std::string tagOf(const Napi::CallbackInfo& info, size_t i, const char* fallback) {
  return argOptString(info, i).value_or(fallback);
}

std::string what(int64_t kind, const std::string& tag, const std::string& detail) {
  return std::string(kindName(kind)) + "(" + detail + ") \"" + tag + "\"";
}

// distAllReduce(tensors, op, tag?): reduces every tensor across ranks, in place. avg is a sum divided by the
// world size, for floating-point tensors only.
Napi::Value DistAllReduce(const Napi::CallbackInfo& info) {
  auto& w = requireGroups();
  auto tensors = argTensorList(info, 0);
  std::string op = argString(info, 1);
  int64_t code = 0;
  c10d::AllreduceOptions opts;
  opts.reduceOp = parseReduceOp(op, &code);
  if (op == "avg") checkAvgOperands(tensors, /*complexOk=*/true);
  std::string tag = tagOf(info, 2, "allReduce");
  auto group = payloadGroup(w, tensors);
  preflight(w, {kAllReduce, tag, what(kAllReduce, tag, describeList(tensors) + ", " + op), code}, tensors);
  if (tensors.empty()) return info.Env().Undefined();
  auto work = contiguousStandIns(tensors);
  runPerTensor(work, [&](std::vector<at::Tensor>& one) { return group->allreduce(one, opts); });
  if (op == "avg") {
    for (auto& t : work) t.div_(w.size);
  }
  copyBack(tensors, work);
  return info.Env().Undefined();
}

// The source rank of a broadcast: an argument that must name a rank of the group.
int64_t argSourceRank(const Napi::CallbackInfo& info, size_t i, int size) {
  int64_t src = argInt(info, i);
  if (src < 0 || src >= size) {
    throw ArgError("broadcast source rank " + std::to_string(src) + " is not in 0.." + std::to_string(size - 1));
  }
  return src;
}

// distBroadcast(tensors, src, tag?): every rank's tensors take rank `src`'s values, in place.
Napi::Value DistBroadcast(const Napi::CallbackInfo& info) {
  auto& w = requireGroups();
  auto tensors = argTensorList(info, 0);
  int64_t src = argSourceRank(info, 1, w.size);
  std::string tag = tagOf(info, 2, "broadcast");
  auto group = payloadGroup(w, tensors);
  preflight(w, {kBroadcast, tag, what(kBroadcast, tag, describeList(tensors) + ", src " + std::to_string(src)), src},
            tensors);
  if (tensors.empty()) return info.Env().Undefined();
  c10d::BroadcastOptions opts;
  opts.rootRank = src;
  auto work = contiguousStandIns(tensors);
  runPerTensor(work, [&](std::vector<at::Tensor>& one) { return group->broadcast(one, opts); });
  copyBack(tensors, work);
  return info.Env().Undefined();
}

// The tensors packed into one flat buffer per dtype, so that many tensors cost one collective per dtype;
// `run` reduces or broadcasts a buffer in place, and the results are copied back. Autograd is off:
// parameters are leaves that require grad.
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

// distAllReduceCoalesced(tensors, op, tag?): allReduce of many tensors (any shapes), one buffer per dtype.
Napi::Value DistAllReduceCoalesced(const Napi::CallbackInfo& info) {
  auto& w = requireGroups();
  auto tensors = argTensorList(info, 0);
  std::string op = argString(info, 1);
  int64_t code = 0;
  c10d::AllreduceOptions opts;
  opts.reduceOp = parseReduceOp(op, &code);
  if (op == "avg") checkAvgOperands(tensors, /*complexOk=*/false);
  std::string tag = tagOf(info, 2, "allReduceCoalesced");
  auto group = payloadGroup(w, tensors);
  preflight(w, {kAllReduceCoalesced, tag, what(kAllReduceCoalesced, tag, describeList(tensors) + ", " + op), code},
            tensors);
  coalesced(tensors, [&](std::vector<at::Tensor>& buffer) {
    group->allreduce(buffer, opts)->wait();
    if (op == "avg") buffer[0].div_(w.size);
  });
  return info.Env().Undefined();
}

// distBroadcastCoalesced(tensors, src, tag?): broadcast of many tensors (any shapes), one buffer per dtype.
Napi::Value DistBroadcastCoalesced(const Napi::CallbackInfo& info) {
  auto& w = requireGroups();
  auto tensors = argTensorList(info, 0);
  int64_t src = argSourceRank(info, 1, w.size);
  std::string tag = tagOf(info, 2, "broadcastCoalesced");
  auto group = payloadGroup(w, tensors);
  preflight(w,
            {kBroadcastCoalesced, tag,
             what(kBroadcastCoalesced, tag, describeList(tensors) + ", src " + std::to_string(src)), src},
            tensors);
  c10d::BroadcastOptions opts;
  opts.rootRank = src;
  coalesced(tensors, [&](std::vector<at::Tensor>& buffer) { group->broadcast(buffer, opts)->wait(); });
  return info.Env().Undefined();
}

// distBarrier(tag?): returns once every rank has reached the same barrier (the check is itself a barrier).
Napi::Value DistBarrier(const Napi::CallbackInfo& info) {
  auto& w = requireGroups();
  std::string tag = tagOf(info, 0, "barrier");
  preflight(w, {kBarrier, tag, what(kBarrier, tag, ""), 0}, {});
  return info.Env().Undefined();
}

// distAllGather(tensor, tag?): every rank's `tensor` (same shape and dtype on all ranks), in rank order.
Napi::Value DistAllGather(const Napi::CallbackInfo& info) {
  auto& w = requireGroups();
  auto input = argTensor(info, 0).contiguous();
  std::string tag = tagOf(info, 1, "allGather");
  std::vector<at::Tensor> inputs{input};
  auto group = payloadGroup(w, inputs);
  preflight(w, {kAllGather, tag, what(kAllGather, tag, describe(input)), 0}, inputs);
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < w.size; r++) outputs[0].push_back(at::empty_like(input));
  group->allgather(outputs, inputs)->wait();
  return wrapList(info.Env(), outputs[0]);
}

// distBroadcastString(value, src, tag?): rank `src`'s string on every rank (the others pass anything),
// through the store under this collective's sequence number (PyTorch's broadcast_object_list for one object).
Napi::Value DistBroadcastString(const Napi::CallbackInfo& info) {
  auto& w = requireGroups();
  int64_t src = argSourceRank(info, 1, w.size);
  std::string tag = tagOf(info, 2, "broadcastObject");
  int64_t seq = preflight(w, {kBroadcastObject, tag, what(kBroadcastObject, tag, "src " + std::to_string(src)), src},
                          {});
  std::string key = "kiln/object/" + std::to_string(seq);
  if (w.rank == src) {
    std::string value = argString(info, 0);
    w.store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
    return Napi::String::New(info.Env(), value);
  }
  auto bytes = w.store->get(key);
  return Napi::String::New(info.Env(), std::string(bytes.begin(), bytes.end()));
}

}  // namespace

void registerDistCollectives(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"distAllReduce", DistAllReduce, 3},
      {"distBroadcast", DistBroadcast, 3},
      {"distAllReduceCoalesced", DistAllReduceCoalesced, 3},
      {"distBroadcastCoalesced", DistBroadcastCoalesced, 3},
      {"distBarrier", DistBarrier, 1},
      {"distAllGather", DistAllGather, 2},
      {"distBroadcastString", DistBroadcastString, 3},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
