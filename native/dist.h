// The process's distributed state (torch.distributed's default group), shared by the dist_*.cc files.
//
// Two groups over one TCPStore, so that a collective run on one rank only can never meet a collective of
// another kind on the same connections (Gloo aborts the process from its I/O thread when a message is larger
// than the buffer waiting for it, which no code of ours could catch):
// - `control`: a Gloo backend for every collective started from JS (decisions, logged values, metric
//   states, user calls). Each one is preceded by a fixed-size fingerprint all-reduce (dist_collectives.cc),
//   so mismatched collectives become an error on every rank before any payload moves.
// - `data`: a c10d::ProcessGroup (Gloo for CPU tensors, NCCL for CUDA tensors in the CUDA build) for the
//   traffic that C++ drives in the same order on every rank: DDP's parameter and buffer broadcasts, the
//   Reducer's gradient buckets during backward, SyncBatchNorm's statistics.
#pragma once
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>

#include "kiln.h"

namespace kiln {

struct DistWorld {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> control;
  c10::intrusive_ptr<c10d::ProcessGroup> data;
  int rank = -1;
  int size = 0;
  std::chrono::milliseconds timeout{0};
  // How many JS collectives this process has run (the fingerprint's sequence number).
  int64_t sequence = 0;
};

// The process's one world (reset by distDestroy).
DistWorld& distWorld();
// The store, or an ArgError when no store is connected.
c10d::Store& requireStore();
// The world with both groups, or an ArgError when the process group is not initialized.
DistWorld& requireGroups();
// The backend of the data group for `device`'s type (Gloo for the CPU, NCCL for CUDA in the CUDA build).
c10::intrusive_ptr<c10d::Backend> dataBackendFor(const at::Device& device);

// What a fingerprinted collective is (dist_collectives.cc).
enum CollectiveKind : int64_t {
  kAllReduce = 1,
  kBroadcast,
  kAllReduceCoalesced,
  kBroadcastCoalesced,
  kBarrier,
  kAllGather,
  kBroadcastObject,
  kDdpForward,
};
struct Check {
  int64_t kind;
  std::string tag;   // what the caller does ("reducing logged values (sum)"): part of the fingerprint
  std::string what;  // for the mismatch message: allReduce(float32[3], sum) "tag"
  int64_t arg;       // the reduce op or the source rank
};
// The fingerprint check on the control group that precedes every JS collective; returns its sequence number.
// Throws on every rank when the ranks disagree, naming what each rank ran (published through the store).
int64_t preflight(DistWorld& w, const Check& c, const std::vector<at::Tensor>& tensors);

// Implemented by native/cuda/nccl.cc in the CUDA build (KILN_WITH_NCCL): ProcessGroupNCCL over `store`.
#ifdef KILN_WITH_NCCL
c10::intrusive_ptr<c10d::Backend> makeNcclBackend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                  int size, std::chrono::milliseconds timeout);
#endif

// Registered by dist_collectives.cc and dist_ddp.cc (called from registerDistributedOps).
void registerDistCollectives(Napi::Env env, Napi::Object exports);
void registerDistDdp(Napi::Env env, Napi::Object exports);
void registerDistSyncBatchNorm(Napi::Env env, Napi::Object exports);

}  // namespace kiln
