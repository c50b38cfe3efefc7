// Trainer(accelerator="cpu", devices=2): two processes (the script below starts rank 1 by running itself
// again, as Lightning's subprocess launcher does) train a linear regression. Both end with the same weights,
// equal to one process training on the union of their batches; only rank 0 writes logs and checkpoints;
// decisions (EarlyStopping) are agreed; a rank that throws fails the whole fit with a clear message.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import { DistributedSampler } from "../../../src/torch/data/distributed-sampler.js";
import * as torch from "../../../src/torch/index.js";
import { LinearModule, QUIET, regressionData, tempDir } from "./helpers.js";

type Tensor = torch.Tensor;
const script = fileURLToPath(new URL("./ddp-fit-script.ts", import.meta.url));

interface RankResult {
  globalRank: number;
  localRank: number;
  worldSize: number;
  isGlobalZero: boolean;
  currentEpoch: number;
  globalStep: number;
  params: Record<string, number[]>;
  callbackMetrics: Record<string, number>;
  bestModelPath: string;
  numTrainingBatches: number;
  testMetrics: Record<string, number>;
  testCkptPath: string;
}

function runScript(out: string, scenario: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, KILN_DDP_OUT: out, KILN_DDP_SCENARIO: scenario };
    for (const key of [
      "LOCAL_RANK",
      "NODE_RANK",
      "WORLD_SIZE",
      "MASTER_ADDR",
      "MASTER_PORT",
      "PL_GLOBAL_SEED",
    ]) {
      delete env[key];
    }
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code, output }));
  });
}

const readRank = (out: string, rank: number) =>
  JSON.parse(readFileSync(join(out, `rank${rank}.json`), "utf8")) as RankResult;

// One process, same start, each step on the union of the two ranks' batches (rank 0's samples, then rank 1's).
async function singleProcessReference(): Promise<Record<string, number[]>> {
  const data = regressionData(16, 3, 7);
  torch.manualSeed(42);
  const model = new LinearModule({}, 0.1);
  let epoch = 0;
  const unionBatches = {
    length: 2,
    *[Symbol.iterator]() {
      const shares = [0, 1].map((rank) => {
        const sampler = new DistributedSampler(16, { num_replicas: 2, rank, seed: 42 });
        sampler.setEpoch(epoch);
        return sampler.indices();
      });
      epoch++;
      for (let k = 0; k < 2; k++) {
        const rows = [...shares[0]!.slice(4 * k, 4 * k + 4), ...shares[1]!.slice(4 * k, 4 * k + 4)];
        yield torch.tidy(() => {
          const index = torch.tensor(rows, { dtype: "int64" });
          return [data.x.indexSelect(0, index), data.y.indexSelect(0, index)] as Tensor[];
        });
      }
    },
  };
  const trainer = new Trainer({ ...QUIET, max_epochs: 2 });
  await trainer.fit(model, { trainDataloaders: unionBatches });
  const params: Record<string, number[]> = {};
  for (const [name, p] of model.namedParameters())
    params[name] = [...(p.detach().toTypedArray() as Float32Array)];
  data.dispose();
  return params;
}

test("devices=2 on the CPU: both ranks end equal, as one process on the union of their batches", async () => {
  const out = tempDir("kiln-ddp-");
  const { code, output } = await runScript(out, "fit");
  assert.equal(code, 0, output);
  const [r0, r1] = [readRank(out, 0), readRank(out, 1)];
  assert.deepEqual([r0.globalRank, r0.localRank, r0.worldSize, r0.isGlobalZero], [0, 0, 2, true]);
  assert.deepEqual([r1.globalRank, r1.localRank, r1.worldSize, r1.isGlobalZero], [1, 1, 2, false]);
  // 16 samples over 2 ranks, batch 4: 2 batches (steps) per epoch on each rank.
  assert.equal(r0.numTrainingBatches, 2);
  assert.equal(r0.globalStep, 4);
  assert.deepEqual(r1.params, r0.params, "the ranks' weights differ");
  const reference = await singleProcessReference();
  for (const [name, values] of Object.entries(reference)) {
    for (const [i, v] of values.entries()) {
      const got = r0.params[name]![i]!;
      assert.ok(Math.abs(got - v) < 1e-6, `${name}[${i}]: ${got} vs ${v}`);
    }
  }
  // syncDist keys agree (train/rank is reduced with max); the unsynced one is each rank's own.
  for (const key of ["train/loss", "val/loss", "train/rank"])
    assert.equal(r1.callbackMetrics[key], r0.callbackMetrics[key], key);
  assert.equal(r0.callbackMetrics["train/rank"], 1);
  assert.equal(r0.callbackMetrics["val/rank_metric"], 1);
  assert.equal(r1.callbackMetrics["val/rank_metric"], 1);
  // Only rank 0 wrote: one CSV version, its checkpoints; rank 1 knows rank 0's best checkpoint.
  assert.deepEqual(readdirSync(join(out, "csv")), ["version_0"]);
  const rows = readFileSync(join(out, "csv", "version_0", "metrics.csv"), "utf8")
    .trim()
    .split("\n");
  // The header, a validation and a training row per epoch, the test row.
  assert.equal(rows.length, 6, rows.join("\n"));
  assert.ok(existsSync(r0.bestModelPath), r0.bestModelPath);
  assert.equal(r1.bestModelPath, r0.bestModelPath);
  assert.deepEqual(
    readdirSync(join(out, "ckpt")).sort(),
    [r0.bestModelPath.split("/").pop(), "last.ckpt"].sort(),
  );
  // test(ckptPath: "best") loads that file on every rank; the synced test loss is the same on both.
  assert.equal(r0.testCkptPath, r0.bestModelPath);
  assert.equal(r1.testCkptPath, r0.bestModelPath);
  assert.equal(typeof r0.testMetrics["test/loss"], "number");
  assert.equal(r1.testMetrics["test/loss"], r0.testMetrics["test/loss"]);
});

test("EarlyStopping on one rank stops every rank at the same epoch", async () => {
  const out = tempDir("kiln-ddp-");
  const { code, output } = await runScript(out, "stop");
  assert.equal(code, 0, output);
  const [r0, r1] = [readRank(out, 0), readRank(out, 1)];
  // Rank 0's metric improves every epoch; rank 1's stops improving after epoch 0: both stop after epoch 1.
  assert.equal(r0.currentEpoch, 2);
  assert.equal(r1.currentEpoch, 2);
  assert.deepEqual(r1.params, r0.params);
});

test("a rank that throws makes the whole fit fail with a clear message, not a hang", async () => {
  const out = tempDir("kiln-ddp-");
  const started = Date.now();
  const { code, output } = await runScript(out, "throw");
  assert.notEqual(code, 0);
  assert.match(output, /rank 1 broke on purpose/);
  assert.match(output, /DDP: rank 0 of 2 failed while|DDP: rank 1 .*exited/);
  assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  assert.ok(!existsSync(join(out, "rank0.json")));
});

test("ranks that run different collectives fail together with what each ran: no native abort", async () => {
  const out = tempDir("kiln-ddp-");
  const started = Date.now();
  const { code, output } = await runScript(out, "diverge");
  assert.notEqual(code, 0);
  assert.doesNotMatch(output, /terminate called|EnforceNotMet/);
  assert.match(output, /collective mismatch at collective #\d+/);
  assert.match(
    output,
    /rank 0 ran allReduceCoalesced\(float32\[\], float32\[\], sum\) "MeanMetric states \(sum\)"/,
  );
  assert.match(output, /rank 1 ran allReduce\(float64\[1\], sum\) "agreeing on a decision"/);
  assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
});
