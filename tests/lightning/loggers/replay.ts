// Shared by the logger tests: the golden fixture folders, and the log_metrics calls of the golden run
// recovered from its TensorBoard file (one call per run of records that ends with Lightning's `epoch` scalar).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { readEventFile } from "../../../src/lightning/loggers/tensorboard/reader.js";

export const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "lightning");
export const goldenTbDir = join(fixtures, "tb", "version_0");
export const goldenFitEvents = join(goldenTbDir, "events.out.tfevents.1795721913.vm.28693.0");
export const goldenTestEvents = join(goldenTbDir, "events.out.tfevents.1795721913.vm.28693.1");
/** save_hyperparameters() of the golden run. */
export const goldenHparams = { lr: 0.05, net: { hidden: 8, act: "relu" }, tag: "tiny" };

/** One logger.log_metrics call of the golden run (metrics in the order Lightning passed them). */
export interface LogCall {
  metrics: Record<string, number>;
  step: number;
}

/** The log_metrics calls recorded in a golden event file after its header and hparams records. */
export function goldenCalls(eventFile: string): LogCall[] {
  const calls: LogCall[] = [];
  let metrics: Record<string, number> = {};
  for (const ev of readEventFile(eventFile).events) {
    const value = ev.summary?.[0];
    if (value?.simpleValue === undefined || value.tag === "hp_metric") continue;
    metrics[value.tag] = value.simpleValue;
    if (value.tag === "epoch") {
      calls.push({ metrics, step: ev.step });
      metrics = {};
    }
  }
  return calls;
}

/** A fresh temporary folder, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A payload with its leading wall_time (field 1, double) zeroed, for comparisons across runs. */
export function withoutWallTime(payload: Buffer): Buffer {
  const copy = Buffer.from(payload);
  if (copy[0] === 0x09) copy.fill(0, 1, 9);
  return copy;
}
