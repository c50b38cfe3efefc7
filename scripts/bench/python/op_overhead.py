"""The op-overhead micro-benchmark's Python side: ns per 1-element add and per small SimpleDenseNet step.

The same measurement as scripts/bench/cpp/op_overhead.cpp; prints {"add_ns": [...], "mlp_step_ns": [...]}.
"""

import argparse
import json
import time

import torch

from train_mlp import simple_dense_net, train_step


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--iters", type=int, default=200000)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
    torch.manual_seed(0)
    x, y = torch.ones(1), torch.ones(1)
    add_ns = []
    for r in range(a.repeats + 1):  # r = 0: warm-up
        t0 = time.perf_counter()
        for _ in range(a.iters):
            _c = x + y
        if r > 0:
            add_ns.append((time.perf_counter() - t0) * 1e9 / a.iters)
    net = simple_dense_net()
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xb, yb = torch.randn(16, 784), torch.randint(0, 10, (16,))
    step_ns = []
    for r in range(a.repeats + 1):
        t0 = time.perf_counter()
        for _ in range(a.steps):
            train_step(net, opt, xb, yb)
        if r > 0:
            step_ns.append((time.perf_counter() - t0) * 1e9 / a.steps)
    print(json.dumps({"add_ns": add_ns, "mlp_step_ns": step_ns, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
