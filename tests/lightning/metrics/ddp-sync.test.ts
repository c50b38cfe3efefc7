// torchmetrics' sync on compute: in a two-process group each metric's compute() combines both processes'
// states with the state's reduce op (sum, max, min), while each process keeps its own local state.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runTwoRanks } from "../../torch/distributed/run-ranks.js";

const worker = fileURLToPath(new URL("./ddp-sync-worker.ts", import.meta.url));

test("metrics compute over every process's state (sum/max/min reduce), local states stay local", async () => {
  const ranks = await runTwoRanks(worker);
  const outs = ranks.map((r) => r.out as Record<string, number>);
  for (const [rank, r] of ranks.entries()) {
    assert.equal(r.code, 0, r.stderr);
    const o = outs[rank]!;
    // mean: (1*1 + 2*3 + 10*1) / (1 + 3 + 1)
    assert.ok(Math.abs(o.mean! - 17 / 5) < 1e-6, String(o.mean));
    assert.equal(o.sum, 13);
    assert.equal(o.max, 10);
    assert.equal(o.min, 1);
    // micro accuracy: 3 of 4 right on rank 0, 1 of 2 on rank 1
    assert.ok(Math.abs(o.acc! - 4 / 6) < 1e-6, String(o.acc));
    // macro over the combined per-class counts: class 0: 2/2, class 1: 1/3, class 2: 1/1
    assert.ok(Math.abs(o.macro! - (1 + 1 / 3 + 1) / 3) < 1e-6, String(o.macro));
    assert.ok(Math.abs(o.meanAfter! - (17 + 4 + 6) / 7) < 1e-6, String(o.meanAfter));
  }
  // Without sync each rank computes from its own state only.
  assert.ok(Math.abs(outs[0]!.local! - (1 + 6 + 4) / 5) < 1e-6, String(outs[0]!.local));
  assert.ok(Math.abs(outs[1]!.local! - 16 / 2) < 1e-6, String(outs[1]!.local));
});
