// The memory benchmark (issue 8, item 3): `kiln train` for N epochs (10 by default) as a user runs it: the
// bundled CLI (bin/kiln.js over dist/bundle, made by `npm run build`) in plain node, without tsx. A small
// probe callback (epoch-probe.mjs) records the process RSS after each training epoch and the peak RSS at the
// end. RSS must stay flat (within 5%) from epoch 2 on; the peak should stay under 300 MiB. The floor is the
// peak RSS of node with the addon loaded and nothing else: what no run can go below.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchDataName, BenchSource } from "./data.js";
import { type KilnRunner, kilnCommand, kilnRunner } from "./kiln-runner.js";
import { readProbe } from "./probe.js";
import { benchEnv, ROOT, run } from "./proc.js";
import { trainerOverrides } from "./throughput.js";

export interface MemoryResult {
  /** The data the run trained on (data.ts's choice, the same as the trainer's throughput side). */
  data: BenchDataName;
  epochs: number;
  peak_rss_mib: number | null;
  rss_per_epoch_mib: number[];
  /** (max - min) / min of the RSS from epoch 2 on, in percent. */
  growth_after_epoch1_pct: number | null;
  wall_s: number;
  /** What ran `kiln`: the bundled CLI (what users run), or src/cli.ts through tsx when dist/ is not built. */
  runner: KilnRunner;
  /** Peak RSS of node (with tsx when the runner is tsx) that loads the native addon and nothing else. */
  floor_rss_mib: number | null;
}

/** One `kiln train` run of `epochs` epochs (`limit` batches each when > 0) on `source`'s images. */
export function runMemory(
  threads: number,
  epochs: number,
  limit: number,
  device: string,
  source: BenchSource,
): MemoryResult {
  const dir = mkdtempSync(join(tmpdir(), "kiln-bench-memory-"));
  const probe = join(dir, "probe.jsonl");
  try {
    const runner = kilnRunner().runner;
    const runDir = join(dir, "run");
    const args = [
      "train",
      ...trainerOverrides({ epochs, limit, device, runDir, data: source.trainerOverrides }),
    ];
    const { wallS } = run(...kilnCommand(args), benchEnv(threads, { KILN_BENCH_PROBE: probe }));
    const records = readProbe(readFileSync(probe, "utf8"));
    const rss = records.filter((r) => r.kind === "epoch").map((r) => r.rss_mib);
    const later = rss.slice(1);
    const growth =
      later.length > 1 ? (100 * (Math.max(...later) - Math.min(...later))) / Math.min(...later) : null;
    return {
      data: source.name,
      epochs: rss.length,
      peak_rss_mib: records.flatMap((r) => (r.kind === "peak" ? [r.peak_rss_mib] : [])).at(-1) ?? null,
      rss_per_epoch_mib: rss,
      growth_after_epoch1_pct: growth,
      wall_s: wallS,
      runner,
      floor_rss_mib: floorRss(threads, runner),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak RSS (MiB) of node that loads the addon and exits (through tsx too when `kiln` runs through it). */
function floorRss(threads: number, runner: KilnRunner): number | null {
  const script =
    "const { native } = await import(process.argv[1]); native();" +
    "console.log(process.resourceUsage().maxRSS / 1024);";
  const nativeModule = join(ROOT, runner === "bundle" ? "dist/torch/native.js" : "src/torch/native.ts");
  const loader = runner === "bundle" ? [] : ["--import", "tsx"];
  try {
    const args = [...loader, "--input-type=module", "-e", script, nativeModule];
    return Number(run(process.execPath, args, benchEnv(threads)).stdout.trim());
  } catch {
    return null;
  }
}
