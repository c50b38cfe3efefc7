// The memory benchmark (issue 8, item 3): `kiln train` for N epochs (10 by default) with the epoch probe, which
// records the process RSS after each training epoch and the peak RSS at the end. RSS must stay flat (within 5%)
// from epoch 2 on; the peak should stay under 300 MiB.
import { runTrainer } from "./throughput.js";

export interface MemoryResult {
  epochs: number;
  peak_rss_mib: number | null;
  rss_per_epoch_mib: number[];
  /** (max - min) / min of the RSS from epoch 2 on, in percent. */
  growth_after_epoch1_pct: number | null;
  wall_s: number;
}

/** One trainer run of `epochs` epochs (`limit` batches each when > 0). */
export function runMemory(threads: number, epochs: number, limit: number, device: string): MemoryResult {
  const r = runTrainer(threads, { epochs, limit, device });
  const rss = r.epochs.map((e) => e.rss_mib);
  const later = rss.slice(1);
  const growth =
    later.length > 1 ? (100 * (Math.max(...later) - Math.min(...later))) / Math.min(...later) : null;
  return {
    epochs: rss.length,
    peak_rss_mib: r.peak?.peak_rss_mib ?? null,
    rss_per_epoch_mib: rss,
    growth_after_epoch1_pct: growth,
    wall_s: r.wallS,
  };
}
