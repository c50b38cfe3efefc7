// The guard every binding runs in, and the unwrapping of plain JS values (numbers, lists, dtype and device
// names). Nothing may unwind through N-API: the guard turns every C++ exception into a JS TorchError.
#include <cmath>
#include <sstream>

#include "kiln.h"

namespace kiln {

std::string describeHandle(napi_env env, napi_value v);  // handle.cc

namespace {

using OpEntry = Op;

struct AddonData {
  Napi::FunctionReference torchError;  // the JS TorchError class, set by init()
};

std::string argArg(size_t i) { return "argument " + std::to_string(i + 1); }

std::string describeJs(Napi::Value v, int depth) {
  if (v.IsExternal()) return describeHandle(v.Env(), v);
  if (v.IsNumber()) {
    std::ostringstream s;
    s << v.As<Napi::Number>().DoubleValue();
    return s.str();
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsString()) return "\"" + v.As<Napi::String>().Utf8Value() + "\"";
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsBigInt()) return "bigint";
  if (v.IsTypedArray()) return "typed array";
  if (v.IsArray() && depth < 2) {
    auto arr = v.As<Napi::Array>();
    std::string out = "[";
    for (uint32_t k = 0; k < arr.Length() && k < 8; ++k) {
      if (k > 0) out += ", ";
      out += describeJs(arr.Get(k), depth + 1);
    }
    return out + (arr.Length() > 8 ? ", ...]" : "]");
  }
  return v.IsArray() ? "[...]" : "object";
}

// "add(float32[2, 3], float32[4])": the op and what it was called with.
std::string callSignature(const Napi::CallbackInfo& info, const char* name) {
  size_t n = info.Length();
  while (n > 0 && info[n - 1].IsUndefined()) --n;
  std::string out = std::string(name) + "(";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out += describeJs(info[i], 0);
  }
  return out + ")";
}

[[noreturn]] void throwTorchError(const Napi::CallbackInfo& info, const char* name, const std::string& what) {
  Napi::Env env = info.Env();
  std::string message = callSignature(info, name) + ": " + what;
  auto* data = env.GetInstanceData<AddonData>();
  Napi::Object err;
  if (data != nullptr && !data->torchError.IsEmpty()) {
    err = data->torchError.New({Napi::String::New(env, message)});
  } else {
    err = Napi::Error::New(env, message).Value();
  }
  err.Set("op", Napi::String::New(env, name));
  throw Napi::Error(env, err);
}

Napi::Value guarded(const Napi::CallbackInfo& info) {
  auto* entry = static_cast<const OpEntry*>(info.Data());
  if (info.Length() > static_cast<size_t>(entry->arity)) {
    throw Napi::TypeError::New(info.Env(), std::string(entry->name) + "() takes at most " +
                                               std::to_string(entry->arity) + " arguments (" +
                                               std::to_string(info.Length()) + " given)");
  }
  try {
    return entry->fn(info);
  } catch (const Napi::Error&) {
    throw;  // already a JS error (a JS callback threw, or the guard built one)
  } catch (const c10::Error& e) {
    throwTorchError(info, entry->name, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throwTorchError(info, entry->name, e.what());
  } catch (...) {
    throwTorchError(info, entry->name, "unknown C++ exception");
  }
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* data = env.GetInstanceData<AddonData>();
  if (data == nullptr) {
    data = new AddonData();
    env.SetInstanceData(data);
  }
  if (!info[0].IsFunction()) throw ArgError("init expects the TorchError class");
  data->torchError = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

}  // namespace

void defineOp(Napi::Env env, Napi::Object exports, const Op& op) {
  // Entries live as long as the process: the functions may be called until exit.
  auto* entry = new OpEntry{op};
  exports.Set(op.name, Napi::Function::New<guarded>(env, op.name, entry));
}

void registerGuard(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"init", Init, 1},
  };
  defineOps(env, exports, kOps);
}

// ---- plain values ---------------------------------------------------------------------------------------

// One napi_typeof per argument: these run for nearly every op argument, and each Is*() check is a call.
static napi_valuetype typeOf(const Napi::CallbackInfo& info, size_t i) {
  napi_valuetype t = napi_undefined;
  if (i < info.Length()) napi_typeof(info.Env(), info[i], &t);
  return t;
}

// undefined or null (an omitted optional argument), in one call.
static bool isAbsent(const Napi::CallbackInfo& info, size_t i) {
  napi_valuetype t = typeOf(info, i);
  return t == napi_undefined || t == napi_null;
}

static at::Scalar scalarOf(const Napi::CallbackInfo& info, size_t i, napi_valuetype t) {
  napi_env env = info.Env();
  if (t == napi_number) {
    double d = 0;
    napi_get_value_double(env, info[i], &d);
    // JS has one number type; integral values act as Python ints so int tensors stay int.
    if (std::trunc(d) == d && std::fabs(d) < 9.007199254740992e15) return at::Scalar(static_cast<int64_t>(d));
    return at::Scalar(d);
  }
  if (t == napi_boolean) {
    bool b = false;
    napi_get_value_bool(env, info[i], &b);
    return at::Scalar(b);
  }
  if (t == napi_bigint) {
    bool lossless = false;
    int64_t x = info[i].As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throw ArgError(argArg(i) + " is a bigint outside int64");
    return at::Scalar(x);
  }
  throw ArgError(argArg(i) + " must be a number, boolean or bigint");
}

