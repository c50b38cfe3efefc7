// Elementwise math and matrix products. Scalars broadcast like Python numbers (argTensorOrScalar).
#include "kiln.h"

namespace kiln {
namespace {

bool isJsScalar(const Napi::CallbackInfo& info, size_t i) {
  return info[i].IsNumber() || info[i].IsBoolean() || info[i].IsBigInt();
}

// ---- binary arithmetic ----------------------------------------------------------------------------------

// add(a, b, alpha?): a + alpha * b
Napi::Value Add(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::add(argTensor(info, 0), argTensorOrScalar(info, 1), argOptScalar(info, 2).value_or(1)));
}

// sub(a, b, alpha?): a - alpha * b
Napi::Value Sub(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::sub(argTensor(info, 0), argTensorOrScalar(info, 1), argOptScalar(info, 2).value_or(1)));
}

// mul(a, b)
Napi::Value Mul(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::mul(argTensor(info, 0), argTensorOrScalar(info, 1)));
}

// div(a, b, roundingMode?): true division, or "trunc" / "floor" rounding.
Napi::Value Div(const Napi::CallbackInfo& info) {
  auto mode = argOptString(info, 2);
  if (!mode) return wrap(info.Env(), at::div(argTensor(info, 0), argTensorOrScalar(info, 1)));
  return wrap(info.Env(), at::div(argTensor(info, 0), argTensorOrScalar(info, 1), std::string_view(*mode)));
}

// pow(a, b): a tensor or scalar base, a tensor or scalar exponent (not both scalars).
Napi::Value Pow(const Napi::CallbackInfo& info) {
  if (isJsScalar(info, 0)) return wrap(info.Env(), at::pow(argScalar(info, 0), argTensor(info, 1)));
  if (isJsScalar(info, 1)) return wrap(info.Env(), at::pow(argTensor(info, 0), argScalar(info, 1)));
  return wrap(info.Env(), at::pow(argTensor(info, 0), argTensor(info, 1)));
}

// remainder(a, b): Python's %, the sign of the divisor.
Napi::Value Remainder(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::remainder(argTensor(info, 0), argTensorOrScalar(info, 1)));
}

// fmod(a, b): C's fmod, the sign of the dividend.
Napi::Value Fmod(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::fmod(argTensor(info, 0), argTensorOrScalar(info, 1)));
}

// maximum(a, b) / minimum(a, b): elementwise, broadcasting.
Napi::Value Maximum(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::maximum(argTensor(info, 0), argTensorOrScalar(info, 1)));
}
Napi::Value Minimum(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::minimum(argTensor(info, 0), argTensorOrScalar(info, 1)));
}

// clamp(t, min?, max?): bounds are numbers or tensors (broadcasting); undefined/null leaves a side open.
at::Tensor clampOf(const Napi::CallbackInfo& info, bool inPlace) {
  at::Tensor& t = argTensor(info, 0);
  bool scalars = !info[1].IsExternal() && !info[2].IsExternal();
  if (scalars) {
    auto lo = argOptScalar(info, 1);
    auto hi = argOptScalar(info, 2);
    if (!lo && !hi) throw ArgError("at least one of min and max must be given");
    return inPlace ? t.clamp_(lo, hi) : at::clamp(t, lo, hi);
  }
  auto bound = [&](size_t i) -> std::optional<at::Tensor> {
    if (info[i].IsUndefined() || info[i].IsNull()) return std::nullopt;
    return argTensorOrScalar(info, i);
  };
  auto lo = bound(1);
  auto hi = bound(2);
  return inPlace ? t.clamp_(lo, hi) : at::clamp(t, lo, hi);
}
Napi::Value Clamp(const Napi::CallbackInfo& info) { return wrap(info.Env(), clampOf(info, false)); }

// round(t, decimals?)
Napi::Value Round(const Napi::CallbackInfo& info) {
  auto decimals = argOptInt(info, 1);
  if (!decimals || *decimals == 0) return wrap(info.Env(), at::round(argTensor(info, 0)));
  return wrap(info.Env(), at::round(argTensor(info, 0), *decimals));
}

