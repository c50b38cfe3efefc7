// Shape and indexing ops: views, joins, splits, gathers.
#include "kiln.h"

namespace kiln {
namespace {

using at::indexing::TensorIndex;

// ---- views and layout -----------------------------------------------------------------------------------

// view(t, shape): shares storage; fails when the strides cannot express the shape.
Napi::Value View(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), argTensor(info, 0).view(argIntList(info, 1)));
}

// reshape(t, shape)
Napi::Value Reshape(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::reshape(argTensor(info, 0), argIntList(info, 1)));
}

// flatten(t, startDim?, endDim?)
Napi::Value Flatten(const Napi::CallbackInfo& info) {
  return wrap(info.Env(),
              at::flatten(argTensor(info, 0), argOptInt(info, 1).value_or(0), argOptInt(info, 2).value_or(-1)));
}

// squeeze(t, dim?): dim is a number or a list; without it every size-1 dim goes.
Napi::Value Squeeze(const Napi::CallbackInfo& info) {
  auto dims = argOptIntList(info, 1);
  if (!dims) return wrap(info.Env(), at::squeeze(argTensor(info, 0)));
  return wrap(info.Env(), at::squeeze(argTensor(info, 0), *dims));
}

Napi::Value Unsqueeze(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::unsqueeze(argTensor(info, 0), argInt(info, 1)));
}

Napi::Value Permute(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::permute(argTensor(info, 0), argIntList(info, 1)));
}

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::transpose(argTensor(info, 0), argInt(info, 1), argInt(info, 2)));
}

// t(t): transpose of a tensor with at most 2 dims.
Napi::Value T(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::t(argTensor(info, 0))); }

Napi::Value Contiguous(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), argTensor(info, 0).contiguous());
}

Napi::Value IsContiguous(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), argTensor(info, 0).is_contiguous());
}

// expand(t, sizes): -1 keeps a size; a view with stride 0 in the expanded dims.
Napi::Value Expand(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), argTensor(info, 0).expand(argIntList(info, 1)));
}

Napi::Value Clone(const Napi::CallbackInfo& info) { return wrap(info.Env(), at::clone(argTensor(info, 0))); }

Napi::Value Flip(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::flip(argTensor(info, 0), argIntList(info, 1)));
}

Napi::Value Repeat(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), argTensor(info, 0).repeat(argIntList(info, 1)));
}

Napi::Value Tril(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::tril(argTensor(info, 0), argOptInt(info, 1).value_or(0)));
}

Napi::Value Triu(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::triu(argTensor(info, 0), argOptInt(info, 1).value_or(0)));
}

// ---- joins and splits -----------------------------------------------------------------------------------

Napi::Value Cat(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::cat(argTensorList(info, 0), argOptInt(info, 1).value_or(0)));
}

Napi::Value Stack(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::stack(argTensorList(info, 0), argOptInt(info, 1).value_or(0)));
}

// split(t, sizeOrSections, dim?): a number gives equal chunks of that size, a list the exact sizes.
Napi::Value Split(const Napi::CallbackInfo& info) {
  int64_t dim = argOptInt(info, 2).value_or(0);
  if (info[1].IsNumber()) return wrapList(info.Env(), at::split(argTensor(info, 0), argInt(info, 1), dim));
  return wrapList(info.Env(), at::split_with_sizes(argTensor(info, 0), argIntList(info, 1), dim));
}

Napi::Value Chunk(const Napi::CallbackInfo& info) {
  return wrapList(info.Env(), at::chunk(argTensor(info, 0), argInt(info, 1), argOptInt(info, 2).value_or(0)));
}

// narrow(t, dim, start, length)
Napi::Value Narrow(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::narrow(argTensor(info, 0), argInt(info, 1), argInt(info, 2), argInt(info, 3)));
}

// slice(t, dim, start?, end?, step?): Python's t[..., start:end:step] on one dim (a view).
Napi::Value Slice(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::slice(argTensor(info, 0), argInt(info, 1), argOptInt(info, 2), argOptInt(info, 3),
                                    argOptInt(info, 4).value_or(1)));
}

