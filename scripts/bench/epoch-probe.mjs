// The epoch probe of the memory benchmark for the bundled CLI (bin/kiln.js runs in plain node, so it cannot
// load epoch-probe.ts). Added through the config as a function target:
//   +callbacks.bench_probe._target_=file:<abs path>/scripts/bench/epoch-probe.mjs#epochProbe
//   +callbacks.bench_probe.like._target_=kiln.callbacks.Timer
// The Trainer accepts only instances of its own Callback class, and the bundle holds its own copy of it:
// `like` (any built-in callback, instantiated by the config) hands that class over. At each training epoch's
// end it appends {"kind":"epoch","epoch","rss_mib"} to $KILN_BENCH_PROBE, at each teardown
// {"kind":"peak","peak_rss_mib"}.
import { appendFileSync } from "node:fs";

const MIB = 1024 * 1024;

/** A Callback (of the running Kiln's class) that records the RSS after each training epoch and the peak. */
export function epochProbe({ like }) {
  const Callback = Object.getPrototypeOf(like.constructor);
  const file = process.env.KILN_BENCH_PROBE;
  const write = (record) => {
    if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
  };
  let epoch = 0;
  class EpochProbeJs extends Callback {
    onTrainEpochEnd() {
      write({ kind: "epoch", epoch: epoch++, rss_mib: process.memoryUsage().rss / MIB });
    }
    teardown() {
      // resourceUsage().maxRSS is in KiB: the peak over the whole process so far.
      write({ kind: "peak", peak_rss_mib: process.resourceUsage().maxRSS / 1024 });
    }
  }
  return new EpochProbeJs();
}
