// The records that epoch-probe.mjs writes, and the overrides that add it to a `kiln train` run.
import { join } from "node:path";
import { BENCH_DIR } from "./proc.js";

/** One line of the probe file per training epoch. */
export interface EpochRecord {
  kind: "epoch";
  /** The rank that wrote it (LOCAL_RANK; DDP runs write one record per rank). */
  rank?: number;
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

export type ProbeRecord = EpochRecord | PeakRecord;

/** The records of a probe file's text. */
export function readProbe(text: string): ProbeRecord[] {
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as ProbeRecord);
}

/** The overrides that add the probe to `kiln train` (it writes to $KILN_BENCH_PROBE). */
export function probeOverrides(): string[] {
  return [
    // Quoted: '#' is not allowed in an unquoted override value.
    `+callbacks.bench_probe._target_='file:${join(BENCH_DIR, "epoch-probe.mjs")}#epochProbe'`,
    "+callbacks.bench_probe.like._target_=kiln.callbacks.Timer",
  ];
}
