// Two processes on one machine join a Gloo group over a TCPStore and run every collective; a rank that dies
// makes the other fail with a clear error instead of hanging; a rank that never starts times the join out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { findFreePort, initProcessGroup } from "../../../src/torch/distributed/index.js";
import { type RankResult, runTwoRanks } from "./run-ranks.js";

const worker = fileURLToPath(new URL("./collectives-worker.ts", import.meta.url));

function runPair(scenario: string): Promise<RankResult[]> {
  return runTwoRanks(worker, { SCENARIO: scenario });
}

test("two ranks: allReduce (sum, avg, max, min, product), coalesced, broadcast, barrier, allGather, broadcastObject", async () => {
  const results = await runPair("ok");
  for (const [rank, r] of results.entries()) {
    assert.equal(r.code, 0, r.stderr);
    const o = r.out;
    assert.equal(o.error, undefined);
    assert.equal(o.rank, rank);
    assert.equal(o.worldSize, 2);
    assert.equal(o.initialized, true);
    assert.deepEqual(o.sum, [3, 30, -1]);
    assert.deepEqual(o.avg, [1.5, 15, -0.5]);
    assert.deepEqual(o.max, [2, 20, 0]);
    assert.deepEqual(o.min, [1, 10, -1]);
    assert.deepEqual(o.product, [2, 200, 0]);
    assert.deepEqual(o.list, [[1], [[1, 2]]]);
    assert.deepEqual(o.transposed, [
      [1, 5],
      [3, 7],
    ]);
    assert.deepEqual(o.broadcast, [6, 7]);
    assert.deepEqual(o.coalescedAvg, [[[0.5, 1]], [1.5], [1.5]]);
    assert.deepEqual(o.coalescedBroadcast, [[1, 11], [[7]], true]);
    assert.deepEqual(o.gathered, [
      [0, 0],
      [1, 2],
    ]);
    assert.deepEqual(o.object, { dir: "version_3", n: 7 });
    assert.equal(o.afterDestroy, false);
  }
});

test("a rank that exits makes the other's next collective fail with an error, not a hang", async () => {
  const started = Date.now();
  const [r0, r1] = await runPair("die");
  assert.equal(r1!.code, 3);
  assert.match(String(r0!.out.error), /allReduce|Connection|closed|peer/i);
  assert.ok(Date.now() - started < 15_000, "rank 0 should fail fast, not wait for the 20 s timeout");
});

test("the join times out with a clear error when a rank never starts", async () => {
  const port = await findFreePort();
  await assert.rejects(
    initProcessGroup({ rank: 0, worldSize: 2, masterPort: port, timeout: 300 }),
    /only 1 of 2 ranks joined the store at 127\.0\.0\.1:\d+ within 300 ms/,
  );
});

test("initProcessGroup names the missing setting", async () => {
  const saved = process.env.WORLD_SIZE;
  delete process.env.WORLD_SIZE;
  try {
    await assert.rejects(initProcessGroup({ rank: 0, masterPort: 1 }), /worldSize is not set.*WORLD_SIZE/);
  } finally {
    if (saved !== undefined) process.env.WORLD_SIZE = saved;
  }
});
