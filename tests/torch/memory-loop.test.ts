// Issue 2's memory must-show: a 10,000-step MLP training loop written with the nn functional ops, with no await
// between steps (so Node never runs a finalizer), keeps the live-tensor count flat and RSS bounded because each
// step's intermediates are freed by torch.tidy.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Tensor } from "../../src/torch/index.js";
import * as torch from "../../src/torch/index.js";

const F = torch.nn.functional;
const MiB = 2 ** 20;

test("a 10,000-step MLP training loop keeps live tensors flat and RSS bounded without awaiting", () => {
  torch.manualSeed(0);
  const start = torch.memoryStats();
  // 8 -> 32 -> 3 MLP with batch norm and dropout on the hidden layer, batch 16, manual SGD.
  const w1 = torch.randn([32, 8], { requiresGrad: true });
  const b1 = torch.zeros([32], { requiresGrad: true });
  const w2 = torch.randn([3, 32], { requiresGrad: true });
  const b2 = torch.zeros([3], { requiresGrad: true });
  const runningMean = torch.zeros([32]);
  const runningVar = torch.ones([32]);
  const x = torch.randn([16, 8]);
  const y = torch.randint(0, 3, [16]);
  const params = [w1, b1, w2, b2];
  const owned: Tensor[] = [...params, runningMean, runningVar, x, y];
  const lr = 0.05;

  const step = (): number =>
    torch.tidy(() => {
      const hidden = F.linear(x, w1, b1);
      const normed = F.batchNorm(hidden, runningMean, runningVar, { training: true });
      const logits = F.linear(F.dropout(F.relu(normed), { p: 0.1 }), w2, b2);
      const loss = F.crossEntropy(logits, y);
      loss.backward();
      torch.noGrad(() => {
        for (const p of params) {
          p.sub_(p.grad!, lr); // p.grad makes a new handle each read: tidy frees it
          p.zeroGrad();
        }
      });
      return loss.item() as number;
    });

  const firstLoss = step();
  let after100 = { liveTensors: -1, nativeBytes: -1 };
  let rssWarm = 0;
  let lastLoss = firstLoss;
  for (let k = 2; k <= 10_000; k++) {
    lastLoss = step();
    if (k === 100) after100 = torch.memoryStats();
    if (k === 1000) rssWarm = process.memoryUsage.rss();
    if (k % 2500 === 0) assert.deepEqual(torch.memoryStats(), after100, `memory stats at step ${k}`);
  }
  const after10000 = torch.memoryStats();
  const grown = process.memoryUsage.rss() - rssWarm;

  assert.deepEqual(after10000, after100, "live tensors and native bytes after step 10,000 = after step 100");
  assert.equal(
    after100.liveTensors,
    start.liveTensors + owned.length,
    "only the loop's own tensors stay live",
  );
  assert.ok(grown < 100 * MiB, `RSS grew ${(grown / MiB).toFixed(1)} MiB between steps 1,000 and 10,000`);
  assert.ok(
    lastLoss < firstLoss / 2,
    `the loop trains: loss ${firstLoss.toFixed(3)} -> ${lastLoss.toFixed(3)}`,
  );

  for (const t of owned) t.dispose();
  assert.equal(torch.memoryStats().liveTensors, start.liveTensors);
});
