// The start-up benchmark (issue 8, item 2): wall time of `kiln --help`, `kiln train --cfg job` and `kiln
// train debug=fdr` (one train, validation and test step, on the bench's data), median and min over fresh
// processes, through the bundled CLI as users run it (kiln-runner.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchDataName, BenchSource } from "./data.js";
import { type KilnRunner, kilnCommand, kilnRunner } from "./kiln-runner.js";
import { benchEnv, run } from "./proc.js";
import { type Summary, summarize } from "./stats.js";

export interface StartupResult {
  runner: KilnRunner;
  /** The data `debug=fdr` read (data.ts's choice). */
  data: BenchDataName;
  help: Summary;
  cfg_job: Summary;
  fdr: Summary;
}

/** Times each command `repeats` times, after one untimed run. */
export function runStartup(threads: number, repeats: number, source: BenchSource): StartupResult {
  const dir = mkdtempSync(join(tmpdir(), "kiln-bench-startup-"));
  try {
    const env = benchEnv(threads);
    // `args(i)` gives the i-th run its own arguments (fdr writes a run folder: one fresh folder each).
    const time = (args: (i: number) => string[]): Summary => {
      const walls: number[] = [];
      for (let i = 0; i <= repeats; i++) {
        const wall = run(...kilnCommand(args(i)), env).wallS;
        if (i > 0) walls.push(wall); // run 0 only warms the page cache
      }
      return summarize(walls);
    };
    return {
      runner: kilnRunner().runner,
      data: source.name,
      help: time(() => ["--help"]),
      cfg_job: time(() => ["train", "--cfg", "job"]),
      fdr: time((i) => [
        "train",
        "debug=fdr",
        ...source.trainerOverrides,
        `hydra.run.dir=${join(dir, `fdr-${i}`)}`,
      ]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
