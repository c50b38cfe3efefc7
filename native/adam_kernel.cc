// Adam's per-parameter update in one pass over the elements, bitwise equal to PyTorch's single-tensor Adam
// (torch/optim/adam.py `_single_tensor_adam`, which ops_optim.cc replays op by op).
//
// Why: on the template's SimpleDenseNet (14 parameters, 68k elements) the op-by-op update is ~126 ATen calls a
// step, ~250 us of a ~1.2 ms training step, nearly all of it dispatch and TensorIterator set-up. Two AVX2
// passes around one ATen sqrt do the same arithmetic in a fraction of that.
//
// Bitwise equality: each element goes through the same float operations, rounded the same way, as the chain of
// ATen kernels (each op stores float32, so every intermediate is rounded to float here too). ATen's AVX2
// kernels round once in three places, which this file writes as FMAs: lerp (vec::fmadd), addcmul and the add
// of the coupled weight decay (contracted by the compiler that built libtorch); elsewhere plain IEEE
// operations, and this file is compiled with -ffp-contract=off (CMakeLists.txt) so that no other FMA sneaks
// in. The square root and amsgrad's maximum stay ATen's calls (see adamFused). Found and
// checked by comparing bit for bit with the op-by-op path: 3.9M elements x 5 configurations (weight decay,
// AdamW, amsgrad, maximize), sizes 1 to 65,537, 1, 2 and 4 threads, denormal gradients: no difference
// (tests/torch/optim/adam-fused.test.ts keeps a smaller version). Where ATen would not run its AVX2 or AVX-512
// kernels (another CPU capability), or the tensors are not plain contiguous float32 CPU tensors, the caller
// keeps the op-by-op path.
#include "adam_kernel.h"

#include <ATen/Version.h>

#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define KILN_ADAM_AVX2 1
#endif

namespace kiln {

#ifdef KILN_ADAM_AVX2
namespace {

bool computeAtenUsesAvx2() {
  __builtin_cpu_init();  // harmless when done already; needed before the checks in some load orders
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
  std::string capability = at::get_cpu_capability();
  return capability == "AVX2" || capability == "AVX512";
}

// Which of its two formulas ATen's lerp takes for the weight w1 = 1 - beta1 (at::native::is_lerp_weight_small).
inline bool smallLerpWeight(const AdamScalars& s) { return std::abs(s.w1) < 0.5f; }

// Pass 1, one element: the gradient (sign, weight decay), exp_avg (lerp) and exp_avg_sq (mul_, addcmul_). The
// scalar reference the vector loop follows lane by lane.
inline void momentsElement(const AdamScalars& s, float p, float g, float& m, float& v) {
  if (s.maximize) g = -g;
  if (s.hasWeightDecay && !s.decoupled) {
    g = std::fma(p, s.weightDecay, g);
  }
  // ATen's lerp: start + w * (end - start) for |w| < 0.5, else end + (w - 1) * (end - start).
  m = smallLerpWeight(s) ? std::fma(s.w1, g - m, m) : std::fma(s.w1 - 1.0f, g - m, g);
  v = v * s.beta2;
  v = std::fma(s.c2 * g, g, v);
}

// Pass 2, one element: denom = root / bias_correction2_sqrt + eps; param += step * exp_avg / denom (after the
// decoupled weight decay's param.mul_).
inline void paramElement(const AdamScalars& s, float& p, float m, float root) {
  if (s.hasWeightDecay && s.decoupled) p = p * s.decay;
  float d = root / s.bc2Sqrt;
  d = d + s.eps;
  p = p + s.negStepSize * m / d;
}

__attribute__((target("avx2,fma"))) void momentsAvx2(const AdamScalars& s, int64_t n, const float* p,
                                                       const float* g, float* m, float* v) {
  const __m256 w1 = _mm256_set1_ps(s.w1), beta2 = _mm256_set1_ps(s.beta2), c2 = _mm256_set1_ps(s.c2);
  const __m256 w1m1 = _mm256_set1_ps(s.w1 - 1.0f);
  const bool smallWeight = smallLerpWeight(s);
  const __m256 wd = _mm256_set1_ps(s.weightDecay), signFlip = _mm256_set1_ps(-0.0f);
  const bool coupledDecay = s.hasWeightDecay && !s.decoupled;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 gv = _mm256_loadu_ps(g + i), mv = _mm256_loadu_ps(m + i), vv = _mm256_loadu_ps(v + i);
    if (s.maximize) gv = _mm256_xor_ps(gv, signFlip);
    if (coupledDecay) {
      __m256 pv = _mm256_loadu_ps(p + i);
      gv = _mm256_fmadd_ps(pv, wd, gv);
    }
    __m256 diff = _mm256_sub_ps(gv, mv);
    mv = smallWeight ? _mm256_fmadd_ps(w1, diff, mv) : _mm256_fmadd_ps(w1m1, diff, gv);
    vv = _mm256_mul_ps(vv, beta2);
    __m256 cg = _mm256_mul_ps(c2, gv);
    vv = _mm256_fmadd_ps(cg, gv, vv);
    _mm256_storeu_ps(m + i, mv);
    _mm256_storeu_ps(v + i, vv);
  }
  for (; i < n; ++i) momentsElement(s, p[i], g[i], m[i], v[i]);
}

__attribute__((target("avx2,fma"))) void paramAvx2(const AdamScalars& s, int64_t n, float* p, const float* m,
                                                     const float* root) {
  const __m256 bc2 = _mm256_set1_ps(s.bc2Sqrt), eps = _mm256_set1_ps(s.eps);
  const __m256 step = _mm256_set1_ps(s.negStepSize), decay = _mm256_set1_ps(s.decay);
  const bool decoupledDecay = s.hasWeightDecay && s.decoupled;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 pv = _mm256_loadu_ps(p + i);
    if (decoupledDecay) pv = _mm256_mul_ps(pv, decay);
    __m256 d = _mm256_add_ps(_mm256_div_ps(_mm256_loadu_ps(root + i), bc2), eps);
    pv = _mm256_add_ps(pv, _mm256_div_ps(_mm256_mul_ps(step, _mm256_loadu_ps(m + i)), d));
    _mm256_storeu_ps(p + i, pv);
  }
  for (; i < n; ++i) paramElement(s, p[i], m[i], root[i]);
}

}  // namespace

