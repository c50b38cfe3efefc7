// Every DDP configuration that runs in one process also runs in two: the fast-dev-run of each callbacks,
// logger and debug option of the template under trainer=ddp_sim (two CPU ranks) exits 0 with no native abort
// and no collective mismatch. The options are read from configs/, so a new one is covered when it is added.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import {
  type CliResult,
  CONFIG_DIR,
  explain,
  NO_TINY_DATA,
  runCli,
  tempDir,
  tinyDataOverrides,
  writeTinyIdx,
} from "./helpers.js";

const optionsOf = (group: string) =>
  readdirSync(join(CONFIG_DIR, group))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => `${group}=${f.slice(0, -5)}`)
    .sort();

const cases = [...optionsOf("callbacks"), ...optionsOf("logger"), ...optionsOf("debug")];
// Mandatory values (???) an option leaves to its user, as the one-process run needs them too.
const completes: Record<string, string[]> = {
  "callbacks=early_stopping": ["callbacks.early_stopping.monitor=val/loss"],
};

/** Runs the cases two at a time (each is two processes). */
async function runAll(args: (c: string, dir: string) => string[]): Promise<Map<string, CliResult>> {
  const out = new Map<string, CliResult>();
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      const dir = tempDir("kiln-ddp-config-");
      out.set(c, await runCli(args(c, dir)));
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

describe("every callbacks/logger/debug option also runs under trainer=ddp_sim", {
  skip: NO_TINY_DATA ?? false,
}, () => {
  let results = new Map<string, CliResult>();
  before(async () => {
    const data = tinyDataOverrides(writeTinyIdx(join(tempDir(), "raw"), 500, 100));
    results = await runAll((c, dir) => [
      "train",
      ...data,
      "trainer=ddp_sim",
      c,
      ...(completes[c] ?? []),
      // debug configs ask for one device: two are what is tested here.
      "trainer.devices=2",
      "++trainer.fast_dev_run=true",
      `hydra.run.dir=${dir}`,
      `paths.log_dir=${join(dir, "logs")}`,
    ]);
  });
  for (const c of cases) {
    test(`${c} trainer=ddp_sim fast_dev_run`, () => {
      const r = results.get(c)!;
      const all = r.stdout + r.stderr;
      assert.doesNotMatch(all, /terminate called|EnforceNotMet|Aborted/, explain(r));
      assert.doesNotMatch(all, /collective mismatch/, explain(r));
      assert.equal(r.code, 0, explain(r));
      assert.match(all, /Starting with 2 processes/, "two ranks ran");
    });
  }
});
