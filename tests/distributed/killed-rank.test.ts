// A rank killed mid-epoch (SIGKILL: no handler runs) takes the whole run down: every rank exits nonzero with
// a message that names the rank that died, within a bound, and nothing aborts natively.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tempDir } from "../lightning/trainer/helpers.js";
import { cleanEnv, nodeFit, readExits, readRanks, run } from "./run-cluster.js";

for (const victim of [1, 0]) {
  test(`rank ${victim} of 2 killed mid-epoch: every rank exits nonzero naming rank ${victim}`, async () => {
    const out = tempDir("kiln-killed-");
    const r = await run(
      nodeFit,
      cleanEnv({ KILN_OUT: out, KILN_KILL: `${victim}:0:1`, KILN_EPOCHS: "2" }),
      60_000,
    );
    assert.ok(r.ms < 45_000, `took ${r.ms} ms`);
    assert.doesNotMatch(r.output, /terminate called|EnforceNotMet|core dumped/);
    assert.deepEqual(readRanks(out), [], "no rank finished");
    const survivor = 1 - victim;
    const exits = readExits(out).filter((e) => e.rank === survivor);
    assert.equal(exits.length, 1, `${r.output}\n${JSON.stringify(readExits(out))}`);
    assert.notEqual(exits[0]!.code, 0);
    assert.match(exits[0]!.failure ?? "", new RegExp(`rank ${victim} exited`), r.output);
    // The process the test started is rank 0: killed (a signal) or failed.
    assert.notEqual(r.code, 0);
    assert.match(r.output, new RegExp(`rank ${victim} exited`));
  });
}
