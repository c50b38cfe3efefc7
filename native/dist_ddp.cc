// DistributedDataParallel's C++ half, as torch/nn/parallel/distributed.py drives it: libtorch's c10d Reducer
// (gradient buckets all-reduced on the data group while backward still runs, find_unused_parameters,
// static_graph, gradient_as_bucket_view), the bucket assignment, and the parameter/buffer broadcasts.
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <climits>
#include <map>
#include <memory>

#include "dist.h"

namespace kiln {
namespace {

// PyTorch's defaults: dist._DEFAULT_FIRST_BUCKET_BYTES and DDP's bucket_cap_mb=25, broadcast_bucket_size.
constexpr int64_t kMiB = 1024 * 1024;
constexpr int64_t kDefaultFirstBucketBytes = 1 * kMiB;
constexpr int64_t kBroadcastBucketBytes = 250 * kMiB;

struct Ddp {
  std::shared_ptr<c10d::Reducer> reducer;
  bool staticGraph = false;
  // DDP's _static_graph_delay_allreduce_enqueued: the first static-graph backward reduces at its end.
  bool delayEnqueued = false;
};

std::map<int64_t, Ddp>& ddps() {
  static std::map<int64_t, Ddp> all;
  return all;
}
int64_t nextDdpId = 1;

Ddp& argDdp(const Napi::CallbackInfo& info, size_t i) {
  auto it = ddps().find(argInt(info, i));
  if (it == ddps().end()) throw ArgError("this DistributedDataParallel was destroyed");
  return it->second;
}

c10d::Reducer& argReducer(const Napi::CallbackInfo& info, size_t i) { return *argDdp(info, i).reducer; }

// DDP's _DDPSink: passes a forward's outputs through (as clones); its backward, which runs before any other
// of the step, queues the Reducer's delayed all-reduce of every bucket to the end of the first static-graph
// backward (the hooks only record which parameters were used in that iteration).
struct DdpSink : public torch::autograd::Function<DdpSink> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, int64_t id,
                                                at::TensorList outputs) {
    ctx->saved_data["id"] = id;
    torch::autograd::variable_list out;
    for (const auto& t : outputs) out.push_back(t.clone());
    return out;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto it = ddps().find(ctx->saved_data["id"].toInt());
    if (it != ddps().end() && it->second.staticGraph && !it->second.delayEnqueued) {
      std::weak_ptr<c10d::Reducer> weak = it->second.reducer;
      torch::autograd::Engine::get_default_engine().queue_callback([weak] {
        if (auto reducer = weak.lock()) reducer->delay_all_reduce();
      });
      it->second.delayEnqueued = true;
    }
    torch::autograd::variable_list out{at::Tensor()};
    out.insert(out.end(), grads.begin(), grads.end());
    return out;
  }
};

// The Reducer's constructor gained parameters over libtorch releases (the addon builds against 2.11 to 2.14):
// the longest form this libtorch has (a template, so that `if constexpr` discards the other form).
template <typename R = c10d::Reducer>
std::shared_ptr<R> makeReducer(std::vector<at::Tensor> params, std::vector<std::vector<size_t>> buckets,
                                           c10::intrusive_ptr<c10d::ProcessGroup> group, std::vector<bool> sparse,
                                           int64_t capBytes, bool findUnused, bool asView,
                                           std::unordered_map<size_t, std::string> names, int64_t firstCap) {
  using Names = std::unordered_map<size_t, std::string>;
  using Buckets = std::vector<std::vector<size_t>>;
  using Group = c10::intrusive_ptr<c10d::ProcessGroup>;
  using Params = std::vector<at::Tensor>;
  using Sparse = std::vector<bool>;
  if constexpr (std::is_constructible_v<R, Params, Buckets, Group, Sparse, int64_t, bool, bool, Names,
                                        int64_t, bool, bool, std::vector<int64_t>>) {
    return std::make_shared<R>(std::move(params), std::move(buckets), std::move(group), std::move(sparse), capBytes,
                               findUnused, asView, std::move(names), firstCap,
                               /*skip_all_reduce_unused_params=*/false, /*use_python_reducer=*/false,
                               /*bucket_bytes_cap_list=*/std::vector<int64_t>{});
  } else {
    static_assert(std::is_constructible_v<R, Params, Buckets, Group, Sparse, int64_t, bool, bool, Names,
                                          int64_t, bool, bool>,
                  "this libtorch's c10d::Reducer constructor is not one Kiln knows (2.11 to 2.14)");
    return std::make_shared<R>(std::move(params), std::move(buckets), std::move(group), std::move(sparse), capBytes,
                               findUnused, asView, std::move(names), firstCap,
                               /*skip_all_reduce_unused_params=*/false, /*use_python_reducer=*/false);
  }
}

