// The memory benchmark (issue 8, item 3): `kiln train` for N epochs (10 by default) as a user runs it: the
// bundled CLI (bin/kiln.js over dist/bundle, made by `npm run build`) in plain node, without tsx. A small
// probe callback (epoch-probe.mjs) records the process RSS after each training epoch and the peak RSS at the
// end. RSS must stay flat (within 5%) from epoch 2 on; the peak should stay under 300 MiB. The floor is the
// peak RSS of node with the addon loaded and nothing else: what no run can go below.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_DIR, benchEnv, ROOT, run, tsNode } from "./proc.js";
import { trainerOverrides } from "./throughput.js";

export interface MemoryResult {
  epochs: number;
  peak_rss_mib: number | null;
  rss_per_epoch_mib: number[];
  /** (max - min) / min of the RSS from epoch 2 on, in percent. */
  growth_after_epoch1_pct: number | null;
  wall_s: number;
  /** What ran `kiln`: the bundled CLI (what users run), or src/cli.ts through tsx when dist/ is not built. */
  runner: "bundle" | "tsx";
  /** Peak RSS of node (with tsx when the runner is tsx) that loads the native addon and nothing else. */
  floor_rss_mib: number | null;
}

const BUNDLE = join(ROOT, "dist/bundle/cli.js");

/** The runner of `kiln`: the bundled CLI when it is built, else src/cli.ts through tsx. */
function kilnRunner(): "bundle" | "tsx" {
  return existsSync(BUNDLE) ? "bundle" : "tsx";
}

/** The overrides of the run: the throughput run's, with the JS probe in place of the TypeScript one. */
function memoryOverrides(o: { epochs: number; limit: number; device: string; runDir: string }): string[] {
  const probe = `file:${join(BENCH_DIR, "epoch-probe.mjs")}#epochProbe`;
  return [
    ...trainerOverrides(o).filter((a) => !a.startsWith("+callbacks.bench_probe.")),
    // Quoted: '#' is not allowed in an unquoted override value.
    `+callbacks.bench_probe._target_='${probe}'`,
    "+callbacks.bench_probe.like._target_=kiln.callbacks.Timer",
  ];
}

interface ProbeRecord {
  kind: "epoch" | "peak";
  rss_mib?: number;
  peak_rss_mib?: number;
}

/** One `kiln train` run of `epochs` epochs (`limit` batches each when > 0). */
export function runMemory(threads: number, epochs: number, limit: number, device: string): MemoryResult {
  const dir = mkdtempSync(join(tmpdir(), "kiln-bench-memory-"));
  const probe = join(dir, "probe.jsonl");
  try {
    const runner = kilnRunner();
    const args = ["train", ...memoryOverrides({ epochs, limit, device, runDir: join(dir, "run") })];
    const [cmd, argv] =
      runner === "bundle"
        ? [process.execPath, [join(ROOT, "bin/kiln.js"), ...args]]
        : tsNode(join(ROOT, "src/cli.ts"), args);
    const { wallS } = run(cmd, argv, benchEnv(threads, { KILN_BENCH_PROBE: probe }));
    const records = readFileSync(probe, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ProbeRecord);
    const rss = records.filter((r) => r.kind === "epoch").map((r) => r.rss_mib!);
    const later = rss.slice(1);
    const growth =
      later.length > 1 ? (100 * (Math.max(...later) - Math.min(...later))) / Math.min(...later) : null;
    return {
      epochs: rss.length,
      peak_rss_mib: records.filter((r) => r.kind === "peak").at(-1)?.peak_rss_mib ?? null,
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
function floorRss(threads: number, runner: "bundle" | "tsx"): number | null {
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
