// A Callback that the benchmarks add to `kiln train` through the config:
//   +callbacks.bench_probe._target_=file:<abs path>/scripts/bench/epoch-probe.ts#EpochProbe
// At each training epoch's end it appends one JSON line to $KILN_BENCH_PROBE: the training time of the epoch
// (first hook of the epoch to its last batch, so validation is excluded), the whole epoch's time, the steps and the
// process RSS; at teardown a line with the peak RSS. Lines are appended as they come so a crash keeps them.
import { appendFileSync } from "node:fs";
import { Callback, type Stage } from "../../src/lightning/callbacks/callback.js";
import type { LightningModule } from "../../src/lightning/module.js";
import type { Trainer } from "../../src/lightning/trainer/trainer.js";

const MIB = 1024 * 1024;

/** One line of the probe file per training epoch. */
export interface EpochRecord {
  kind: "epoch";
  epoch: number;
  train_s: number;
  /** CPU seconds (all threads) of the same span as train_s: steadier than wall time on a busy machine. */
  train_cpu_s: number;
  epoch_s: number;
  steps: number;
  rss_mib: number;
}

/** The last line of the probe file: the process's peak RSS. */
export interface PeakRecord {
  kind: "peak";
  peak_rss_mib: number;
}

/** Records per-epoch timing and RSS into the file named by $KILN_BENCH_PROBE (does nothing without it). */
export class EpochProbe extends Callback {
  private readonly file = process.env.KILN_BENCH_PROBE;
  private epochStart = 0;
  private lastBatchEnd = 0;
  private cpuStart: NodeJS.CpuUsage = { user: 0, system: 0 };
  private lastBatchCpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  private steps = 0;
  private epoch = 0;

  override onTrainEpochStart(_trainer: Trainer, _module: LightningModule): void {
    this.epochStart = performance.now();
    this.lastBatchEnd = this.epochStart;
    this.cpuStart = process.cpuUsage();
    this.lastBatchCpu = this.cpuStart;
    this.steps = 0;
  }

  override onTrainBatchEnd(): void {
    this.lastBatchEnd = performance.now();
    this.lastBatchCpu = process.cpuUsage();
    this.steps++;
  }

  override onTrainEpochEnd(_trainer: Trainer, _module: LightningModule): void {
    const now = performance.now();
    this.write({
      kind: "epoch",
      epoch: this.epoch++,
      train_s: (this.lastBatchEnd - this.epochStart) / 1000,
      train_cpu_s:
        (this.lastBatchCpu.user - this.cpuStart.user + this.lastBatchCpu.system - this.cpuStart.system) / 1e6,
      epoch_s: (now - this.epochStart) / 1000,
      steps: this.steps,
      rss_mib: process.memoryUsage().rss / MIB,
    });
  }

  override teardown(_trainer: Trainer, _module: LightningModule, _stage: Stage): void {
    // resourceUsage().maxRSS is in KiB: the peak over the whole process so far.
    this.write({ kind: "peak", peak_rss_mib: process.resourceUsage().maxRSS / 1024 });
  }

  private write(record: EpochRecord | PeakRecord): void {
    if (this.file) appendFileSync(this.file, `${JSON.stringify(record)}\n`);
  }
}