// select(t, dim, index): removes dim (a view).
Napi::Value Select(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::select(argTensor(info, 0), argInt(info, 1), argInt(info, 2)));
}

// ---- Python-style indexing ------------------------------------------------------------------------------

// One element of an index spec: number -> int, null -> None (new axis), "..." -> Ellipsis,
// [start?, end?, step?] (null/undefined for open ends) -> Slice, boolean -> bool, "#" -> the next tensor of
// `tensors` (tensor indices travel as a separate handle list: only handle.cc can unwrap a nested handle).
TensorIndex indexElement(Napi::Value v, size_t i, uint32_t k, const std::vector<at::Tensor>& tensors,
                         size_t& nextTensor) {
  std::string where = "argument " + std::to_string(i + 1) + "[" + std::to_string(k) + "]";
  if (v.IsNull()) return TensorIndex(at::indexing::None);
  if (v.IsBoolean()) return TensorIndex(v.As<Napi::Boolean>().Value());
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::trunc(d) != d) throw ArgError(where + " must be an integer index, got " + std::to_string(d));
    return TensorIndex(static_cast<int64_t>(d));
  }
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s == "...") return TensorIndex(at::indexing::Ellipsis);
    if (s == "#" && nextTensor < tensors.size()) return TensorIndex(tensors[nextTensor++]);
    throw ArgError(where + " is a string other than \"...\" (or a \"#\" without its tensor)");
  }
  if (v.IsArray()) {
    auto range = v.As<Napi::Array>();
    if (range.Length() > 3) throw ArgError(where + " must be a range [start, end, step] of at most 3 numbers");
    std::optional<c10::SymInt> bound[3];
    for (uint32_t j = 0; j < range.Length(); ++j) {
      Napi::Value b = range.Get(j);
      if (b.IsUndefined() || b.IsNull()) continue;
      double d = b.IsNumber() ? b.As<Napi::Number>().DoubleValue() : NAN;
      if (std::trunc(d) != d) throw ArgError(where + "[" + std::to_string(j) + "] must be an integer or null");
      bound[j] = c10::SymInt(static_cast<int64_t>(d));
    }
    return TensorIndex(at::indexing::Slice(bound[0], bound[1], bound[2]));
  }
  throw ArgError(where + " must be an integer, null, \"...\", a range array, a boolean or a tensor");
}

// The spec at i and its tensor indices at i + 1 (an array of handles, or undefined).
std::vector<TensorIndex> argIndexSpec(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw ArgError("argument " + std::to_string(i + 1) + " must be an index array");
  std::vector<at::Tensor> tensors;
  if (!info[i + 1].IsUndefined() && !info[i + 1].IsNull()) tensors = argTensorList(info, i + 1);
  auto arr = info[i].As<Napi::Array>();
  std::vector<TensorIndex> out;
  out.reserve(arr.Length());
  size_t nextTensor = 0;
  for (uint32_t k = 0; k < arr.Length(); ++k) out.push_back(indexElement(arr.Get(k), i, k, tensors, nextTensor));
  return out;
}

// index(t, spec, tensors?): t[spec] with Python's rules (basic indexing gives a view).
Napi::Value Index(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), argTensor(info, 0).index(argIndexSpec(info, 1)));
}

// indexPut_(t, spec, tensors, value): t[spec] = value (a number or a tensor broadcasting to the indexed shape).
Napi::Value IndexPutInPlace(const Napi::CallbackInfo& info) {
  auto spec = argIndexSpec(info, 1);
  if (info[3].IsExternal()) {
    argTensor(info, 0).index_put_(spec, argTensor(info, 3));
  } else {
    argTensor(info, 0).index_put_(spec, argScalar(info, 3));
  }
  return info.Env().Undefined();
}

// ---- gathers, scatters, masks ---------------------------------------------------------------------------

Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::index_select(argTensor(info, 0), argInt(info, 1), argTensor(info, 2)));
}

Napi::Value Gather(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::gather(argTensor(info, 0), argInt(info, 1), argTensor(info, 2)));
}

