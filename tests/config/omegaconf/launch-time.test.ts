// `${now:...}` under torchrun: every worker of a job, and every restarted attempt, resolves the job's first
// start, so a restarted run finds its folder (and last.ckpt) again. Outside torchrun: the moment of the call.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { launchTime } from "../../../src/config/omegaconf/launch-time.js";

test("under torchrun the first start is shared by every worker and attempt; outside, the current time", async () => {
  const runId = `test-${process.pid}-${Date.now()}`;
  const file = join(tmpdir(), `kiln-torchelastic-${runId}.time`);
  try {
    const first = launchTime({ TORCHELASTIC_RUN_ID: runId });
    await new Promise((r) => setTimeout(r, 20));
    const restarted = launchTime({ TORCHELASTIC_RUN_ID: runId, TORCHELASTIC_RESTART_COUNT: "1" });
    assert.equal(restarted.toISOString(), first.toISOString());
    const other = launchTime({ TORCHELASTIC_RUN_ID: `${runId}-other` });
    assert.notEqual(other.toISOString(), first.toISOString());
    rmSync(join(tmpdir(), `kiln-torchelastic-${runId}-other.time`), { force: true });
    const plain = launchTime({});
    assert.ok(plain.getTime() > first.getTime());
  } finally {
    rmSync(file, { force: true });
  }
});
