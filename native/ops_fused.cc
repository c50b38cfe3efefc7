// Fused ops: each replaces a chain of small ATen calls (and their allocations) on a training step's hot path with
// one pass, giving bitwise the same values as the chain. They compute generic things; what the values mean
// (a normalisation, a metric's counts) is the TypeScript caller's business.
//
// - gatherBytesLut: rows of a uint8 tensor picked by an index, each byte read through a 256-entry float table.
// - labelMatchCount: how many predicted labels (or argmax of score rows) equal the target labels.
// - addScalars_: a number added to each of several one-element tensors, in place.
// - accumulateWeighted_: sum += value * weight and total += weight for a 0-d value.
#include <c10/core/GradMode.h>

#include <cmath>
#include <cstring>
#include <type_traits>

#include "kiln.h"

namespace kiln {
namespace {

// The CPU rows of `index` (int64, 1-d), each checked against `rows` as index_select checks them.
std::vector<int64_t> checkedRows(const at::Tensor& index, int64_t rows) {
  if (index.scalar_type() != at::kLong || index.dim() != 1) {
    throw ArgError("index must be a 1-d int64 tensor, got " + describe(index));
  }
  auto cpu = index.is_cpu() ? index.contiguous() : index.to(at::kCPU).contiguous();
  const int64_t* p = cpu.data_ptr<int64_t>();
  std::vector<int64_t> out(p, p + cpu.numel());
  for (int64_t r : out) {
    if (r < 0 || r >= rows) {
      throw ArgError("index " + std::to_string(r) + " is out of range for " + std::to_string(rows) + " rows");
    }
  }
  return out;
}

// out row b = table[bytes of row rows[b]], for b in [begin, end). The addon builds at -O1; this loop is the
// whole op, so it asks for -O3 and reads 8 bytes per load from a table copied to the stack (restrict pointers:
// nothing is reloaded after each store). Standalone, 128 random MNIST rows: 74 us plain, 35 us with prefetch.
__attribute__((optimize("O3"))) void lutRows(const uint8_t* __restrict bytes, const int64_t* rows, int64_t begin,
                                              int64_t end, int64_t rowSize, const float* __restrict lut,
                                              float* __restrict out) {
  float t[256];
  std::memcpy(t, lut, sizeof t);
  for (int64_t b = begin; b < end; b++) {
    // Rows are scattered over the whole set: fetching the row two ahead hides the cache misses (index_select's
    // plain copy gets that from the hardware; a loop of table lookups does not).
    if (b + 2 < end) {
      const uint8_t* next = bytes + rows[b + 2] * rowSize;
      for (int64_t p = 0; p < rowSize; p += 64) __builtin_prefetch(next + p);
      __builtin_prefetch(next + rowSize - 1);
    }
    const uint8_t* __restrict row = bytes + rows[b] * rowSize;
    float* __restrict dst = out + b * rowSize;
    int64_t k = 0;
    for (; k + 8 <= rowSize; k += 8) {
      uint64_t w;
      std::memcpy(&w, row + k, 8);
      for (int j = 0; j < 8; j++) dst[k + j] = t[(w >> (8 * j)) & 255];
    }
    for (; k < rowSize; k++) dst[k] = t[row[k]];
  }
}

// gatherBytesLut(bytes uint8 [N, ...], index int64 [B], lut float32 [256]): float32 [B, ...] where
// out[b, ...] = lut[bytes[index[b], ...]]. One pass, one allocation on CPU; other devices use take().
Napi::Value GatherBytesLut(const Napi::CallbackInfo& info) {
  const at::Tensor& bytes = argTensor(info, 0);
  const at::Tensor& index = argTensor(info, 1);
  const at::Tensor& lut = argTensor(info, 2);
  if (bytes.scalar_type() != at::kByte || bytes.dim() < 1) {
    throw ArgError("bytes must be a uint8 tensor of rows, got " + describe(bytes));
  }
  if (lut.scalar_type() != at::kFloat || lut.dim() != 1 || lut.numel() != 256) {
    throw ArgError("lut must be a float32 tensor of 256 entries, got " + describe(lut));
  }
  if (lut.device() != bytes.device()) throw ArgError("lut and bytes must be on the same device");
  if (!bytes.is_cpu()) {
    auto rows = bytes.index_select(0, index.to(bytes.device()));
    return wrap(info.Env(), lut.take(rows.to(at::kLong)));
  }
  auto rows = checkedRows(index, bytes.size(0));
  auto src = bytes.contiguous();
  auto table = lut.contiguous();
  std::vector<int64_t> shape = src.sizes().vec();
  shape[0] = static_cast<int64_t>(rows.size());
  auto out = at::empty(shape, bytes.options().dtype(at::kFloat));
  const int64_t rowSize = shape[0] == 0 ? 0 : out.numel() / shape[0];
  const uint8_t* s = src.data_ptr<uint8_t>();
  const float* t = table.data_ptr<float>();
  float* o = out.data_ptr<float>();
  at::parallel_for(0, shape[0], std::max<int64_t>(1, 65536 / std::max<int64_t>(rowSize, 1)),
                   [&](int64_t begin, int64_t end) { lutRows(s, rows.data(), begin, end, rowSize, t, o); });
  return wrap(info.Env(), out);
}

// Index of the largest entry of each row (torch.argmax: the first maximum, NaN counting as the largest).
template <typename T>
void argmaxRows(const T* p, int64_t n, int64_t c, std::vector<int64_t>& out) {
  out.resize(n);
  for (int64_t i = 0; i < n; i++) {
    const T* row = p + i * c;
    int64_t best = 0;
    T bestValue = row[0];
    for (int64_t j = 1; j < c && !std::isnan(bestValue); j++) {
      if (std::isnan(row[j]) || row[j] > bestValue) {
        best = j;
        bestValue = row[j];
      }
    }
    out[i] = best;
  }
}

// labelMatchCount(preds, target, numClasses, checkRange, like) -> [matches, labels] | null: how many of
// `target`'s int64 labels equal the predicted ones, and how many labels there are. `preds` holds labels (any
// shape, integral) or scores [N, numClasses] (floating; a row's label is its argmax). Null, when the inputs
// are not of that form (other dtypes or shapes, or not on the device of `like`) or `checkRange` finds a label
// outside [0, numClasses): the caller then takes its general path, which reports the bad label.
Napi::Value LabelMatchCount(const Napi::CallbackInfo& info) {
  const at::Tensor& preds = argTensor(info, 0);
  const at::Tensor& targetIn = argTensor(info, 1);
  const int64_t C = argInt(info, 2);
  const bool checkRange = argBool(info, 3, true);
  const auto device = argTensor(info, 4).device();
  const bool scores = at::isFloatingType(preds.scalar_type()) && preds.dim() >= 2;
  const int64_t n = targetIn.numel();
  if (C < 1 || targetIn.scalar_type() != at::kLong || preds.device() != device || targetIn.device() != device ||
      (scores && (preds.dim() != 2 || preds.size(1) != C)) || (scores ? preds.size(0) : preds.numel()) != n) {
    return info.Env().Null();
  }
  c10::AutoGradMode noGrad(false);
  int64_t matches = 0;
  if (preds.is_cpu() && targetIn.is_cpu()) {
    auto target = targetIn.contiguous();
    const int64_t* t = target.data_ptr<int64_t>();
    std::vector<int64_t> labelsBuf;
    at::Tensor labelsT;
    const int64_t* l = nullptr;
    if (scores) {
      auto s = preds.contiguous();
      AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, s.scalar_type(), "labelMatchCount", [&] {
        if constexpr (std::is_same_v<scalar_t, float> || std::is_same_v<scalar_t, double>) {
          argmaxRows(s.data_ptr<scalar_t>(), n, C, labelsBuf);
        } else {
          // Reduced floats compare as float (exact: widening keeps order and NaN).
          auto f = s.to(at::kFloat);
          argmaxRows(f.data_ptr<float>(), n, C, labelsBuf);
        }
      });
      l = labelsBuf.data();
    } else {
      labelsT = preds.scalar_type() == at::kLong ? preds.contiguous() : preds.to(at::kLong).contiguous();
      l = labelsT.data_ptr<int64_t>();
    }
    if (checkRange) {
      for (int64_t i = 0; i < n; i++) {
        if (t[i] < 0 || t[i] >= C || (!scores && (l[i] < 0 || l[i] >= C))) return info.Env().Null();
      }
    }
    for (int64_t i = 0; i < n; i++) matches += l[i] == t[i];
  } else {
    auto target = targetIn.flatten();
    auto labels = scores ? preds.argmax(1) : preds.flatten().to(at::kLong);
    if (checkRange && n > 0) {
      auto both = scores ? target : at::stack({target, labels});
      if (both.min().item<int64_t>() < 0 || both.max().item<int64_t>() >= C) return info.Env().Null();
    }
    matches = labels.eq(target).sum().item<int64_t>();
  }
  auto out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(matches)));
  out.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(n)));
  return out;
}

