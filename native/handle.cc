// Tensor handles. A handle is a JS external whose value is not a pointer but a code: the index and generation
// of a slot in this thread's handle table, offset into a reserved read-only address range. No V8 finalizer is
// attached: a napi finalizer (weak global handle, RefTracker entry, finalizer queue) cost ~2.5 us per tensor, 3x
// the libtorch op itself. Explicit dispose() and torch.tidy free tensors; the GC safety net for tensors that
// outlive every scope is a JS FinalizationRegistry (src/torch/scope.ts), which calls dispose(handle) here.
//
// Safety without finalizers: dispose bumps the slot's generation, so a stale handle no longer matches and is
// reported as disposed (a reused slot is not reachable through it until the generation wraps, 2^16 reuses of
// that slot, and slots are reused first-in first-out). The codes lie inside a PROT_READ zero mapping, so code that reads an external's pointee to check a
// magic number (generator.cc) reads zeros instead of crashing.
//
// With KILN_V8_HANDLES (CMakeLists.txt: the V8 headers of the Node that builds the addon were found), a handle is
// a plain v8::External. Node's napi_create_external (Node 20.20) wraps every external in a heap object kept by a
// weak global handle, so each tensor cost a malloc, a global-handle node and a scavenge-time weak callback: about
// a third of a trivial op. Plain externals are ordinary young objects.
#include <sys/mman.h>

#include <atomic>
#include <cstring>
#include <memory>

#include "kiln.h"

#ifdef KILN_V8_HANDLES
#include <node_version.h>
#include <v8.h>
#endif

namespace kiln {
namespace {

constexpr unsigned kIndexBits = 24;  // at most 16M live tensors per thread
constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
constexpr unsigned kChunkBits = 12;  // slots live in chunks of 4096 so their addresses never move
constexpr uint32_t kChunkMask = (1u << kChunkBits) - 1;
constexpr uint32_t kNoSlot = UINT32_MAX;

// The reserved address range the codes live in; its size sets how many generation bits a code carries.
struct CodeRange {
  uintptr_t base = 0;
  uint64_t size = 0;
  uint64_t genMask = 0;
};
CodeRange gRange;

void reserveCodeRange() {
  if (gRange.base != 0) return;
  // 1 TiB of address space (no memory: read-only, never written, not accounted: it shows in VIRT only), so 16
  // generation bits; smaller where RLIMIT_AS says no.
  for (unsigned bits = 40; bits >= 30; bits -= 2) {
    uint64_t size = uint64_t{1} << bits;
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) continue;
    gRange = {reinterpret_cast<uintptr_t>(p), size, (uint64_t{1} << (bits - kIndexBits)) - 1};
    return;
  }
  throw std::runtime_error("cannot reserve address space for tensor handles (is `ulimit -v` below 1 GiB?)");
}

struct Slot {
  at::Tensor tensor;
  int64_t bytes = 0;
  uint32_t gen = 0;
  uint32_t nextFree = kNoSlot;
};

// One per JS thread (each Node worker is its own environment; externals never cross isolates).
struct HandleTable {
  std::vector<std::unique_ptr<Slot[]>> chunks;
  uint32_t used = 0;  // slots handed out at least once
  // Freed slots are reused first-in first-out: a slot's generation then wraps as slowly as possible.
  uint32_t freeHead = kNoSlot;
  uint32_t freeTail = kNoSlot;
  int64_t live = 0;
  int64_t bytes = 0;
  int64_t pendingBytes = 0;  // not yet reported to V8

  Slot& at(uint32_t i) { return chunks[i >> kChunkBits][i & kChunkMask]; }

  uint32_t acquire() {
    if (freeHead != kNoSlot) {
      uint32_t i = freeHead;
      freeHead = at(i).nextFree;
      if (freeHead == kNoSlot) freeTail = kNoSlot;
      return i;
    }
    if (used > kIndexMask) {
      throw ArgError("more than 16,777,216 live tensors: dispose tensors, or create them inside torch.tidy");
    }
    if ((used >> kChunkBits) >= chunks.size()) chunks.emplace_back(new Slot[size_t{1} << kChunkBits]);
    return used++;
  }

