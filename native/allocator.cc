// Opt-in glibc malloc settings (KILN_ALLOCATOR=tuned), applied once when the library loads (a static
// initialiser, so the module init need not know). Plain C++ with no N-API: the C++ benchmark preloads this file
// as libkiln_alloc.so to show libtorch with the same settings (scripts/bench/cpp).
//
// Why: libtorch allocates and frees tensor storages of 100 KiB - 10 MiB every step. glibc malloc serves blocks
// above its mmap threshold (128 KiB at start, raised adaptively) with mmap/munmap and trims the heap top as soon
// as 128 KiB is free there, so a step keeps handing pages back to the kernel and faulting zeroed ones in again.
// Fixed thresholds keep those pages: the plain C++ benchmark's MLP step (batch 16) went from 1.4-2.5 ms to
// 0.7-1.0 ms. Kiln itself measured no faster with them (CPU time and page faults equal, peak RSS +15-37 MiB):
// Node's own start-up frees large blocks and so already raises glibc's adaptive thresholds before libtorch runs.
// Hence off by default (docs/ARCHITECTURE.md, "Facts behind some choices").
//
// A GLIBC_TUNABLES that sets any glibc.malloc tunable wins over KILN_ALLOCATOR=tuned; other C libraries: no-op.
#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kiln {

// Blocks up to this size come from the heap (glibc's own upper limit for the threshold on 64-bit systems).
constexpr int kMmapThreshold = 32 << 20;
// Free memory at the heap top is returned to the kernel only beyond this much.
constexpr int kTrimThreshold = 256 << 20;
// Each heap growth asks the kernel for this much extra, so growing by small steps costs few brk calls.
constexpr int kTopPad = 16 << 20;

namespace {

const char* applyAllocatorSettings() {
  const char* requested = std::getenv("KILN_ALLOCATOR");
  if (requested == nullptr || std::strcmp(requested, "tuned") != 0) return "system (glibc defaults)";
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) {
    return "system (GLIBC_TUNABLES sets glibc.malloc, which wins over KILN_ALLOCATOR=tuned)";
  }
  bool ok = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
  ok = mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1 && ok;
  ok = mallopt(M_TOP_PAD, kTopPad) == 1 && ok;
  return ok ? "tuned (glibc mmap threshold 32 MiB, trim threshold 256 MiB, top pad 16 MiB)"
            : "system (mallopt refused the settings)";
#else
  return "system (not glibc)";
#endif
}

const char* const gAllocatorMode = applyAllocatorSettings();

}  // namespace

// What applyAllocatorSettings() did, for allocatorInfo().
const char* allocatorMode() { return gAllocatorMode; }

}  // namespace kiln
