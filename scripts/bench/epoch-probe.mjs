// The benchmarks' epoch probe, added to `kiln train` through the config as a function target (plain JS: the
// bundled CLI runs in plain node and cannot load TypeScript):
//   +callbacks.bench_probe._target_=file:<abs path>/scripts/bench/epoch-probe.mjs#epochProbe
//   +callbacks.bench_probe.like._target_=kiln.callbacks.Timer
// The Trainer accepts only instances of its own Callback class: `like` (any built-in callback, instantiated by
// the config) hands over the class of the Kiln that runs, bundled or from src/. At each training epoch's end it
// appends one JSON line to $KILN_BENCH_PROBE (fields: probe.ts's EpochRecord): the training time of the epoch
// (first hook of the epoch to its last batch, so validation is excluded), its CPU time, the whole epoch's time,
// the steps and the process RSS; at each teardown a line with the peak RSS. Lines are appended as they come so
// a crash keeps them.
import { appendFileSync } from "node:fs";

const MIB = 1024 * 1024;

const cpuSeconds = (from, to) => (to.user - from.user + to.system - from.system) / 1e6;

/** A Callback (of the running Kiln's class) that records each training epoch's timing and RSS, and the peak. */
export function epochProbe({ like }) {
  const Callback = Object.getPrototypeOf(like.constructor);
  const file = process.env.KILN_BENCH_PROBE;
  const write = (record) => {
    if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
  };
  let epoch = 0;
  let epochStart = 0;
  let lastBatchEnd = 0;
  let cpuStart = { user: 0, system: 0 };
  let lastBatchCpu = cpuStart;
  let steps = 0;
  class EpochProbeJs extends Callback {
    onTrainEpochStart() {
      epochStart = performance.now();
      lastBatchEnd = epochStart;
      cpuStart = process.cpuUsage();
      lastBatchCpu = cpuStart;
      steps = 0;
    }
    onTrainBatchEnd() {
      lastBatchEnd = performance.now();
      lastBatchCpu = process.cpuUsage();
      steps++;
    }
    onTrainEpochEnd() {
      write({
        kind: "epoch",
        rank: Number(process.env.LOCAL_RANK ?? 0),
        epoch: epoch++,
        train_s: (lastBatchEnd - epochStart) / 1000,
        train_cpu_s: cpuSeconds(cpuStart, lastBatchCpu),
        epoch_s: (performance.now() - epochStart) / 1000,
        steps,
        rss_mib: process.memoryUsage().rss / MIB,
      });
    }
    teardown() {
      // resourceUsage().maxRSS is in KiB: the peak over the whole process so far.
      write({ kind: "peak", peak_rss_mib: process.resourceUsage().maxRSS / 1024 });
    }
  }
  return new EpochProbeJs();
}