bool optionBool(const Napi::Object& o, const char* key, bool fallback) {
  auto v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsBoolean()) throw ArgError(std::string("option ") + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

// distDdpCreate(params, {bucketCapMb?, findUnusedParameters, staticGraph, gradientAsBucketView}, names):
// a Reducer over the data group for `params` (deduplicated, requiring grad; names for its error messages).
// Bucketing as DDP's _BucketCapacityConfig: one bucket for the first iteration unless unused parameters are
// searched for, then buckets rebuilt in the order the gradients became ready (1 MiB first, then 25 MiB).
Napi::Value DistDdpCreate(const Napi::CallbackInfo& info) {
  auto& w = requireGroups();
  auto params = argTensorList(info, 0);
  if (params.empty()) throw ArgError("DistributedDataParallel needs at least one parameter that requires grad");
  if (!info[1].IsObject()) throw ArgError("argument 2 must be an options object");
  auto opts = info[1].As<Napi::Object>();
  bool findUnused = optionBool(opts, "findUnusedParameters", false);
  bool staticGraph = optionBool(opts, "staticGraph", false);
  bool asView = optionBool(opts, "gradientAsBucketView", false);
  auto capValue = opts.Get("bucketCapMb");
  bool defaultCap = capValue.IsUndefined() || capValue.IsNull();
  double capMb = defaultCap ? 25.0 : capValue.As<Napi::Number>().DoubleValue();
  if (!(capMb > 0)) throw ArgError("bucket_cap_mb must be > 0");
  int64_t capBytes = static_cast<int64_t>(capMb * kMiB);
  int64_t firstCap = defaultCap ? kDefaultFirstBucketBytes : capBytes;
  std::unordered_map<size_t, std::string> names;
  if (info[2].IsArray()) {
    auto arr = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) names[i] = arr.Get(i).As<Napi::String>().Utf8Value();
  }
  for (const auto& p : params) {
    if (!p.requires_grad()) throw ArgError("DistributedDataParallel: parameter " + describe(p) + " does not require grad");
  }
  std::vector<size_t> limits;
  if (staticGraph || !findUnused) {
    limits = {static_cast<size_t>(LLONG_MAX)};
  } else if (firstCap < capBytes) {
    limits = {static_cast<size_t>(firstCap), static_cast<size_t>(capBytes)};
  } else {
    limits = {static_cast<size_t>(capBytes)};
  }
  std::vector<bool> sparse(params.size(), false);
  auto [buckets, perBucketLimits] = c10d::compute_bucket_assignment_by_size(params, limits, sparse, {});
  std::reverse(buckets.begin(), buckets.end());
  auto reducer = makeReducer(params, buckets, w.data, sparse, capBytes, findUnused, asView, names, firstCap);
  if (staticGraph) reducer->set_static_graph();
  int64_t id = nextDdpId++;
  ddps()[id] = Ddp{std::move(reducer), staticGraph, false};
  return Napi::Number::New(info.Env(), static_cast<double>(id));
}

