// Kiln's own launcher on several nodes (loopback): each node is started with NODE_RANK, MASTER_ADDR and
// MASTER_PORT and starts its local ranks; world size = num_nodes × devices, global rank = node × devices +
// local, the sampler's shards follow. And sync_batchnorm: a 2-rank fit with the divided batch equals one
// process on the union of the batches.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Trainer } from "../../src/lightning/trainer/trainer.js";
import { DistributedSampler } from "../../src/torch/data/distributed-sampler.js";
import { findFreePort } from "../../src/torch/distributed/free-port.js";
import * as torch from "../../src/torch/index.js";
import { QUIET, regressionData, tempDir } from "../lightning/trainer/helpers.js";
import { ClusterModule } from "./cluster-module.js";
import { cleanEnv, nodeFit, readRanks, run } from "./run-cluster.js";

function assertClose(got: Record<string, number[]>, want: Record<string, number[]>, what: string): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), what);
  for (const [name, values] of Object.entries(want)) {
    for (const [i, v] of values.entries()) {
      const g = got[name]![i]!;
      assert.ok(Math.abs(g - v) <= 1e-5 * Math.max(1, Math.abs(v)), `${what} ${name}[${i}]: ${g} vs ${v}`);
    }
  }
}

test("Kiln's launcher, 2 nodes × 2 ranks on loopback: one world of 4, Lightning's ranks, equal weights", async () => {
  const out = tempDir("kiln-nodes-");
  const port = String(await findFreePort());
  const node = (rank: number) =>
    run(
      nodeFit,
      cleanEnv({
        KILN_OUT: out,
        KILN_DEVICES: "2",
        KILN_NODES: "2",
        NODE_RANK: String(rank),
        MASTER_ADDR: "127.0.0.1",
        MASTER_PORT: port,
      }),
    );
  const [n0, n1] = await Promise.all([node(0), node(1)]);
  assert.equal(n0.code, 0, n0.output);
  assert.equal(n1.code, 0, n1.output);
  const ranks = readRanks(out);
  assert.deepEqual(
    ranks.map((r) => [r.globalRank, r.nodeRank, r.localRank, r.worldSize]),
    [
      [0, 0, 0, 4],
      [1, 0, 1, 4],
      [2, 1, 0, 4],
      [3, 1, 1, 4],
    ],
  );
  // 32 samples, 4 ranks, batch 2: 4 steps per epoch, 2 epochs.
  for (const r of ranks) assert.deepEqual([r.batches, r.step, r.epoch], [4, 8, 2]);
  for (const r of ranks.slice(1)) assert.deepEqual(r.params, ranks[0]!.params, `rank ${r.globalRank}`);
  assert.match(n0.output, /Starting with 4 processes/);
  assert.doesNotMatch(n1.output, /Starting with/, "only global rank 0 announces");
});

test("num_nodes=2 without MASTER_ADDR/MASTER_PORT: a clear error naming the variables", async () => {
  const out = tempDir("kiln-nodes-");
  const r = await run(nodeFit, cleanEnv({ KILN_OUT: out, KILN_DEVICES: "1", KILN_NODES: "2" }), 60_000);
  assert.notEqual(r.code, 0);
  assert.match(r.output, /num_nodes=2.*MASTER_ADDR.*MASTER_PORT.*NODE_RANK/s);
});

// One process, same start and seeds, each step on the union of the 2 ranks' batches (rank 0's rows first).
async function unionReference(): Promise<{
  params: Record<string, number[]>;
  buffers: Record<string, number[]>;
}> {
  const data = regressionData(32, 3, 7);
  torch.manualSeed(42);
  const model = new ClusterModule(true);
  let epoch = 0;
  const unionBatches = {
    length: 4,
    *[Symbol.iterator]() {
      const shares = [0, 1].map((rank) => {
        const sampler = new DistributedSampler(32, { num_replicas: 2, rank, seed: 42 });
        sampler.setEpoch(epoch);
        return sampler.indices();
      });
      epoch++;
      for (let k = 0; k < 4; k++) {
        const rows = [...shares[0]!.slice(4 * k, 4 * k + 4), ...shares[1]!.slice(4 * k, 4 * k + 4)];
        yield torch.tidy(() => {
          const index = torch.tensor(rows, { dtype: "int64" });
          return [data.x.indexSelect(0, index), data.y.indexSelect(0, index)] as torch.Tensor[];
        });
      }
    },
  };
  await new Trainer({ ...QUIET, max_epochs: 2 }).fit(model, { trainDataloaders: unionBatches });
  const params: Record<string, number[]> = {};
  for (const [name, p] of model.namedParameters())
    params[name] = [...(p.detach().toTypedArray() as Float32Array)];
  const buffers: Record<string, number[]> = {};
  for (const [name, b] of model.namedBuffers())
    buffers[name] = Array.from(b.toTypedArray() as ArrayLike<number>, Number);
  return { params, buffers };
}

test("sync_batchnorm: a 2-rank fit with the divided batch equals one process on the union of the batches", async () => {
  const out = tempDir("kiln-syncbn-");
  const r = await run(nodeFit, cleanEnv({ KILN_OUT: out, KILN_DEVICES: "2", KILN_BN: "1" }));
  assert.equal(r.code, 0, r.output);
  const [r0, r1] = readRanks(out);
  assert.deepEqual(r1!.params, r0!.params);
  const want = await unionReference();
  assertClose(r0!.params, want.params, "params");
  // Running statistics too: SyncBatchNorm updates them from the global batch on every rank.
  assertClose(r0!.buffers, want.buffers, "buffers");
  assertClose(r1!.buffers, want.buffers, "rank 1 buffers");
});
