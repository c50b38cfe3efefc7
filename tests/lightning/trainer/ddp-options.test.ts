// Which strategy the Trainer's flags select (Lightning's accelerator connector), the errors for what Kiln's
// DDP does not do, and self.log's sync_dist bookkeeping (with a stand-in for the other rank).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Strategy, type SyncReduce, setActiveStrategy } from "../../../src/lightning/strategies/strategy.js";
import { ResultCollection } from "../../../src/lightning/trainer/connectors/results.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import { QUIET } from "./helpers.js";

test("devices=2 on the CPU selects DDP; one device, the single-device strategy", () => {
  const ddp = new Trainer({ ...QUIET, accelerator: "cpu", devices: 2 });
  assert.equal(ddp.strategy.name, "ddp");
  assert.equal(ddp.strategy.isDistributed, true);
  // Before fit launches the ranks, this process is rank 0 of the world it will start.
  assert.deepEqual([ddp.globalRank, ddp.localRank, ddp.worldSize, ddp.isGlobalZero], [0, 0, 2, true]);
  assert.equal(new Trainer({ ...QUIET, accelerator: "cpu", devices: "3" }).strategy.name, "ddp");
  assert.equal(
    new Trainer({ ...QUIET, accelerator: "cpu", devices: 1, strategy: "ddp" }).strategy.name,
    "ddp",
  );
  // The template's trainer=ddp_sim asks for ddp_spawn: run like "ddp" (the script starts again per rank).
  assert.equal(
    new Trainer({ ...QUIET, accelerator: "cpu", devices: 2, strategy: "ddp_spawn" }).strategy.name,
    "ddp",
  );
  const single = new Trainer({ ...QUIET, devices: 1 });
  assert.equal(single.strategy.name, "single_device");
  assert.deepEqual([single.globalRank, single.worldSize, single.isGlobalZero], [0, 1, true]);
  assert.equal(new Trainer({ ...QUIET, devices: "auto", strategy: "auto" }).strategy.name, "single_device");
});

test("unsupported strategies and layouts fail at construction with the fix", () => {
  assert.throws(
    () => new Trainer({ ...QUIET, accelerator: "cpu", devices: 2, strategy: "fsdp" }),
    /strategy="fsdp"\) is not supported.*"ddp"/,
  );
  assert.throws(
    () => new Trainer({ ...QUIET, accelerator: "cpu", devices: 2, num_nodes: 0 }),
    /num_nodes=0\): num_nodes must be an integer >= 1/,
  );
  assert.throws(
    () => new Trainer({ ...QUIET, accelerator: "cpu", devices: 2, strategy: "single_device" }),
    /single device.*devices: 1/,
  );
});

// The other rank logged `other` values: its state is added as a sum-based (or max/min) reduction would.
class TwoRankStandIn extends Strategy {
  constructor(private readonly other: number[]) {
    super();
  }
  override get worldSize(): number {
    return 2;
  }
  override reduceLogged(reduce: SyncReduce, state: number[]): number[] {
    const peer = [this.other[0]!, this.other[1]!, this.other[2]!];
    if (reduce === "max") return state.map((v, i) => Math.max(v, peer[i]!));
    if (reduce === "min") return state.map((v, i) => Math.min(v, peer[i]!));
    const sums = state.map((v, i) => v + peer[i]!);
    if (reduce === "sum") return sums;
    return [Math.fround(sums[0]! / 2), Math.fround(sums[1]! / 2), Math.trunc(sums[2]! / 2)];
  }
}

test("sync_dist: step values and epoch aggregates are the reduced ones; unsynced keys stay local", () => {
  const results = new ResultCollection(true);
  const opts = { onStep: true, onEpoch: true, progBar: false, logger: true, reduceFx: "mean" as const };
  // The other rank logged 3.0 with a batch of 3 (its weighted total 9.0): Lightning divides the summed count
  // by the world size and truncates it (int64): (2 + 3) / 2 -> 2.
  setActiveStrategy(new TwoRankStandIn([3, 9, 3]));
  try {
    results.log("training_step", "loss", 1, { ...opts, batchSize: 2, syncDist: true });
    results.log("training_step", "local", 1, { ...opts, batchSize: 2 });
  } finally {
    setActiveStrategy(new Strategy());
  }
  const step = results.metrics(true).callback;
  assert.equal(step.loss_step, 2); // (1 + 3) / 2
  assert.equal(step.local_step, 1);
  const epoch = results.metrics(false).callback;
  // totals (2 + 9) / 2 = 5.5 over the truncated count 2 -> 2.75 (Lightning's arithmetic, not 11 / 5).
  assert.equal(epoch.loss_epoch, 2.75);
  assert.equal(epoch.local_epoch, 1);
});