// distDdpPreForward(id, tag, reduce, buffers, syncBuffers): DDP's _pre_forward. First the step's
// fingerprint check on the control group, so that the data-group traffic of ranks that fell out of step can
// never meet. Then, for a forward whose backward is reduced (`reduce`: grad enabled and not under no_sync),
// the Reducer's forward bookkeeping; with grad enabled, the one-time bucket rebuild after the first iteration
// (a broadcast of rank 0's order); and with `syncBuffers`, rank 0's buffers broadcast on the data group.
// Returns whether the buckets were rebuilt.
Napi::Value DistDdpPreForward(const Napi::CallbackInfo& info) {
  auto& w = requireGroups();
  auto& reducer = argReducer(info, 0);
  std::string tag = argString(info, 1);
  bool reduce = argBool(info, 2, true);
  auto buffers = argTensorList(info, 3);
  bool syncBuffers = argBool(info, 4, false);
  preflight(w, {kDdpForward, tag, "DDP forward \"" + tag + "\"", reduce ? 1 : 0}, buffers);
  if (reduce) reducer.prepare_for_forward();
  bool rebuilt = at::GradMode::is_enabled() && reducer.rebuild_buckets();
  if (syncBuffers && !buffers.empty()) {
    at::NoGradGuard noGrad;
    c10d::broadcast_coalesced(w.data, buffers, kBroadcastBucketBytes, 0);
  }
  return Napi::Boolean::New(info.Env(), rebuilt);
}

// distDdpPrepareBackward(id, outputs): DDP's _post_forward: arms the Reducer's hooks for the next backward;
// with find_unused_parameters, `outputs` are searched for the parameters they do not depend on.
Napi::Value DistDdpPrepareBackward(const Napi::CallbackInfo& info) {
  argReducer(info, 0).prepare_for_backward(argTensorList(info, 1));
  return info.Env().Undefined();
}

// distDdpNeedsSink(id): whether the next forward's outputs must pass through distDdpSink (the first
// static-graph iteration, as DDP's _post_forward decides).
Napi::Value DistDdpNeedsSink(const Napi::CallbackInfo& info) {
  auto& ddp = argDdp(info, 0);
  return Napi::Boolean::New(info.Env(), ddp.staticGraph && !ddp.delayEnqueued);
}

// distDdpSink(id, outputs): the outputs through DDP's _DDPSink (clones whose backward queues the delayed
// all-reduce).
Napi::Value DistDdpSink(const Napi::CallbackInfo& info) {
  int64_t id = argInt(info, 0);
  argDdp(info, 0);
  auto outputs = argTensorList(info, 1);
  return wrapList(info.Env(), DdpSink::apply(id, at::TensorList(outputs)));
}

// distDdpDestroy(id): removes the Reducer's hooks from the parameters.
Napi::Value DistDdpDestroy(const Napi::CallbackInfo& info) {
  auto it = ddps().find(argInt(info, 0));
  if (it != ddps().end()) {
    auto reducer = std::move(it->second.reducer);
    ddps().erase(it);
    reducer.reset();
  }
  return info.Env().Undefined();
}

// distDataBroadcastCoalesced(tensors, src, tag): DDP's _broadcast_coalesced on the data group (parameters
// and buffers from rank `src`, in 250 MiB buckets), after the fingerprint check.
Napi::Value DistDataBroadcastCoalesced(const Napi::CallbackInfo& info) {
  auto& w = requireGroups();
  auto tensors = argTensorList(info, 0);
  int64_t src = argInt(info, 1);
  if (src < 0 || src >= w.size) throw ArgError("broadcast source rank " + std::to_string(src) + " is out of range");
  std::string tag = argOptString(info, 2).value_or("DDP broadcast");
  preflight(w, {kBroadcastCoalesced, tag, "DDP broadcast \"" + tag + "\"", src}, tensors);
  at::NoGradGuard noGrad;
  c10d::broadcast_coalesced(w.data, tensors, kBroadcastBucketBytes, static_cast<int>(src));
  return info.Env().Undefined();
}

}  // namespace

void registerDistDdp(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"distDdpCreate", DistDdpCreate, 3},
      {"distDdpPreForward", DistDdpPreForward, 5},
      {"distDdpPrepareBackward", DistDdpPrepareBackward, 2},
      {"distDdpNeedsSink", DistDdpNeedsSink, 1},
      {"distDdpSink", DistDdpSink, 2},
      {"distDdpDestroy", DistDdpDestroy, 1},
      {"distDataBroadcastCoalesced", DistDataBroadcastCoalesced, 3},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