  void pushFree(uint32_t i) {
    at(i).nextFree = kNoSlot;
    if (freeTail == kNoSlot) {
      freeHead = i;
    } else {
      at(freeTail).nextFree = i;
    }
    freeTail = i;
  }
};

// The first environment's table is reached without thread-local storage (a __tls_get_addr call per lookup in a
// dlopen'ed library); Node workers, if any, use a table per thread.
std::atomic<napi_env> gFirstEnv{nullptr};
HandleTable* gFirstTable = nullptr;
thread_local HandleTable* tTable = nullptr;

void freeTable(void* arg) {
  auto* table = static_cast<HandleTable*>(arg);
  if (table == gFirstTable) {
    gFirstEnv.store(nullptr, std::memory_order_relaxed);
    gFirstTable = nullptr;
  }
  if (tTable == table) tTable = nullptr;
  delete table;  // frees every tensor still live in an environment that ends (a worker)
}

// This environment's table, or null before its first tensor.
inline HandleTable* existingTable(napi_env env) {
  return env == gFirstEnv.load(std::memory_order_relaxed) ? gFirstTable : tTable;
}

HandleTable& tableFor(napi_env env) {
  if (HandleTable* table = existingTable(env)) return *table;
  auto* table = new HandleTable();
  tTable = table;
  napi_env none = nullptr;
  if (gFirstEnv.compare_exchange_strong(none, env)) gFirstTable = table;
  napi_add_env_cleanup_hook(env, freeTable, table);
  return *table;
}

// V8 only needs a rough figure to schedule GC: batch the adjustments instead of one N-API call per tensor.
constexpr int64_t kAdjustEvery = 1 << 20;

void reportBytes(napi_env env, HandleTable& table, int64_t delta) {
  table.bytes += delta;
  table.pendingBytes += delta;
  if (table.pendingBytes >= kAdjustEvery || table.pendingBytes <= -kAdjustEvery) {
    int64_t ignored;
    napi_adjust_external_memory(env, table.pendingBytes, &ignored);
    table.pendingBytes = 0;
  }
}

// The bytes a new handle adds: its storage's, unless another tensor already holds that storage (a view, an
// alias). Counting a 30 MB dataset's storage again for each of a batch's 128 row views told V8 of gigabytes of
// external memory it then collected for, at about 1 ms per view.
int64_t storageBytes(const at::Tensor& t) {
  auto* impl = t.unsafeGetTensorImpl();
  if (!impl->has_storage()) return 0;
  const c10::Storage& storage = impl->unsafe_storage();
  return storage.use_count() == 1 ? static_cast<int64_t>(storage.nbytes()) : 0;
}

struct Found {
  Slot* slot = nullptr;
  uint32_t index = 0;
};

enum class Lookup { kLive, kDisposed, kForeign };

#ifdef KILN_V8_HANDLES
// napi_value is a v8::Local<v8::Value> in disguise (Node converts between them with a memcpy, as here).
inline v8::Local<v8::Value> toV8(napi_value v) {
  v8::Local<v8::Value> local;
  std::memcpy(static_cast<void*>(&local), &v, sizeof(v));
  return local;
}

inline napi_value fromV8(v8::Local<v8::Value> local) {
  napi_value v;
  std::memcpy(static_cast<void*>(&v), &local, sizeof(v));
  return v;
}

// The pointer a handle carries, or false when `v` is no external. An N-API external (a generator) reads as
// Node's wrapper object, which lies outside the code range and so is foreign.
inline bool externalValue(napi_env, napi_value v, void** data) {
  v8::Local<v8::Value> local = toV8(v);
  if (local.IsEmpty() || !local->IsExternal()) return false;
  *data = local.As<v8::External>()->Value();
  return true;
}

inline bool newExternal(napi_env, void* data, napi_value* out) {
  *out = fromV8(v8::External::New(v8::Isolate::GetCurrent(), data));
  return true;
}
#else
inline bool externalValue(napi_env env, napi_value v, void** data) {
  return napi_get_value_external(env, v, data) == napi_ok;
}

inline bool newExternal(napi_env env, void* data, napi_value* out) {
  return napi_create_external(env, data, nullptr, nullptr, out) == napi_ok;
}
#endif

// The slot a JS value names: kForeign when it is no tensor handle of this thread, kDisposed when stale.
Lookup lookup(napi_env env, napi_value v, Found* out) {
  void* data = nullptr;
  HandleTable* table = existingTable(env);
  if (table == nullptr || !externalValue(env, v, &data)) return Lookup::kForeign;
  uint64_t code = reinterpret_cast<uintptr_t>(data) - gRange.base;  // wraps to huge below the range
  if (code >= gRange.size) return Lookup::kForeign;
  auto index = static_cast<uint32_t>(code & kIndexMask);
  if (index >= table->used) return Lookup::kForeign;
  Slot& slot = table->at(index);
  if ((slot.gen & gRange.genMask) != (code >> kIndexBits) || !slot.tensor.defined()) return Lookup::kDisposed;
  *out = {&slot, index};
  return Lookup::kLive;
}

std::string argName(size_t i) { return "argument " + std::to_string(i + 1); }

at::Tensor& liveTensor(napi_env env, napi_value v, size_t i, const std::string& suffix) {
  Found f;
  switch (lookup(env, v, &f)) {
    case Lookup::kLive: return f.slot->tensor;
    case Lookup::kDisposed:
      throw ArgError(argName(i) + suffix + " is a disposed tensor (used after dispose())");
    default: throw ArgError(argName(i) + suffix + " is not a tensor");
  }
}

void release(napi_env env, const Found& f) {
  HandleTable& table = *existingTable(env);
  int64_t bytes = f.slot->bytes;
  f.slot->gen++;  // first: stale handles stop matching even if the destructor below re-enters
  at::Tensor dying = std::move(f.slot->tensor);
  table.pushFree(f.index);
  table.live--;
  reportBytes(env, table, -bytes);
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  Found f;
  switch (lookup(info.Env(), info[0], &f)) {
    case Lookup::kLive: release(info.Env(), f); break;
    case Lookup::kDisposed: break;  // idempotent; the GC safety net may come after an explicit dispose
    default: throw ArgError("argument 1 is not a tensor");
  }
  return info.Env().Undefined();
}

Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  Found f;
  Lookup l = lookup(info.Env(), info[0], &f);
  if (l == Lookup::kForeign) throw ArgError("argument 1 is not a tensor");
  return Napi::Boolean::New(info.Env(), l == Lookup::kDisposed);
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  HandleTable& table = tableFor(info.Env());
  auto out = Napi::Object::New(info.Env());
  out.Set("liveTensors", static_cast<double>(table.live));
  out.Set("nativeBytes", static_cast<double>(table.bytes));
  return out;
}

