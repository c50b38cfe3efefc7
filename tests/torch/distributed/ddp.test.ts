// DistributedDataParallel over libtorch's Reducer, SyncBatchNorm, and the fingerprint check that turns ranks
// running different collectives into an error on every rank (Gloo would abort the process instead).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type RankResult, runTwoRanks } from "./run-ranks.js";

const worker = fileURLToPath(new URL("./ddp-worker.ts", import.meta.url));

function run(scenario: string, env: Record<string, string> = {}): Promise<RankResult[]> {
  return runTwoRanks(worker, { SCENARIO: scenario, ...env });
}

function assertClose(got: unknown, expected: unknown, tol: number, what: string): void {
  const a = (got as number[] | number[][]).flat();
  const b = (expected as number[] | number[][]).flat();
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  for (const [i, v] of a.entries()) {
    assert.ok(Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${v} vs ${b[i]}`);
  }
}

interface Step {
  got: number[][];
  expected: number[][];
}

for (const options of [
  {},
  { gradient_as_bucket_view: true },
  { static_graph: true },
  { find_unused_parameters: true },
  { bucket_cap_mb: 0.0001 },
]) {
  test(`DDP averages gradients as the mean of both ranks' over 3 steps: ${JSON.stringify(options)}`, async () => {
    const results = await run("ddp", { DDP_OPTIONS: JSON.stringify(options) });
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.out.error, undefined, String(r.out.error));
      const steps = r.out.steps as Step[];
      assert.equal(steps.length, 3);
      steps.forEach((s, i) => {
        // find_unused_parameters: the unused layer's gradient stays unset (PyTorch leaves it None).
        assertClose(
          s.got.filter((g) => g.length > 0),
          s.expected.filter((g) => g.length > 0),
          1e-5,
          `step ${i}`,
        );
        assert.deepEqual(
          s.got.map((g) => g.length),
          s.expected.map((g) => g.length),
        );
      });
    }
    assert.deepEqual(results[0]!.out.steps, results[1]!.out.steps, "both ranks end with the same gradients");
  });
}

test("DDP noSync: gradients accumulate locally, then the next reduced backward averages the sums", async () => {
  const [r0, r1] = await run("nosync");
  for (const r of [r0!, r1!]) assert.equal(r.code, 0, r.stderr + String(r.out.error));
  const l0 = r0!.out.local as number[][];
  const l1 = r1!.out.local as number[][];
  assert.notDeepEqual(l0, l1, "no reduction under noSync");
  assert.deepEqual(r0!.out.final, r1!.out.final);
});

test("ranks running different collectives fail together, each error naming what both ranks ran", async () => {
  for (const scenario of ["mismatch", "mismatch-kind"]) {
    const started = Date.now();
    const results = await run(scenario);
    for (const r of results) {
      assert.equal(r.code, 0, `no native abort: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /terminate called/);
      const error = String(r.out.error);
      assert.match(error, /collective mismatch at collective #1/);
      assert.match(error, /rank 0 ran (allReduce|broadcast)\(float\S+\[\d\]/);
      assert.match(error, /rank 1 ran allReduce\(float32\[\d\]/);
    }
    assert.match(
      String(results[0]!.out.error),
      scenario === "mismatch" ? /"stopping decision"/ : /"weights"/,
    );
    assert.ok(Date.now() - started < 20_000);
  }
});

test("SyncBatchNorm on two halves equals BatchNorm1d on the whole batch (output, gradients, running stats)", async () => {
  const results = await run("syncbn");
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    const o = r.out;
    assert.equal(o.error, undefined, String(o.error));
    assertClose(o.y, o.yRef, 1e-5, "output");
    assertClose(o.gradInput, o.gradInputRef, 1e-5, "input gradient");
    assertClose(o.gradWeight, o.gradWeightRef, 1e-5, "weight gradient");
    assertClose(o.gradBias, o.gradBiasRef, 1e-5, "bias gradient");
    assertClose(o.running, o.runningRef, 1e-6, "running statistics");
  }
});