// scatter(t, dim, index, src): src is a tensor or a number.
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  at::Tensor& t = argTensor(info, 0);
  int64_t dim = argInt(info, 1);
  if (info[3].IsExternal()) return wrap(info.Env(), at::scatter(t, dim, argTensor(info, 2), argTensor(info, 3)));
  return wrap(info.Env(), at::scatter(t, dim, argTensor(info, 2), argScalar(info, 3)));
}

Napi::Value ScatterInPlace(const Napi::CallbackInfo& info) {
  at::Tensor& t = argTensor(info, 0);
  int64_t dim = argInt(info, 1);
  if (info[3].IsExternal()) {
    t.scatter_(dim, argTensor(info, 2), argTensor(info, 3));
  } else {
    t.scatter_(dim, argTensor(info, 2), argScalar(info, 3));
  }
  return info.Env().Undefined();
}

Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::scatter_add(argTensor(info, 0), argInt(info, 1), argTensor(info, 2), argTensor(info, 3)));
}

Napi::Value ScatterAddInPlace(const Napi::CallbackInfo& info) {
  argTensor(info, 0).scatter_add_(argInt(info, 1), argTensor(info, 2), argTensor(info, 3));
  return info.Env().Undefined();
}

// maskedFill(t, mask, value): value is a number or a 0-dim tensor.
Napi::Value MaskedFill(const Napi::CallbackInfo& info) {
  if (info[2].IsExternal()) {
    return wrap(info.Env(), at::masked_fill(argTensor(info, 0), argTensor(info, 1), argTensor(info, 2)));
  }
  return wrap(info.Env(), at::masked_fill(argTensor(info, 0), argTensor(info, 1), argScalar(info, 2)));
}

Napi::Value MaskedFillInPlace(const Napi::CallbackInfo& info) {
  if (info[2].IsExternal()) {
    argTensor(info, 0).masked_fill_(argTensor(info, 1), argTensor(info, 2));
  } else {
    argTensor(info, 0).masked_fill_(argTensor(info, 1), argScalar(info, 2));
  }
  return info.Env().Undefined();
}

// where(cond, a, b): a and b are tensors or numbers (Python's promotion for scalars).
Napi::Value Where(const Napi::CallbackInfo& info) {
  at::Tensor& cond = argTensor(info, 0);
  bool sa = !info[1].IsExternal();
  bool sb = !info[2].IsExternal();
  if (sa && sb) return wrap(info.Env(), at::where(cond, argScalar(info, 1), argScalar(info, 2)));
  if (sa) return wrap(info.Env(), at::where(cond, argScalar(info, 1), argTensor(info, 2)));
  if (sb) return wrap(info.Env(), at::where(cond, argTensor(info, 1), argScalar(info, 2)));
  return wrap(info.Env(), at::where(cond, argTensor(info, 1), argTensor(info, 2)));
}

}  // namespace

void registerShapeOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"view", View, 2},
      {"reshape", Reshape, 2},
      {"flatten", Flatten, 3},
      {"squeeze", Squeeze, 2},
      {"unsqueeze", Unsqueeze, 2},
      {"permute", Permute, 2},
      {"transpose", Transpose, 3},
      {"t", T, 1},
      {"contiguous", Contiguous, 1},
      {"isContiguous", IsContiguous, 1},
      {"expand", Expand, 2},
      {"clone", Clone, 1},
      {"flip", Flip, 2},
      {"repeat", Repeat, 2},
      {"tril", Tril, 2},
      {"triu", Triu, 2},
      {"cat", Cat, 2},
      {"stack", Stack, 2},
      {"split", Split, 3},
      {"chunk", Chunk, 3},
      {"narrow", Narrow, 4},
      {"slice", Slice, 5},
      {"select", Select, 3},
      {"index", Index, 3},
      {"indexPut_", IndexPutInPlace, 4},
      {"indexSelect", IndexSelect, 3},
      {"gather", Gather, 3},
      {"scatter", Scatter, 4},
      {"scatter_", ScatterInPlace, 4},
      {"scatterAdd", ScatterAdd, 4},
      {"scatterAdd_", ScatterAddInPlace, 4},
      {"maskedFill", MaskedFill, 3},
      {"maskedFill_", MaskedFillInPlace, 3},
      {"where", Where, 3},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
