// The op-overhead micro-benchmark's C++ side: ns per call of a 1-element add (a new tensor each call, freed at
// once) and ns per training step of SimpleDenseNet on a small batch (16), repeated; prints one JSON line with
// every repeat's figure: {"add_ns": [...], "mlp_step_ns": [...]}.
#include <torch/nn/functional/loss.h>

#include "common.h"

int main(int argc, char** argv) {
  try {
    auto args = bench::parseArgs(argc, argv);
    int64_t iters = std::stoll(bench::arg(args, "iters", "200000"));
    int64_t steps = std::stoll(bench::arg(args, "steps", "300"));
    int repeats = std::stoi(bench::arg(args, "repeats", "5"));
    bench::setThreads(std::stoi(bench::arg(args, "threads", "1")));
    torch::manual_seed(0);

    auto a = torch::ones({1});
    auto b = torch::ones({1});
    std::vector<double> addNs;
    for (int r = 0; r <= repeats; r++) {
      double t0 = bench::now();
      for (int64_t i = 0; i < iters; i++) {
        auto c = a + b;
      }
      if (r > 0) addNs.push_back((bench::now() - t0) * 1e9 / static_cast<double>(iters));  // r = 0: warm-up
    }

    auto net = bench::simpleDenseNet();
    net->train();
    torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(std::stod(bench::arg(args, "lr", "1e-3"))));
    auto x = torch::randn({16, 784});
    auto y = torch::randint(0, 10, {16}, torch::TensorOptions().dtype(torch::kInt64));
    std::vector<double> stepNs;
    float loss = 0;
    for (int r = 0; r <= repeats; r++) {
      double t0 = bench::now();
      for (int64_t i = 0; i < steps; i++) loss = bench::trainStep(net, opt, x, y);
      if (r > 0) stepNs.push_back((bench::now() - t0) * 1e9 / static_cast<double>(steps));
    }
    std::printf("{\"add_ns\": %s, \"mlp_step_ns\": %s, \"threads\": %d, \"final_loss\": %g}\n",
                bench::jsonArray(addNs).c_str(), bench::jsonArray(stepNs).c_str(), torch::get_num_threads(), loss);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "op_overhead: error: %s\n", e.what());
    return 1;
  }
}
