// Shared helpers of the addon: binding registration (every binding runs inside the guard), argument unwrapping
// and result wrapping. An op is a few lines: see native/README.md.
#pragma once
#include "pch.h"

namespace kiln {

// ---- registration ---------------------------------------------------------------------------------------
using OpFn = Napi::Value (*)(const Napi::CallbackInfo&);

// One binding of the native surface: its JS name, the C++ function, and how many arguments it takes (trailing
// ones may be optional). Every family registers its bindings as one `kOps` table of these; the TypeScript side
// declares each with as many parameters, which tests/torch/native-spec.test.ts checks.
struct Op {
  const char* name;
  OpFn fn;
  int arity;
};

// Exports `op.fn` as `op.name`, wrapped in the guard: c10::Error and std::exception become a JS TorchError whose
// message names the op and describes its arguments (dtype[shape] for tensors); more than `op.arity` arguments
// is a TypeError.
void defineOp(Napi::Env env, Napi::Object exports, const Op& op);

// Exports every binding of a family's table.
template <size_t N>
void defineOps(Napi::Env env, Napi::Object exports, const Op (&ops)[N]) {
  for (const Op& op : ops) defineOp(env, exports, op);
}

// Bad arguments found by the helpers below (wrong JS type, unknown dtype name, ...).
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- tensors in and out ---------------------------------------------------------------------------------
// The tensor behind a handle; throws ArgError when the argument is not a handle or was disposed.
at::Tensor& argTensor(const Napi::CallbackInfo& info, size_t i);
// Undefined or null -> std::nullopt.
std::optional<at::Tensor> argOptTensor(const Napi::CallbackInfo& info, size_t i);
// A tensor handle, or a JS number/boolean/bigint as a 0-dim "wrapped number" (type promotion treats it as a
// Python scalar: int64 tensor + 2 stays int64, float32 tensor + 2.5 stays float32).
at::Tensor argTensorOrScalar(const Napi::CallbackInfo& info, size_t i);
// A JS array of tensor handles.
std::vector<at::Tensor> argTensorList(const Napi::CallbackInfo& info, size_t i);

// A handle owning `t` (null when `t` is undefined).
Napi::Value wrap(Napi::Env env, at::Tensor t);
// A JS array of handles (for ops returning several tensors: split, topk, ...).
Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts);

// ---- plain values ---------------------------------------------------------------------------------------
// JS number (integral -> int64, else double), boolean or bigint.
at::Scalar argScalar(const Napi::CallbackInfo& info, size_t i);
std::optional<at::Scalar> argOptScalar(const Napi::CallbackInfo& info, size_t i);
double argDouble(const Napi::CallbackInfo& info, size_t i);
std::optional<double> argOptDouble(const Napi::CallbackInfo& info, size_t i);
int64_t argInt(const Napi::CallbackInfo& info, size_t i);
std::optional<int64_t> argOptInt(const Napi::CallbackInfo& info, size_t i);
bool argBool(const Napi::CallbackInfo& info, size_t i, bool fallback);
std::optional<bool> argOptBool(const Napi::CallbackInfo& info, size_t i);
std::string argString(const Napi::CallbackInfo& info, size_t i);
std::optional<std::string> argOptString(const Napi::CallbackInfo& info, size_t i);
// A number or an array of numbers (shapes, dims).
std::vector<int64_t> argIntList(const Napi::CallbackInfo& info, size_t i);
std::optional<std::vector<int64_t>> argOptIntList(const Napi::CallbackInfo& info, size_t i);
// View of an optional list for ATen's OptionalIntArrayRef parameters (the optional must outlive the call).
inline at::OptionalIntArrayRef optIntArrayRef(const std::optional<std::vector<int64_t>>& v) {
  return v ? at::OptionalIntArrayRef(*v) : at::OptionalIntArrayRef();
}
// dtype name ("float32", ...) or undefined.
std::optional<at::ScalarType> argDtype(const Napi::CallbackInfo& info, size_t i);
// device string ("cpu", "cuda", "cuda:1") or undefined.
std::optional<at::Device> argDevice(const Napi::CallbackInfo& info, size_t i);
// dtype at i and device at i + 1, both optional, as TensorOptions for factory functions.
at::TensorOptions argOptions(const Napi::CallbackInfo& info, size_t i);

// ---- names ----------------------------------------------------------------------------------------------
at::ScalarType parseDtype(const std::string& name);
const char* dtypeName(at::ScalarType t);
std::string deviceName(const at::Device& d);
// "float32[2, 3]" (or "float32[2, 3] on cuda:0"), for error messages.
std::string describe(const at::Tensor& t);
// describe() for a handle value, "disposed tensor" when disposed; never throws.
std::string describeHandle(napi_env env, napi_value v);

// ---- memory ---------------------------------------------------------------------------------------------
// What native/allocator.cc did to glibc malloc when the library loaded ("tuned (...)" or "system (why)").
const char* allocatorMode();

// ---- families (one file each, called from the module init) ----------------------------------------------
void registerGuard(Napi::Env env, Napi::Object exports);      // args.cc (init: the TorchError class)
void registerHandles(Napi::Env env, Napi::Object exports);    // handle.cc
void registerTransitOps(Napi::Env env, Napi::Object exports); // transit.cc (tensors between threads)
void registerTensorCore(Napi::Env env, Napi::Object exports); // tensor_core.cc
void registerCreation(Napi::Env env, Napi::Object exports);   // creation.cc
void registerRuntime(Napi::Env env, Napi::Object exports);    // addon.cc
void registerMathOps(Napi::Env env, Napi::Object exports);    // ops_math.cc
void registerShapeOps(Napi::Env env, Napi::Object exports);   // ops_shape.cc
void registerReduceOps(Napi::Env env, Napi::Object exports);  // ops_reduce.cc
void registerNnOps(Napi::Env env, Napi::Object exports);      // ops_nn.cc
void registerOptimOps(Napi::Env env, Napi::Object exports);   // ops_optim.cc (fused optimizer steps)
void registerGeneratorOps(Napi::Env env, Napi::Object exports); // generator.cc (torch.Generator)
void registerStorageOps(Napi::Env env, Napi::Object exports);   // storage.cc (serialization: storage bytes)
void registerInitOps(Napi::Env env, Napi::Object exports);    // ops_init.cc (nn.init, in-place random fills)
void registerAmpOps(Napi::Env env, Napi::Object exports);     // ops_amp.cc (autocast, GradScaler, determinism)
void registerDistributedOps(Napi::Env env, Napi::Object exports); // distributed.cc (c10d: TCPStore, Gloo)
void registerFusedOps(Napi::Env env, Napi::Object exports);   // ops_fused.cc (fused data-path, metric updates)
void registerProcessOps(Napi::Env env, Napi::Object exports); // process.cc (quickExit)

}  // namespace kiln
