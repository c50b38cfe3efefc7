"""(d) of Kiln's throughput benchmark: plain PyTorch eager, the data held in memory as tensors.

SimpleDenseNet (784-64-128-64-10 with BatchNorm1d) + Adam(lr 1e-3), batch 128, on the raw float32/int64 files
that scripts/bench/data.ts writes, shuffled each epoch with randperm: the same steps as the C++ program and the
TS loop. Prints one JSON line: {"epoch_s": [...], "epoch_cpu_s": [...], "steps_per_epoch": n, "threads": t, "final_loss": l}.
"""

import argparse
import json
import time

import numpy as np
import torch
from torch import nn


def simple_dense_net() -> nn.Sequential:
    """The lightning-hydra-template's SimpleDenseNet."""
    return nn.Sequential(
        nn.Linear(784, 64), nn.BatchNorm1d(64), nn.ReLU(),
        nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(),
        nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def train_step(net, opt, x, y, mixed: bool = False) -> float:
    """zero_grad, forward, cross-entropy (under bf16 autocast when mixed), backward, Adam step; returns the loss."""
    opt.zero_grad()
    with torch.autocast(device_type=x.device.type, dtype=torch.bfloat16, enabled=mixed):
        loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--x", required=True)
    p.add_argument("--y", required=True)
    p.add_argument("--n", type=int, default=60000)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--precision", default="32-true", choices=["32-true", "bf16-mixed"])
    p.add_argument("--seed", type=int, default=12345)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
    torch.manual_seed(a.seed)
    device = torch.device(a.device)
    x = torch.from_numpy(np.fromfile(a.x, dtype=np.float32).reshape(a.n, 784)).to(device)
    y = torch.from_numpy(np.fromfile(a.y, dtype=np.int64)).to(device)
    net = simple_dense_net().to(device)
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    steps = (a.n + a.batch - 1) // a.batch
    if 0 < a.limit < steps:
        steps = a.limit
    times, cpu_times, loss = [], [], 0.0
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        perm = torch.randperm(a.n, device=device)
        for s in range(steps):
            idx = perm[s * a.batch : (s + 1) * a.batch]
            loss = train_step(net, opt, x.index_select(0, idx), y.index_select(0, idx), a.precision == "bf16-mixed")
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    out = {
        "epoch_s": times,
        "epoch_cpu_s": cpu_times,
        "steps_per_epoch": steps,
        "threads": torch.get_num_threads(),
        "final_loss": loss,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