// allocatorInfo() -> { mode }: what native/allocator.cc did with glibc malloc at load.
Napi::Value AllocatorInfo(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  out.Set("mode", allocatorMode());
  return out;
}

}  // namespace

at::Tensor& argTensor(const Napi::CallbackInfo& info, size_t i) {
  return liveTensor(info.Env(), info[i], i, "");
}

std::optional<at::Tensor> argOptTensor(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return std::nullopt;
  return argTensor(info, i);
}

// Describes a handle for error messages without throwing (the guard calls it while reporting an error).
std::string describeHandle(napi_env env, napi_value v) {
  Found f;
  switch (lookup(env, v, &f)) {
    case Lookup::kLive: return describe(f.slot->tensor);
    case Lookup::kDisposed: return "disposed tensor";
    default: return "external";
  }
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  HandleTable& table = tableFor(env);
  uint32_t index = table.acquire();
  Slot& slot = table.at(index);
  uint64_t code = ((slot.gen & gRange.genMask) << kIndexBits) | index;
  napi_value out;
  if (!newExternal(env, reinterpret_cast<void*>(gRange.base + code), &out)) {
    table.pushFree(index);
    throw Napi::Error::New(env, "could not create a tensor handle");
  }
  slot.bytes = storageBytes(t);
  slot.tensor = std::move(t);
  table.live++;
  reportBytes(env, table, slot.bytes);
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
    out.push_back(liveTensor(info.Env(), arr.Get(k), i, "[" + std::to_string(k) + "]"));
  }
  return out;
}

void registerHandles(Napi::Env env, Napi::Object exports) {
#ifdef KILN_V8_HANDLES
  // V8's ABI changes with Node's major version; N-API would have hidden that, plain externals do not.
  const napi_node_version* running = nullptr;
  if (napi_get_node_version(env, &running) == napi_ok && running->major != NODE_MAJOR_VERSION) {
    throw Napi::Error::New(env, "the Kiln addon was built for Node " + std::to_string(NODE_MAJOR_VERSION) +
                                    " but runs on Node " + std::to_string(running->major) +
                                    ": rebuild it with `npm run build:native`");
  }
#endif
  reserveCodeRange();
  static const Op kOps[] = {
      {"dispose", Dispose, 1},
      {"isDisposed", IsDisposed, 1},
      {"stats", Stats, 0},
      {"allocatorInfo", AllocatorInfo, 0},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