bool atenUsesAvx2() {
  static const bool value = computeAtenUsesAvx2();
  return value;
}

bool adamFusedEligible(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& expAvg,
                       const at::Tensor& expAvgSq, const at::Tensor* maxExpAvgSq) {
  if (!atenUsesAvx2()) return false;
  auto plain = [&](const at::Tensor& t) {
    return t.defined() && t.is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous() &&
           !t.is_conj() && !t.is_neg() && t.sizes().equals(param.sizes());
  };
  return plain(param) && plain(grad) && plain(expAvg) && plain(expAvgSq) &&
         (maxExpAvgSq == nullptr || plain(*maxExpAvgSq));
}

void adamFused(const AdamScalars& s, at::Tensor& param, const at::Tensor& grad, at::Tensor& expAvg,
               at::Tensor& expAvgSq, at::Tensor* maxExpAvgSq) {
  int64_t n = param.numel();
  momentsAvx2(s, n, param.const_data_ptr<float>(), grad.const_data_ptr<float>(), expAvg.data_ptr<float>(),
              expAvgSq.data_ptr<float>());
  expAvg.unsafeGetTensorImpl()->bump_version();  // written outside ATen: bump as its in-place ops would
  expAvgSq.unsafeGetTensorImpl()->bump_version();
  // These two stay ATen's calls: MKL's vector sqrt (large tensors) rounds its own way, and at::maximum's NaN
  // bits depend on which elements its vector loop or its scalar tail takes.
  if (maxExpAvgSq != nullptr) at::maximum_out(*maxExpAvgSq, *maxExpAvgSq, expAvgSq);
  // One scratch buffer per thread for the roots (a new one each step was 14 allocations per template step).
  thread_local at::Tensor root;
  if (!root.defined()) root = at::empty({0}, at::TensorOptions().dtype(at::kFloat));
  root.resize_({n});
  at::sqrt_out(root, (maxExpAvgSq ? *maxExpAvgSq : expAvgSq).view({n}));
  paramAvx2(s, n, param.data_ptr<float>(), expAvg.const_data_ptr<float>(), root.const_data_ptr<float>());
  param.unsafeGetTensorImpl()->bump_version();
}

#else
// Not x86-64 (or not GCC/Clang): ATen's kernels there are not the AVX2 ones this file reproduces.
bool atenUsesAvx2() { return false; }

bool adamFusedEligible(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                       const at::Tensor*) {
  return false;
}

void adamFused(const AdamScalars&, at::Tensor&, const at::Tensor&, at::Tensor&, at::Tensor&, at::Tensor*) {
  throw std::logic_error("adamFused is x86-64 only");
}
#endif

}  // namespace kiln
