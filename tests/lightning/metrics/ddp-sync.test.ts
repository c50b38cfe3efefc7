// torchmetrics' sync on compute: in a two-process group each metric's compute() combines both processes'
// states with the state's reduce op (sum, max, min), while each process keeps its own local state.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { findFreePort } from "../../../src/torch/distributed/index.js";

const worker = fileURLToPath(new URL("./ddp-sync-worker.ts", import.meta.url));

function runRank(
  rank: number,
  port: number,
): Promise<{ code: number | null; out: Record<string, number>; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", worker], {
      env: {
        ...process.env,
        RANK: String(rank),
        WORLD_SIZE: "2",
        MASTER_ADDR: "127.0.0.1",
        MASTER_PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let err = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      resolve({ code, out: line.startsWith("{") ? JSON.parse(line) : {}, err });
    });
  });
}

test("metrics compute over every process's state (sum/max/min reduce), local states stay local", async () => {
  const port = await findFreePort();
  const ranks = await Promise.all([runRank(0, port), runRank(1, port)]);
  for (const r of ranks) {
    assert.equal(r.code, 0, r.err);
    // mean: (1*1 + 2*3 + 10*1) / (1 + 3 + 1)
    assert.ok(Math.abs(r.out.mean! - 17 / 5) < 1e-6, String(r.out.mean));
    assert.equal(r.out.sum, 13);
    assert.equal(r.out.max, 10);
    assert.equal(r.out.min, 1);
    // micro accuracy: 3 of 4 right on rank 0, 1 of 2 on rank 1
    assert.ok(Math.abs(r.out.acc! - 4 / 6) < 1e-6, String(r.out.acc));
    // macro over the combined per-class counts: class 0: 2/2, class 1: 1/3, class 2: 1/1
    assert.ok(Math.abs(r.out.macro! - (1 + 1 / 3 + 1) / 3) < 1e-6, String(r.out.macro));
    assert.ok(Math.abs(r.out.meanAfter! - (17 + 4 + 6) / 7) < 1e-6, String(r.out.meanAfter));
  }
  // Without sync each rank computes from its own state only.
  assert.ok(Math.abs(ranks[0]!.out.local! - (1 + 6 + 4) / 5) < 1e-6, String(ranks[0]!.out.local));
  assert.ok(Math.abs(ranks[1]!.out.local! - 16 / 2) < 1e-6, String(ranks[1]!.out.local));
});
