// NCCL for CUDA tensors (the CUDA addon on a machine with a GPU; skipped with the reason elsewhere): a
// one-rank group with backend "nccl", its collectives on CUDA tensors, DDP's Reducer over CUDA parameters, and
// SyncBatchNorm's CUDA kernels. One GPU cannot hold two NCCL ranks, so this is the smoke test that the device
// check (scripts/device/gpu-checks.sh) runs; two-rank numerics are covered by ddp.test.ts on the CPU.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  allReduce,
  broadcast,
  cudaBackend,
  DistributedDataParallel,
  destroyProcessGroup,
  findFreePort,
  initProcessGroup,
  isNcclAvailable,
} from "../../../src/torch/distributed/index.js";
import * as torch from "../../../src/torch/index.js";
import { native } from "../../../src/torch/native.js";
import { BatchNorm1d, Linear, SyncBatchNorm } from "../../../src/torch/nn/index.js";
import { wrap } from "../../../src/torch/tensor.js";

function skipReason(): string | null {
  if (!torch.buildInfo().cuda) return "NCCL needs the CUDA addon (CPU-only libtorch build)";
  if (!isNcclAvailable()) return "this CUDA addon was built without NCCL (no nccl.h found)";
  if (!torch.cuda.isAvailable()) return "CUDA libtorch but no visible GPU";
  return null;
}

const skip = skipReason();

test(
  "NCCL: one CUDA rank's collectives, DDP's Reducer and SyncBatchNorm's kernels",
  skip ? { skip } : {},
  async () => {
    await initProcessGroup({ backend: "nccl", rank: 0, worldSize: 1, masterPort: await findFreePort() });
    try {
      assert.equal(cudaBackend(), "nccl");
      torch.tidy(() => {
        const t = torch.tensor([1, 2, 3], { device: "cuda" });
        allReduce(t, "sum");
        allReduce(t, "avg");
        broadcast(t, 0);
        assert.deepEqual(t.toArray(), [1, 2, 3]);
        assert.equal(t.device, "cuda:0");
      });
      torch.manualSeed(3);
      const model = new Linear(4, 2).to("cuda");
      const ddp = new DistributedDataParallel(model);
      const x = torch.randn([8, 4]).to("cuda");
      const reference = torch.tidy(() => {
        model.call(x).pow(2).mean().backward();
        const g = model.weight.grad!.clone();
        model.zeroGrad({ setToNone: true });
        return torch.keep(g);
      });
      for (let step = 0; step < 2; step++) {
        model.zeroGrad({ setToNone: true });
        torch.tidy(() => (ddp.run(() => model.call(x).pow(2).mean(), "train") as torch.Tensor).backward());
        const diff = torch.tidy(() => model.weight.grad!.sub(reference).abs().max().item() as number);
        assert.ok(diff < 1e-6, `step ${step}: the Reducer's gradient differs by ${diff}`);
      }
      ddp.dispose();
      reference.dispose();
      // SyncBatchNorm's CUDA path (batch_norm_stats / gather_stats_with_counts / elemt) on one rank = BatchNorm.
      torch.tidy(() => {
        const input = torch.randn([16, 3]).to("cuda");
        const sync = new SyncBatchNorm(3).to("cuda");
        const plain = new BatchNorm1d(3).to("cuda");
        const y = wrap(
          native().syncBatchNorm(
            input.handle,
            sync.weight!.handle,
            sync.bias!.handle,
            sync.runningMean!.handle,
            sync.runningVar!.handle,
            sync.eps,
            0.1,
          ),
        );
        const yRef = plain.call(input);
        assert.ok((y.sub(yRef).abs().max().item() as number) < 1e-5);
        assert.ok((sync.runningVar!.sub(plain.runningVar!).abs().max().item() as number) < 1e-6);
      });
    } finally {
      destroyProcessGroup();
    }
  },
);