// ---- unary, one line each -------------------------------------------------------------------------------

#define KILN_UNARY(Name, fn)                                  \
  Napi::Value Name(const Napi::CallbackInfo& info) {          \
    return wrap(info.Env(), at::fn(argTensor(info, 0)));      \
  }
KILN_UNARY(Neg, neg)
KILN_UNARY(Abs, abs)
KILN_UNARY(Exp, exp)
KILN_UNARY(Expm1, expm1)
KILN_UNARY(Log, log)
KILN_UNARY(Log1p, log1p)
KILN_UNARY(Log2, log2)
KILN_UNARY(Log10, log10)
KILN_UNARY(Sqrt, sqrt)
KILN_UNARY(Rsqrt, rsqrt)
KILN_UNARY(Square, square)
KILN_UNARY(Sign, sign)
KILN_UNARY(Sin, sin)
KILN_UNARY(Cos, cos)
KILN_UNARY(Tan, tan)
KILN_UNARY(Tanh, tanh)
KILN_UNARY(Sigmoid, sigmoid)
KILN_UNARY(Erf, erf)
KILN_UNARY(Floor, floor)
KILN_UNARY(Ceil, ceil)
KILN_UNARY(Trunc, trunc)
KILN_UNARY(Reciprocal, reciprocal)
KILN_UNARY(LogicalNot, logical_not)
KILN_UNARY(Isnan, isnan)
KILN_UNARY(Isinf, isinf)
KILN_UNARY(Isfinite, isfinite)
#undef KILN_UNARY

// ---- comparisons and logic: bool results ----------------------------------------------------------------

#define KILN_BINARY(Name, fn)                                                          \
  Napi::Value Name(const Napi::CallbackInfo& info) {                                   \
    return wrap(info.Env(), at::fn(argTensor(info, 0), argTensorOrScalar(info, 1)));   \
  }
KILN_BINARY(Eq, eq)
KILN_BINARY(Ne, ne)
KILN_BINARY(Lt, lt)
KILN_BINARY(Le, le)
KILN_BINARY(Gt, gt)
KILN_BINARY(Ge, ge)
KILN_BINARY(LogicalAnd, logical_and)
KILN_BINARY(LogicalOr, logical_or)
KILN_BINARY(LogicalXor, logical_xor)
#undef KILN_BINARY

// allclose(a, b, rtol?, atol?, equalNan?): a JS boolean.
Napi::Value Allclose(const Napi::CallbackInfo& info) {
  bool r = at::allclose(argTensor(info, 0), argTensor(info, 1), argOptDouble(info, 2).value_or(1e-5),
                        argOptDouble(info, 3).value_or(1e-8), argBool(info, 4, false));
  return Napi::Boolean::New(info.Env(), r);
}

// equal(a, b): same shape and elements, as a JS boolean.
Napi::Value Equal(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::equal(argTensor(info, 0), argTensor(info, 1)));
}

// ---- matrix products ------------------------------------------------------------------------------------

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::matmul(argTensor(info, 0), argTensor(info, 1)));
}
Napi::Value Mm(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::mm(argTensor(info, 0), argTensor(info, 1)));
}
Napi::Value Bmm(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::bmm(argTensor(info, 0), argTensor(info, 1)));
}
Napi::Value Outer(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::outer(argTensor(info, 0), argTensor(info, 1)));
}
Napi::Value Dot(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::dot(argTensor(info, 0), argTensor(info, 1)));
}

// ---- in place (the TS method returns `this`) ------------------------------------------------------------

