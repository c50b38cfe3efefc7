// The full collection at each epoch end frees old-space garbage that scavenges leave behind (what made RSS
// creep up over a fit), and KILN_EPOCH_GC=0 turns it off.
import assert from "node:assert/strict";
import { test } from "node:test";
import { collectAfterEpoch } from "../../../src/lightning/loops/epoch-gc.js";

/** ~40 MB of objects kept alive across many scavenges (so they are promoted to old space), then dropped. */
function promotedGarbage(): void {
  let rows: { i: number; cells: number[] }[] | null = [];
  for (let i = 0; i < 400_000; i++) rows.push({ i, cells: [i, i + 1, i + 2] });
  assert.equal(rows.length, 400_000);
  rows = null;
}

test("collectAfterEpoch frees promoted garbage; KILN_EPOCH_GC=0 skips it", () => {
  collectAfterEpoch();
  const base = process.memoryUsage().heapUsed;
  promotedGarbage();
  const saved = process.env.KILN_EPOCH_GC;
  process.env.KILN_EPOCH_GC = "0";
  try {
    collectAfterEpoch();
    assert.ok(process.memoryUsage().heapUsed - base > 20e6, "the garbage is still there when the GC is off");
  } finally {
    if (saved === undefined) delete process.env.KILN_EPOCH_GC;
    else process.env.KILN_EPOCH_GC = saved;
  }
  collectAfterEpoch();
  assert.ok(
    process.memoryUsage().heapUsed - base < 5e6,
    `heap after the collection: ${process.memoryUsage().heapUsed - base} B above base`,
  );
});
