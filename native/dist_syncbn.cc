// SyncBatchNorm's autograd function (torch/nn/modules/_functions.py) over the data group: batch statistics
// all-gathered in forward, (sum_dy, sum_dy_xmu) all-reduced in backward. CUDA tensors use the same ATen
// kernels as PyTorch; ATen has no CPU kernels for them, so CPU tensors take the same formulas written with
// CPU ops (the per-rank Welford merge of batch_norm_gather_stats_with_counts, in rank order).
#include <torch/csrc/autograd/custom_function.h>

#include "dist.h"

namespace kiln {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::vector<int64_t> reduceDims(const at::Tensor& input) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < input.dim(); d++) dims.push_back(d);
  return dims;
}

// A per-channel [C] tensor shaped to broadcast against input [N, C, ...].
at::Tensor perChannel(const at::Tensor& v, const at::Tensor& input) {
  std::vector<int64_t> shape(input.dim(), 1);
  shape[1] = v.numel();
  return v.view(shape);
}

// batch_norm_stats: the batch mean and 1/sqrt(biased var + eps) per channel.
std::pair<at::Tensor, at::Tensor> batchStats(const at::Tensor& input, double eps) {
  if (input.is_cuda()) {
    auto [mean, invstd] = at::batch_norm_stats(input, eps);
    return {mean, invstd};
  }
  auto dims = reduceDims(input);
  auto x = input.to(at::kFloat);
  auto var = x.var(dims, /*unbiased=*/false);
  return {x.mean(dims), (var + eps).rsqrt()};
}

// batch_norm_gather_stats_with_counts: every rank's (mean, invstd, count) merged in rank order (parallel
// Welford); updates the running statistics (unbiased variance) and returns the global (mean, invstd).
std::pair<at::Tensor, at::Tensor> gatherStats(const at::Tensor& input, const at::Tensor& meanAll,
                                              const at::Tensor& invstdAll, const at::Tensor& runningMean,
                                              const at::Tensor& runningVar, double momentum, double eps,
                                              const at::Tensor& counts) {
  if (input.is_cuda()) {
    auto [mean, invstd] = at::batch_norm_gather_stats_with_counts(input, meanAll, invstdAll, runningMean,
                                                                  runningVar, momentum, eps, counts);
    return {mean, invstd};
  }
  auto avg = at::zeros_like(meanAll[0]);
  auto m2 = at::zeros_like(meanAll[0]);
  auto n = at::zeros({1}, meanAll.options());
  for (int64_t j = 0; j < meanAll.size(0); j++) {
    auto count = counts[j].to(meanAll.scalar_type());
    auto m2j = (invstdAll[j].pow(-2) - eps) * count;
    auto factor = 1.0 / at::clamp_min(n + count, 1.0);
    auto delta = meanAll[j] - avg;
    avg = avg + delta * count * factor;
    m2 = m2 + m2j + delta * delta * n * count * factor;
    n = n + count;
  }
  at::NoGradGuard noGrad;
  if (runningMean.defined()) {
    runningMean.mul_(1 - momentum).add_(avg.to(runningMean.scalar_type()), momentum);
  }
  if (runningVar.defined()) {
    auto unbiased = m2 / at::clamp_min(n - 1, 1.0);
    runningVar.mul_(1 - momentum).add_(unbiased.to(runningVar.scalar_type()), momentum);
  }
  return {avg, (m2 / n + eps).rsqrt()};
}

struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static at::Tensor forward(AutogradContext* ctx, at::Tensor input, at::Tensor weight, at::Tensor bias,
                            at::Tensor runningMean, at::Tensor runningVar, double eps, double momentum) {
    auto& w = requireGroups();
    auto group = dataBackendFor(input.device());
    input = input.contiguous();
    if (weight.defined()) weight = weight.contiguous();
    int64_t channels = input.size(1);
    at::Tensor combined;
    if (input.numel() > 0) {
      auto [mean, invstd] = batchStats(input, eps);
      auto count = at::full({1}, static_cast<double>(input.numel() / channels), mean.options());
      combined = at::cat({mean, invstd, count});
    } else {
      combined = at::zeros({2 * channels + 1}, input.options().dtype(at::kFloat));
    }
    std::vector<at::Tensor> inputs{combined};
    std::vector<std::vector<at::Tensor>> outputs(1);
    for (int r = 0; r < w.size; r++) outputs[0].push_back(at::empty_like(combined));
    group->allgather(outputs, inputs)->wait();
    auto all = at::stack(outputs[0]);
    auto parts = all.split(channels, 1);
    auto meanAll = parts[0], invstdAll = parts[1], countAll = parts[2];
    auto mask = countAll.squeeze(-1) >= 1;
    meanAll = meanAll.index({mask});
    invstdAll = invstdAll.index({mask});
    countAll = countAll.index({mask});
    auto counts = countAll.view(-1);
    if (runningMean.defined() && counts.scalar_type() != runningMean.scalar_type()) {
      counts = counts.to(runningMean.scalar_type());
    }
    auto [mean, invstd] = gatherStats(input, meanAll, invstdAll, runningMean, runningVar, momentum, eps, counts);
    ctx->save_for_backward({input, weight, mean, invstd, countAll.to(at::kInt)});
    if (input.numel() == 0) return at::empty_like(input);
    if (input.is_cuda()) return at::batch_norm_elemt(input, weight, bias, mean, invstd, eps);
    auto out = (input - perChannel(mean, input).to(input.scalar_type())) *
               perChannel(invstd, input).to(input.scalar_type());
    if (weight.defined()) out = out * perChannel(weight, input);
    if (bias.defined()) out = out + perChannel(bias, input);
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto gradOutput = grads[0].contiguous();
    auto saved = ctx->get_saved_variables();
    auto input = saved[0], weight = saved[1], mean = saved[2], invstd = saved[3], counts = saved[4];
    at::Tensor gradInput, gradWeight, gradBias;
    auto group = dataBackendFor(input.device());
    int64_t channels = input.size(1);
    bool needInput = ctx->needs_input_grad(0);
    if (input.numel() > 0) {
      at::Tensor sumDy, sumDyXmu;
      if (input.is_cuda()) {
        std::tie(sumDy, sumDyXmu, gradWeight, gradBias) = at::batch_norm_backward_reduce(
            gradOutput, input, mean, invstd, weight, needInput, ctx->needs_input_grad(1), ctx->needs_input_grad(2));
      } else {
        auto dims = reduceDims(input);
        auto xmu = input.to(at::kFloat) - perChannel(mean, input);
        auto dy = gradOutput.to(at::kFloat);
        sumDy = dy.sum(dims);
        sumDyXmu = (dy * xmu).sum(dims);
        if (weight.defined() && ctx->needs_input_grad(1)) gradWeight = (sumDyXmu * invstd).to(weight.scalar_type());
        if (weight.defined() && ctx->needs_input_grad(2)) gradBias = sumDy.to(weight.scalar_type());
      }
      if (needInput) {
        std::vector<at::Tensor> combined{at::cat({sumDy, sumDyXmu})};
        c10d::AllreduceOptions opts;
        opts.reduceOp = c10d::ReduceOp(c10d::ReduceOp::SUM);
        group->allreduce(combined, opts)->wait();
        auto split = combined[0].split(channels);
        sumDy = split[0];
        sumDyXmu = split[1];
        auto w = weight;
        if (w.defined() && w.scalar_type() != mean.scalar_type()) w = w.to(mean.scalar_type());
        if (input.is_cuda()) {
          gradInput = at::batch_norm_backward_elemt(gradOutput, input, mean, invstd, w, sumDy, sumDyXmu, counts);
        } else {
          auto total = counts.sum().to(at::kFloat);
          auto meanDy = perChannel(sumDy, input) / total;
          auto meanDyXmu = perChannel(sumDyXmu, input) / total;
          auto inv = perChannel(invstd, input);
          auto xmu = input.to(at::kFloat) - perChannel(mean, input);
          auto scale = w.defined() ? inv * perChannel(w, input) : inv;
          gradInput = ((gradOutput.to(at::kFloat) - meanDy - xmu * inv * inv * meanDyXmu) * scale)
                          .to(input.scalar_type());
        }
      }
      if (!weight.defined() || !ctx->needs_input_grad(1)) gradWeight = at::Tensor();
      if (!weight.defined() || !ctx->needs_input_grad(2)) gradBias = at::Tensor();
    } else if (needInput) {
      // An empty batch still takes part in the other ranks' all-reduce.
      std::vector<at::Tensor> combined{at::zeros({2 * channels}, input.options().dtype(at::kFloat))};
      group->allreduce(combined)->wait();
    }
    return {gradInput, gradWeight, gradBias, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// syncBatchNorm(input, weight?, bias?, runningMean?, runningVar?, eps, momentum): SyncBatchNorm's training
// forward over every rank of the data group (every rank must call it: the statistics are all-gathered).
Napi::Value SyncBatchNorm(const Napi::CallbackInfo& info) {
  auto input = argTensor(info, 0);
  if (input.dim() < 2) throw ArgError("SyncBatchNorm expects an input of at least 2 dimensions (N, C, ...)");
  auto opt = [&](size_t i) { return argOptTensor(info, i).value_or(at::Tensor()); };
  return wrap(info.Env(), SyncBatchNormFunction::apply(input, opt(1), opt(2), opt(3), opt(4), argDouble(info, 5),
                                                       argDouble(info, 6)));
}

}  // namespace

void registerDistSyncBatchNorm(Napi::Env env, Napi::Object exports) {
  static const Op kOps[] = {
      {"syncBatchNorm", SyncBatchNorm, 7},
  };
  defineOps(env, exports, kOps);
}

}  // namespace kiln
