// (c) of the throughput benchmark: SimpleDenseNet + Adam(lr 1e-3), batch 128, on the raw float32/int64 files that
// scripts/bench/data.ts writes, shuffled each epoch with randperm, the same steps as the TS loop and Python.
// Prints one JSON line: {"epoch_s": [...], "epoch_cpu_s": [...], "steps_per_epoch": n, "threads": t, "final_loss": l}.
#include <torch/nn/functional/loss.h>

#include <fstream>

#include "common.h"

static torch::Tensor readRaw(const std::string& path, int64_t n, int64_t cols, torch::Dtype dtype) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  auto shape = cols > 0 ? std::vector<int64_t>{n, cols} : std::vector<int64_t>{n};
  auto t = torch::empty(shape, torch::TensorOptions().dtype(dtype));
  in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
  if (in.gcount() != static_cast<std::streamsize>(t.nbytes())) throw std::runtime_error("short read of " + path);
  return t;
}

int main(int argc, char** argv) {
  try {
    auto args = bench::parseArgs(argc, argv);
    int64_t n = std::stoll(bench::arg(args, "n", "60000"));
    int epochs = std::stoi(bench::arg(args, "epochs", "3"));
    int64_t batch = std::stoll(bench::arg(args, "batch", "128"));
    int64_t limit = std::stoll(bench::arg(args, "limit", "0"));
    bench::setThreads(std::stoi(bench::arg(args, "threads", "1")));
    torch::Device device(bench::arg(args, "device", "cpu"));
    bool mixed = bench::arg(args, "precision", "32-true") == "bf16-mixed";
    torch::manual_seed(std::stoll(bench::arg(args, "seed", "12345")));

    auto x = readRaw(bench::arg(args, "x", ""), n, 784, torch::kFloat32).to(device);
    auto y = readRaw(bench::arg(args, "y", ""), n, 0, torch::kInt64).to(device);
    auto net = bench::simpleDenseNet();
    net->to(device);
    net->train();
    torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));

    int64_t steps = (n + batch - 1) / batch;
    if (limit > 0 && limit < steps) steps = limit;
    std::vector<double> times;
    std::vector<double> cpuTimes;
    float loss = 0;
    for (int e = 0; e < epochs; e++) {
      double t0 = bench::now();
      double c0 = bench::cpuNow();
      auto perm = torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64).device(device));
      for (int64_t s = 0; s < steps; s++) {
        auto idx = perm.slice(0, s * batch, std::min(n, (s + 1) * batch));
        loss = bench::trainStep(net, opt, x.index_select(0, idx), y.index_select(0, idx), mixed);
      }
      times.push_back(bench::now() - t0);
      cpuTimes.push_back(bench::cpuNow() - c0);
    }
    std::printf(
        "{\"epoch_s\": %s, \"epoch_cpu_s\": %s, \"steps_per_epoch\": %lld, \"threads\": %d, \"final_loss\": %f}\n",
        bench::jsonArray(times).c_str(), bench::jsonArray(cpuTimes).c_str(), static_cast<long long>(steps),
        torch::get_num_threads(), loss);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_mlp: error: %s\n", e.what());
    return 1;
  }
}
