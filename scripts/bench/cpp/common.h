// Shared by the C++ benchmark programs: argument parsing, the template's SimpleDenseNet, timing and JSON output.
#pragma once
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

/** `--key value` pairs of argv (every option takes a value). */
inline std::map<std::string, std::string> parseArgs(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0) throw std::invalid_argument("expected --option value pairs, got " + key);
    args[key.substr(2)] = argv[i + 1];
  }
  return args;
}

inline std::string arg(const std::map<std::string, std::string>& args, const std::string& key,
                       const std::string& fallback) {
  auto it = args.find(key);
  return it == args.end() ? fallback : it->second;
}

/** Pins both libtorch pools: the benchmark compares equal thread counts (docs/ARCHITECTURE.md, "Facts": oversubscription). */
inline void setThreads(int threads) {
  torch::set_num_threads(threads);
  torch::set_num_interop_threads(threads);
}

/** The lightning-hydra-template's SimpleDenseNet: 784-64-128-64-10 with BatchNorm1d and ReLU. */
inline torch::nn::Sequential simpleDenseNet() {
  using namespace torch::nn;
  return Sequential(Linear(784, 64), BatchNorm1d(64), ReLU(), Linear(64, 128), BatchNorm1d(128), ReLU(),
                    Linear(128, 64), BatchNorm1d(64), ReLU(), Linear(64, 10));
}

/** One training step: zero_grad, forward, cross-entropy, backward, Adam step; returns the loss (a sync). */
inline float trainStep(torch::nn::Sequential& net, torch::optim::Adam& opt, const torch::Tensor& x,
                       const torch::Tensor& y) {
  opt.zero_grad();
  auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
  loss.backward();
  opt.step();
  return loss.item<float>();
}

/** Seconds of CPU this process has used (user + system, all threads): steadier than wall time on a busy machine. */
inline double cpuNow() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e-6;
}

inline double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline std::string jsonArray(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); i++) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

}  // namespace bench
