// Process-level operations: quickExit, and glibc malloc's own figures for memory diagnostics.
//
// Why quickExit: once libtorch is loaded, a normal exit runs its C++ static destructors and atexit handlers
// (thread pools, registries, the CUDA context), which takes ~200 ms of every `kiln` run. The CLI calls this
// from its last 'exit' listener, after every other handler ran and every file was closed: stdio is flushed
// here, then _exit() skips the teardown. Nothing else may call it.
#include <unistd.h>

#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "kiln.h"

namespace kiln {
namespace {

// quickExit(code): flushes C stdio and ends the process with `code` at once, without static destructors.
Napi::Value QuickExit(const Napi::CallbackInfo& info) {
  int64_t code = argInt(info, 0);
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(static_cast<int>(code & 0xff));
}

// mallocStats() -> { arenaBytes, mmapBytes, inUseBytes, freeBytes } from glibc's mallinfo2 (all main-arena
// and mmapped memory); an empty object on other C libraries. For the memory benchmark's diagnostics.
Napi::Value MallocStats(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 m = mallinfo2();
  out.Set("arenaBytes", static_cast<double>(m.arena));
  out.Set("mmapBytes", static_cast<double>(m.hblkhd));
  out.Set("inUseBytes", static_cast<double>(m.uordblks));
  out.Set("freeBytes", static_cast<double>(m.fordblks));
#endif
  return out;
}

}  // namespace

void registerProcessOps(Napi::Env env, Napi::Object exports) {
  defineOp(env, exports, "quickExit", QuickExit);
  defineOp(env, exports, "mallocStats", MallocStats);
}

}  // namespace kiln
