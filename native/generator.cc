// torch.Generator: seeded CPU/CUDA generators for reproducible shuffles and splits, the random factories that
// take one (randperm, rand, randn, randint with a generator), and the global generators' state for checkpoints.
// A CPU generator is ATen's mt19937 CPUGeneratorImpl, so a seed gives the same numbers as PyTorch's.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <mutex>

#include "kiln.h"

namespace kiln {
namespace {

constexpr uint32_t kGenMagic = 0x6b67656e;  // "kgen": rejects externals that are not generators

struct GeneratorBox {
  uint32_t magic = kGenMagic;
  at::Generator gen;
};

void finalizeGenerator(napi_env /*env*/, void* data, void* /*hint*/) { delete static_cast<GeneratorBox*>(data); }

at::Generator& argGenerator(const Napi::CallbackInfo& info, size_t i) {
  void* data = nullptr;
  if (i >= info.Length() || napi_get_value_external(info.Env(), info[i], &data) != napi_ok || data == nullptr ||
      static_cast<GeneratorBox*>(data)->magic != kGenMagic) {
    throw ArgError("argument " + std::to_string(i + 1) + " is not a generator");
  }
  return static_cast<GeneratorBox*>(data)->gen;
}

// A DataLoader worker thread's own CPU generator (useThreadGenerator), standing in for ATen's process-wide default
// on that thread: PyTorch's workers are processes with their own default generator, so seeding one (base_seed +
// worker id) must not move the main thread's random numbers.
thread_local std::optional<at::Generator> tThreadGenerator;

// Undefined or null -> this thread's generator for CPU draws when it has one, else std::nullopt (ATen then uses
// the device's default generator).
std::optional<at::Generator> argOptGenerator(const Napi::CallbackInfo& info, size_t i, bool cpu = true) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) {
    return cpu && tThreadGenerator ? tThreadGenerator : std::nullopt;
  }
  return argGenerator(info, i);
}

// Whether a factory's options put it on the CPU (where a thread generator applies).
bool onCpu(const at::TensorOptions& opts) { return !opts.has_device() || opts.device().is_cpu(); }

Napi::Value wrapGenerator(Napi::Env env, at::Generator gen) {
  auto* box = new GeneratorBox{kGenMagic, std::move(gen)};
  napi_value out;
  if (napi_create_external(env, box, finalizeGenerator, nullptr, &out) != napi_ok) {
    delete box;
    throw ArgError("cannot create the generator handle");
  }
  return Napi::Value(env, out);
}

// A seed as Python accepts it: an integer in [-2^63, 2^64 - 1]; negatives wrap to 2^64 + seed as in PyTorch.
uint64_t argSeed(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (v.IsBigInt()) {
    int sign = 0;
    size_t words = 1;
    uint64_t word = 0;
    v.As<Napi::BigInt>().ToWords(&sign, &words, &word);
    if (words > 1) throw ArgError("the seed must fit in 64 bits (at most 2^64 - 1)");
    if (sign == 0) return word;
    if (word > (uint64_t{1} << 63)) throw ArgError("a negative seed must be at least -2^63");
    return static_cast<uint64_t>(-static_cast<int64_t>(word - 1) - 1);
  }
  if (!v.IsNumber()) throw ArgError("the seed must be an integer (number or bigint)");
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d)) || d > 9007199254740991.0 || d < -9007199254740991.0) {
    throw ArgError("the seed must be a safe integer (pass a bigint for larger seeds)");
  }
  return static_cast<uint64_t>(static_cast<int64_t>(d));
}

// A uint64 as a JS number when exact, else a bigint.
Napi::Value wrapSeed(Napi::Env env, uint64_t seed) {
  if (seed <= 9007199254740991ULL) return Napi::Number::New(env, static_cast<double>(seed));
  return Napi::BigInt::New(env, seed);
}

// generatorNew(device?): a new generator, seeded with PyTorch's default seed (67280421310721) as torch.Generator().
Napi::Value GeneratorNew(const Napi::CallbackInfo& info) {
  auto device = argDevice(info, 0).value_or(at::Device(at::kCPU));
  if (device.is_cpu()) return wrapGenerator(info.Env(), at::make_generator<at::CPUGeneratorImpl>());
  if (device.is_cuda()) {
    auto& hooks = at::detail::getCUDAHooks();
    if (!at::hasCUDA()) throw ArgError("CUDA is not available: cannot create a generator on " + deviceName(device));
    return wrapGenerator(info.Env(), hooks.getNewGenerator(device.has_index() ? device.index() : hooks.current_device()));
  }
  throw ArgError("generators exist for cpu and cuda devices, not " + deviceName(device));
}

// generatorManualSeed(g, seed)
Napi::Value GeneratorManualSeed(const Napi::CallbackInfo& info) {
  at::Generator& gen = argGenerator(info, 0);
  uint64_t seed = argSeed(info, 1);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(seed);
  return info.Env().Undefined();
}

// generatorInitialSeed(g): the seed it was last seeded with (number, or bigint above 2^53).
Napi::Value GeneratorInitialSeed(const Napi::CallbackInfo& info) {
  return wrapSeed(info.Env(), argGenerator(info, 0).current_seed());
}

