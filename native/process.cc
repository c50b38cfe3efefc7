// Process-level operations: quickExit.
//
// Why quickExit: once libtorch is loaded, a normal exit runs its C++ static destructors and atexit handlers
// (thread pools, registries, the CUDA context), which takes ~200 ms of every `kiln` run. The CLI calls this
// from its last 'exit' listener, after every other handler ran and every file was closed: stdio is flushed
// here, then _exit() skips the teardown. Nothing else may call it.
#include <unistd.h>

#include <cstdio>

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

}  // namespace

void registerProcessOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"quickExit", QuickExit, 1},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
