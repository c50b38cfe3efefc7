// Kiln under torchrun (TorchElasticEnvironment): torchrun starts the processes and hosts the store, Kiln
// starts none. 1 node × 2 workers; 2 nodes × 1 worker (two agents on loopback); and --max-restarts=1 with a
// worker killed mid-epoch: the agent restarts every worker, they resume from last.ckpt and finish. torchrun
// comes from PyTorch's CPU wheel (tests/distributed/torchrun.ts); without it these tests skip and say why.
import assert from "node:assert/strict";
import { test } from "node:test";
import { findFreePort } from "../../src/torch/distributed/free-port.js";
import { tempDir } from "../lightning/trainer/helpers.js";
import { cleanEnv, nodeFit, type RankRecord, readRanks, run } from "./run-cluster.js";
import { findTorchrun } from "./torchrun.js";

const torchrun = findTorchrun();
const skip = "skip" in torchrun ? torchrun.skip : false;
const command = "command" in torchrun ? torchrun.command : [];

async function agents(nodes: number, perNode: number, extra: Record<string, string>, flags: string[] = []) {
  const out = tempDir("kiln-torchrun-");
  const port = String(await findFreePort());
  const env = cleanEnv({ KILN_OUT: out, KILN_DEVICES: String(perNode), KILN_NODES: String(nodes), ...extra });
  const agent = (node: number) =>
    run(
      [
        ...command, `--nnodes=${nodes}`, `--nproc-per-node=${perNode}`, `--node-rank=${node}`,
        "--master-addr=127.0.0.1", `--master-port=${port}`, ...flags, "--no-python", ...nodeFit,
      ],
      env,
      240_000,
    ); // biome-ignore format: an argv
  const results = await Promise.all(Array.from({ length: nodes }, (_, n) => agent(n)));
  return { out, results, ranks: readRanks(out) };
}

const shape = (ranks: RankRecord[]) => ranks.map((r) => [r.globalRank, r.nodeRank, r.localRank, r.worldSize]);
let uninterrupted: RankRecord[] = [];

test("torchrun 1 node × 2 workers: one group of 2, Kiln starts no process", { skip }, async () => {
  const { results, ranks } = await agents(1, 2, { KILN_EPOCHS: "3" });
  assert.equal(results[0]!.code, 0, results[0]!.output);
  assert.deepEqual(shape(ranks), [
    [0, 0, 0, 2],
    [1, 0, 1, 2],
  ]);
  assert.deepEqual(ranks[1]!.params, ranks[0]!.params);
  assert.deepEqual([ranks[0]!.epoch, ranks[0]!.step, ranks[0]!.ckptPath], [3, 12, null]);
  uninterrupted = ranks;
});

test("torchrun 2 nodes × 1 worker (two agents on loopback)", { skip }, async () => {
  const { results, ranks } = await agents(2, 1, {});
  for (const r of results) assert.equal(r.code, 0, r.output);
  assert.deepEqual(shape(ranks), [
    [0, 0, 0, 2],
    [1, 1, 0, 2],
  ]);
  assert.deepEqual(ranks[1]!.params, ranks[0]!.params);
});

test("torchrun --max-restarts=1, a worker killed mid-epoch: restarted, resumed from last.ckpt, finished", {
  skip,
}, async () => {
  // Rank 1 kills itself in epoch 1 (after epoch 0 saved last.ckpt), in the first attempt only.
  const { results, ranks } = await agents(1, 2, { KILN_EPOCHS: "3", KILN_KILL: "1:1:1" }, [
    "--max-restarts=1",
  ]);
  const { code, output } = results[0]!;
  assert.equal(code, 0, output);
  assert.match(output, /TORCHELASTIC_RESTART_COUNT=1\): resuming from the last checkpoint/);
  assert.match(output, /Restoring states from the checkpoint path at .*last\.ckpt/);
  for (const r of ranks) {
    assert.equal(r.restarts, 1);
    assert.match(r.ckptPath ?? "", /last\.ckpt$/);
    assert.deepEqual([r.epoch, r.step], [3, 12], "finished at the configured epoch count");
  }
  assert.deepEqual(ranks[1]!.params, ranks[0]!.params);
  // Resuming from the epoch-end checkpoint retraces the uninterrupted run exactly.
  if (uninterrupted.length > 0) assert.deepEqual(ranks[0]!.params, uninterrupted[0]!.params);
});
