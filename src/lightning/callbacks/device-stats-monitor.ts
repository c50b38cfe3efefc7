// Lightning's DeviceStatsMonitor: the device's figures logged at each batch's start and end of training,
// validation and test, under "DeviceStatsMonitor.<hook>/<stat>", at the logging steps. On the CPU these are
// Lightning's (psutil's) cpu_vm_percent, cpu_percent and cpu_swap_percent, read from /proc, plus the process's
// resident memory (cpu_rss_mb, Kiln's addition). On a GPU, CUDAAccelerator.get_device_stats' figures:
// torch.cuda.memory_stats of the module's device ("allocated_bytes.all.current", "reserved_bytes.all.peak", ...).
import { readFileSync } from "node:fs";
import { cuda } from "../../torch/runtime.js";
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
import { Callback, type Stage } from "./callback.js";
import { MisconfigurationError } from "./options.js";

/** Options of DeviceStatsMonitor (the YAML's keys). */
export interface DeviceStatsMonitorOptions {
  /** Log CPU figures: on a CPU run unless false; on a GPU run only when true (default null). */
  cpu_stats?: boolean | null;
}

/** Logs device statistics during training, validation and testing. */
export class DeviceStatsMonitor extends Callback {
  readonly cpuStats: boolean | null;
  readonly #cpu = new CpuPercent();

  constructor(opts: DeviceStatsMonitorOptions = {}) {
    super();
    this.cpuStats = opts.cpu_stats ?? null;
  }

  override setup(trainer: Trainer, _module: LightningModule, stage: Stage): void {
    if (stage !== "fit") return;
    if (trainer.loggers.length === 0) {
      throw new MisconfigurationError(
        "Cannot use `DeviceStatsMonitor` callback with `Trainer(logger=False)`.",
      );
    }
  }

  #log(trainer: Trainer, key: string): void {
    if (!trainer.shouldUpdateLogs) return;
    const onCpu = !trainer.lightningModule.device.startsWith("cuda");
    if (this.cpuStats === false && onCpu) return;
    const stats: Record<string, number> = onCpu
      ? this.cpuFigures()
      : Object.fromEntries(cuda.memoryStats(trainer.lightningModule.device));
    if (this.cpuStats && !onCpu) Object.assign(stats, this.cpuFigures());
    for (const logger of trainer.loggers) {
      const prefix = `DeviceStatsMonitor.${key}${logger.groupSeparator}`;
      const prefixed = Object.fromEntries(Object.entries(stats).map(([k, v]) => [prefix + k, v]));
      logger.logMetrics(prefixed, trainer.batchesThatStepped);
    }
  }

  /** Lightning's get_cpu_stats (psutil's figures) and the process's RSS. */
  cpuFigures(): Record<string, number> {
    const mem = meminfo();
    const round1 = (x: number) => Math.round(x * 10) / 10;
    const total = mem.MemTotal ?? 0;
    const swapTotal = mem.SwapTotal ?? 0;
    return {
      cpu_vm_percent: total > 0 ? round1(((total - (mem.MemAvailable ?? 0)) / total) * 100) : 0,
      cpu_percent: this.#cpu.sample(),
      cpu_swap_percent: swapTotal > 0 ? round1(((swapTotal - (mem.SwapFree ?? 0)) / swapTotal) * 100) : 0,
      cpu_rss_mb: process.memoryUsage.rss() / 2 ** 20,
    };
  }

  override onTrainBatchStart(trainer: Trainer): void {
    this.#log(trainer, "on_train_batch_start");
  }
  override onTrainBatchEnd(trainer: Trainer): void {
    this.#log(trainer, "on_train_batch_end");
  }
  override onValidationBatchStart(trainer: Trainer): void {
    this.#log(trainer, "on_validation_batch_start");
  }
  override onValidationBatchEnd(trainer: Trainer): void {
    this.#log(trainer, "on_validation_batch_end");
  }
  override onTestBatchStart(trainer: Trainer): void {
    this.#log(trainer, "on_test_batch_start");
  }
  override onTestBatchEnd(trainer: Trainer): void {
    this.#log(trainer, "on_test_batch_end");
  }
}

// /proc/meminfo in bytes by field.
function meminfo(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync("/proc/meminfo", "utf8").split("\n")) {
      const m = /^(\w+):\s+(\d+)\s*kB/.exec(line);
      if (m) out[m[1]!] = Number(m[2]) * 1024;
    }
  } catch {
    // not Linux: the percentages read 0
  }
  return out;
}

// psutil.cpu_percent(interval=None): system-wide busy time since the previous call, in percent (0.0 at first).
class CpuPercent {
  #last: { busy: number; total: number } | null = null;

  sample(): number {
    let fields: number[];
    try {
      fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    } catch {
      return 0;
    }
    // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const now = { busy: total - idle, total };
    const last = this.#last;
    this.#last = now;
    if (last === null || now.total <= last.total) return 0;
    return Math.round(((now.busy - last.busy) / (now.total - last.total)) * 1000) / 10;
  }
}