// addScalars_([t...], [v...]): t[i] += v[i] in place for each one-element tensor (a 0-d int64 CPU tensor is
// updated directly; the others through add_). Several counters in one call.
Napi::Value AddScalarsInPlace(const Napi::CallbackInfo& info) {
  auto tensors = argTensorList(info, 0);
  if (!info[1].IsArray()) throw ArgError("values must be an array of numbers");
  auto values = info[1].As<Napi::Array>();
  if (values.Length() != tensors.size()) throw ArgError("expected as many values as tensors");
  std::vector<double> numbers(tensors.size());
  for (size_t i = 0; i < tensors.size(); i++) {
    Napi::Value v = values.Get(static_cast<uint32_t>(i));
    if (!v.IsNumber()) throw ArgError("values must be an array of numbers");
    numbers[i] = v.As<Napi::Number>().DoubleValue();
  }
  for (size_t i = 0; i < tensors.size(); i++) {
    at::Tensor& t = tensors[i];
    const double v = numbers[i];
    const bool integral = std::trunc(v) == v && std::fabs(v) < 9.007199254740992e15;
    if (integral && t.is_cpu() && t.scalar_type() == at::kLong && t.numel() == 1 && t.is_contiguous()) {
      *t.data_ptr<int64_t>() += static_cast<int64_t>(v);
      t.unsafeGetTensorImpl()->bump_version();
    } else {
      // An integral number adds as an int (as Python's `t += 3`), so int counters stay int on every device.
      t.add_(integral ? at::Scalar(static_cast<int64_t>(v)) : at::Scalar(v));
    }
  }
  return info.Env().Undefined();
}