// generatorSeed(g): reseeds from a nondeterministic source and returns the seed. Kept below 2^53 so that
// the seed stays an exact JS number (PyTorch draws 64 bits; the distribution of streams is unaffected).
Napi::Value GeneratorSeed(const Napi::CallbackInfo& info) {
  at::Generator& gen = argGenerator(info, 0);
  uint64_t seed = c10::detail::getNonDeterministicRandom(gen.device().is_cuda()) & ((uint64_t{1} << 53) - 1);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(seed);
  return wrapSeed(info.Env(), seed);
}

// generatorGetState(g): a uint8 tensor holding the whole state (PyTorch's get_state()).
Napi::Value GeneratorGetState(const Napi::CallbackInfo& info) {
  at::Generator& gen = argGenerator(info, 0);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrap(info.Env(), gen.get_state());
}

// generatorSetState(g, state): restores a state from generatorGetState (validated by ATen).
Napi::Value GeneratorSetState(const Napi::CallbackInfo& info) {
  at::Generator& gen = argGenerator(info, 0);
  const at::Tensor& state = argTensor(info, 1);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  return info.Env().Undefined();
}

Napi::Value GeneratorDevice(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), deviceName(argGenerator(info, 0).device()));
}

// randpermGen(n, g?, dtype?, device?)
Napi::Value RandpermGen(const Napi::CallbackInfo& info) {
  at::TensorOptions opts = argOptions(info, 2);
  if (!opts.has_dtype()) opts = opts.dtype(at::kLong);
  return wrap(info.Env(), at::randperm(argInt(info, 0), argOptGenerator(info, 1, onCpu(opts)), opts));
}

// randGen(shape, g?, dtype?, device?)
Napi::Value RandGen(const Napi::CallbackInfo& info) {
  at::TensorOptions opts = argOptions(info, 2);
  return wrap(info.Env(), at::rand(argIntList(info, 0), argOptGenerator(info, 1, onCpu(opts)), opts));
}

// randnGen(shape, g?, dtype?, device?)
Napi::Value RandnGen(const Napi::CallbackInfo& info) {
  at::TensorOptions opts = argOptions(info, 2);
  return wrap(info.Env(), at::randn(argIntList(info, 0), argOptGenerator(info, 1, onCpu(opts)), opts));
}

// randintGen(low, high, shape, g?, dtype?, device?): int64 unless a dtype is given.
Napi::Value RandintGen(const Napi::CallbackInfo& info) {
  at::TensorOptions opts = argOptions(info, 4);
  if (!opts.has_dtype()) opts = opts.dtype(at::kLong);
  return wrap(info.Env(),
              at::randint(argInt(info, 0), argInt(info, 1), argIntList(info, 2), argOptGenerator(info, 3, onCpu(opts)),
                          opts));
}

// drawSeed(g?): `torch.empty((), dtype=torch.int64).random_(generator=g)`, the draw PyTorch's DataLoader makes
// for its base seed and RandomSampler for its private generator; returned as a bigint (63 bits).
Napi::Value DrawSeed(const Napi::CallbackInfo& info) {
  at::Tensor t = at::empty({}, at::kLong).random_(argOptGenerator(info, 0));
  return Napi::BigInt::New(info.Env(), t.item<int64_t>());
}

at::Generator defaultGenerator(const Napi::CallbackInfo& info, size_t i) {
  auto device = argDevice(info, i).value_or(at::Device(at::kCPU));
  if (device.is_cpu() && tThreadGenerator) return *tThreadGenerator;
  if (device.is_cuda() && !device.has_index()) device = at::Device(at::kCUDA, at::detail::getCUDAHooks().current_device());
  return at::globalContext().defaultGenerator(device);
}

// getRngState(device?): the default generator's state (torch.get_rng_state / torch.cuda.get_rng_state).
Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  at::Generator gen = defaultGenerator(info, 0);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrap(info.Env(), gen.get_state());
}

// setRngState(state, device?)
Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  const at::Tensor& state = argTensor(info, 0);
  at::Generator gen = defaultGenerator(info, 1);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  return info.Env().Undefined();
}

// useThreadGenerator(g | null): makes CPU generator `g` this thread's default for Kiln's random factories, seed
// draws and RNG state (null restores ATen's process-wide default). Meant for worker threads.
Napi::Value UseThreadGenerator(const Napi::CallbackInfo& info) {
  if (info[0].IsNull() || info[0].IsUndefined()) {
    tThreadGenerator.reset();
    return info.Env().Undefined();
  }
  at::Generator& gen = argGenerator(info, 0);
  if (!gen.device().is_cpu()) throw ArgError("a thread's default generator must be a CPU generator");
  tThreadGenerator = gen;
  return info.Env().Undefined();
}

}  // namespace

void registerGeneratorOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"generatorNew", GeneratorNew, 1},
      {"generatorManualSeed", GeneratorManualSeed, 2},
      {"generatorInitialSeed", GeneratorInitialSeed, 1},
      {"generatorSeed", GeneratorSeed, 1},
      {"generatorGetState", GeneratorGetState, 1},
      {"generatorSetState", GeneratorSetState, 2},
      {"generatorDevice", GeneratorDevice, 1},
      {"randpermGen", RandpermGen, 4},
      {"randGen", RandGen, 4},
      {"randnGen", RandnGen, 4},
      {"randintGen", RandintGen, 6},
      {"drawSeed", DrawSeed, 1},
      {"getRngState", GetRngState, 1},
      {"setRngState", SetRngState, 2},
      {"useThreadGenerator", UseThreadGenerator, 1},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