Napi::Value AddInPlace(const Napi::CallbackInfo& info) {
  argTensor(info, 0).add_(argTensorOrScalar(info, 1), argOptScalar(info, 2).value_or(1));
  return info.Env().Undefined();
}
Napi::Value SubInPlace(const Napi::CallbackInfo& info) {
  argTensor(info, 0).sub_(argTensorOrScalar(info, 1), argOptScalar(info, 2).value_or(1));
  return info.Env().Undefined();
}
Napi::Value MulInPlace(const Napi::CallbackInfo& info) {
  argTensor(info, 0).mul_(argTensorOrScalar(info, 1));
  return info.Env().Undefined();
}
Napi::Value DivInPlace(const Napi::CallbackInfo& info) {
  auto mode = argOptString(info, 2);
  if (mode) {
    argTensor(info, 0).div_(argTensorOrScalar(info, 1), std::string_view(*mode));
  } else {
    argTensor(info, 0).div_(argTensorOrScalar(info, 1));
  }
  return info.Env().Undefined();
}
Napi::Value ClampInPlace(const Napi::CallbackInfo& info) {
  clampOf(info, true);
  return info.Env().Undefined();
}
Napi::Value ZeroInPlace(const Napi::CallbackInfo& info) {
  argTensor(info, 0).zero_();
  return info.Env().Undefined();
}
// fill_(t, value): a number or a 0-dim tensor.
Napi::Value FillInPlace(const Napi::CallbackInfo& info) {
  if (info[1].IsExternal()) {
    argTensor(info, 0).fill_(argTensor(info, 1));
  } else {
    argTensor(info, 0).fill_(argScalar(info, 1));
  }
  return info.Env().Undefined();
}
// copy_(dst, src): src broadcasts to dst and is converted to its dtype and device.
Napi::Value CopyInPlace(const Napi::CallbackInfo& info) {
  argTensor(info, 0).copy_(argTensor(info, 1));
  return info.Env().Undefined();
}

}  // namespace

void registerMathOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"add", Add, 3},
      {"sub", Sub, 3},
      {"mul", Mul, 2},
      {"div", Div, 3},
      {"pow", Pow, 2},
      {"remainder", Remainder, 2},
      {"fmod", Fmod, 2},
      {"maximum", Maximum, 2},
      {"minimum", Minimum, 2},
      {"clamp", Clamp, 3},
      {"round", Round, 2},
      {"neg", Neg, 1},
      {"abs", Abs, 1},
      {"exp", Exp, 1},
      {"expm1", Expm1, 1},
      {"log", Log, 1},
      {"log1p", Log1p, 1},
      {"log2", Log2, 1},
      {"log10", Log10, 1},
      {"sqrt", Sqrt, 1},
      {"rsqrt", Rsqrt, 1},
      {"square", Square, 1},
      {"sign", Sign, 1},
      {"sin", Sin, 1},
      {"cos", Cos, 1},
      {"tan", Tan, 1},
      {"tanh", Tanh, 1},
      {"sigmoid", Sigmoid, 1},
      {"erf", Erf, 1},
      {"floor", Floor, 1},
      {"ceil", Ceil, 1},
      {"trunc", Trunc, 1},
      {"reciprocal", Reciprocal, 1},
      {"logicalNot", LogicalNot, 1},
      {"isnan", Isnan, 1},
      {"isinf", Isinf, 1},
      {"isfinite", Isfinite, 1},
      {"eq", Eq, 2},
      {"ne", Ne, 2},
      {"lt", Lt, 2},
      {"le", Le, 2},
      {"gt", Gt, 2},
      {"ge", Ge, 2},
      {"logicalAnd", LogicalAnd, 2},
      {"logicalOr", LogicalOr, 2},
      {"logicalXor", LogicalXor, 2},
      {"allclose", Allclose, 5},
      {"equal", Equal, 2},
      {"matmul", Matmul, 2},
      {"mm", Mm, 2},
      {"bmm", Bmm, 2},
      {"outer", Outer, 2},
      {"dot", Dot, 2},
      {"add_", AddInPlace, 3},
      {"sub_", SubInPlace, 3},
      {"mul_", MulInPlace, 2},
      {"div_", DivInPlace, 3},
      {"clamp_", ClampInPlace, 3},
      {"zero_", ZeroInPlace, 1},
      {"fill_", FillInPlace, 2},
      {"copy_", CopyInPlace, 2},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
