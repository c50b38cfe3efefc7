"""PyTorch's side of Kiln's DDP benchmark (scripts/bench/ddp.ts): a plain PyTorch script of the template's model
trained with DistributedDataParallel over Gloo, launched by torchrun (one process per rank, each with its own
thread count from OMP_NUM_THREADS).

SimpleDenseNet (784-64-128-64-10 with BatchNorm1d) + Adam(lr 1e-3), global batch --batch split between the
ranks by a DistributedSampler (shuffled, set_epoch every epoch), on the raw float32/int64 files that
scripts/bench/data.ts writes. Rank 0 prints one JSON line: {"epoch_s": [...], "epoch_cpu_s": [...],
"steps_per_epoch": n, "world_size": w, "threads": t}; each epoch is timed between two barriers.
"""

import argparse
import json
import os
import time

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def simple_dense_net() -> nn.Sequential:
    """The lightning-hydra-template's SimpleDenseNet (configs/model/mnist.yaml's sizes)."""
    return nn.Sequential(
        nn.Linear(784, 64), nn.BatchNorm1d(64), nn.ReLU(),
        nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(),
        nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--x", required=True)
    p.add_argument("--y", required=True)
    # not --n: torchrun reads an abbreviation of its own --nnodes in the script's arguments
    p.add_argument("--count", type=int, default=60000)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=128, help="the global batch (split between the ranks)")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--seed", type=int, default=12345)
    a = p.parse_args()
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(a.seed)
    x = torch.from_numpy(np.fromfile(a.x, dtype=np.float32).reshape(a.count, 784))
    y = torch.from_numpy(np.fromfile(a.y, dtype=np.int64))
    dataset = TensorDataset(x, y)
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=a.seed)
    loader = DataLoader(dataset, batch_size=a.batch // world, sampler=sampler)
    model = DistributedDataParallel(simple_dense_net())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    steps = len(loader) if a.limit <= 0 else min(a.limit, len(loader))
    times, cpu = [], []
    for epoch in range(a.epochs):
        sampler.set_epoch(epoch)
        dist.barrier()
        t0, c0 = time.perf_counter(), time.process_time()
        for i, (xb, yb) in enumerate(loader):
            if i >= steps:
                break
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        dist.barrier()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    if rank == 0:
        print(json.dumps({"epoch_s": times, "epoch_cpu_s": cpu, "steps_per_epoch": steps, "world_size": world,
                          "threads": threads}))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