// accumulateWeighted_(sum, total, value, weight, skipNaN) -> applied: sum += value * weight, total += weight,
// in place, for a 0-d float32 `value` on sum's device (weight 1 adds the value itself). false, changing
// nothing, for any other value, or a NaN one when skipNaN: the caller then takes its general path.
Napi::Value AccumulateWeightedInPlace(const Napi::CallbackInfo& info) {
  at::Tensor& sum = argTensor(info, 0);
  at::Tensor& total = argTensor(info, 1);
  const at::Tensor& value = argTensor(info, 2);
  const double weight = argDouble(info, 3);
  const bool skipNaN = argBool(info, 4, true);
  if (value.dim() != 0 || value.scalar_type() != at::kFloat || value.device() != sum.device()) {
    return Napi::Boolean::New(info.Env(), false);
  }
  c10::AutoGradMode noGrad(false);
  if (skipNaN && std::isnan(value.item<float>())) return Napi::Boolean::New(info.Env(), false);
  auto plain = value.detach();
  sum.add_(weight == 1 ? plain : plain.mul(weight));
  total.add_(weight);
  return Napi::Boolean::New(info.Env(), true);
}

}  // namespace

void registerFusedOps(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"gatherBytesLut", GatherBytesLut, 3},
      {"labelMatchCount", LabelMatchCount, 5},
      {"addScalars_", AddScalarsInPlace, 2},
      {"accumulateWeighted_", AccumulateWeightedInPlace, 5},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