at::Scalar argScalar(const Napi::CallbackInfo& info, size_t i) { return scalarOf(info, i, typeOf(info, i)); }

std::optional<at::Scalar> argOptScalar(const Napi::CallbackInfo& info, size_t i) {
  napi_valuetype t = typeOf(info, i);
  if (t == napi_undefined || t == napi_null) return std::nullopt;
  return scalarOf(info, i, t);
}

at::Tensor argTensorOrScalar(const Napi::CallbackInfo& info, size_t i) {
  napi_valuetype t = typeOf(info, i);
  if (t == napi_number || t == napi_boolean || t == napi_bigint) {
    return at::native::wrapped_scalar_tensor(scalarOf(info, i, t));
  }
  return argTensor(info, i);
}

double argDouble(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw ArgError(argArg(i) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

std::optional<double> argOptDouble(const Napi::CallbackInfo& info, size_t i) {
  if (isAbsent(info, i)) return std::nullopt;
  return argDouble(info, i);
}

int64_t argInt(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsBigInt()) return argScalar(info, i).toLong();
  if (!info[i].IsNumber()) throw ArgError(argArg(i) + " must be an integer");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (std::trunc(d) != d) throw ArgError(argArg(i) + " must be an integer, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

std::optional<int64_t> argOptInt(const Napi::CallbackInfo& info, size_t i) {
  if (isAbsent(info, i)) return std::nullopt;
  return argInt(info, i);
}

bool argBool(const Napi::CallbackInfo& info, size_t i, bool fallback) {
  if (isAbsent(info, i)) return fallback;
  if (!info[i].IsBoolean()) throw ArgError(argArg(i) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

std::optional<bool> argOptBool(const Napi::CallbackInfo& info, size_t i) {
  if (isAbsent(info, i)) return std::nullopt;
  return argBool(info, i, false);
}

std::optional<std::string> argOptString(const Napi::CallbackInfo& info, size_t i) {
  if (isAbsent(info, i)) return std::nullopt;
  return argString(info, i);
}

std::string argString(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) throw ArgError(argArg(i) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

std::vector<int64_t> argIntList(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (v.IsNumber()) return {argInt(info, i)};
  if (!v.IsArray()) throw ArgError(argArg(i) + " must be an integer or an array of integers");
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value el = arr.Get(k);
    double d = el.IsNumber() ? el.As<Napi::Number>().DoubleValue() : NAN;
    if (std::trunc(d) != d) throw ArgError(argArg(i) + "[" + std::to_string(k) + "] must be an integer");
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

std::optional<std::vector<int64_t>> argOptIntList(const Napi::CallbackInfo& info, size_t i) {
  if (isAbsent(info, i)) return std::nullopt;
  return argIntList(info, i);
}

std::optional<at::ScalarType> argDtype(const Napi::CallbackInfo& info, size_t i) {
  if (isAbsent(info, i)) return std::nullopt;
  return parseDtype(argString(info, i));
}

std::optional<at::Device> argDevice(const Napi::CallbackInfo& info, size_t i) {
  if (isAbsent(info, i)) return std::nullopt;
  return at::Device(argString(info, i));  // c10::Error names the bad string
}

at::TensorOptions argOptions(const Napi::CallbackInfo& info, size_t i) {
  at::TensorOptions opts;
  if (auto dt = argDtype(info, i)) opts = opts.dtype(*dt);
  if (auto dev = argDevice(info, i + 1)) opts = opts.device(*dev);
  return opts;
}

// ---- names ----------------------------------------------------------------------------------------------

at::ScalarType parseDtype(const std::string& name) {
  static const std::pair<const char*, at::ScalarType> kNames[] = {
      {"float32", at::kFloat}, {"float64", at::kDouble}, {"float16", at::kHalf}, {"bfloat16", at::kBFloat16},
      {"int64", at::kLong},    {"int32", at::kInt},      {"int16", at::kShort}, {"int8", at::kChar},
      {"uint8", at::kByte},    {"bool", at::kBool},      {"float", at::kFloat}, {"double", at::kDouble},
      {"half", at::kHalf},     {"long", at::kLong},      {"int", at::kInt}};
  for (const auto& [n, t] : kNames) {
    if (name == n) return t;
  }
  throw ArgError("unknown dtype \"" + name +
                 "\" (expected float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8 or bool)");
}

const char* dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

std::string deviceName(const at::Device& d) { return d.str(); }

std::string describe(const at::Tensor& t) {
  std::string out = dtypeName(t.scalar_type());
  out += "[";
  auto sizes = t.sizes();
  for (size_t k = 0; k < sizes.size(); ++k) {
    if (k > 0) out += ", ";
    out += std::to_string(sizes[k]);
  }
  out += "]";
  if (!t.device().is_cpu()) out += " on " + t.device().str();
  return out;
}

}  // namespace kiln
