// The start-up benchmark (issue 8, item 2): wall time of `kiln --help`, `kiln train --cfg job` and `kiln
// train debug=fdr` (one train, validation and test step), median and min over fresh processes. `kiln` is
// bin/kiln.js (the bundled CLI, what users run) when dist/bundle/cli.js exists, else src/cli.ts via tsx.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchEnv, ROOT, run, tsNode } from "./proc.js";
import { type Summary, summarize } from "./stats.js";

export interface StartupResult {
  runner: "dist" | "tsx";
  help: Summary;
  cfg_job: Summary;
  fdr: Summary;
}

/** The command line that runs `kiln <args>`. */
export function kilnCommand(args: string[]): { cmd: [string, string[]]; runner: "dist" | "tsx" } {
  if (existsSync(join(ROOT, "dist/bundle/cli.js"))) {
    return { cmd: [process.execPath, [join(ROOT, "bin/kiln.js"), ...args]], runner: "dist" };
  }
  return { cmd: tsNode(join(ROOT, "src/cli.ts"), args), runner: "tsx" };
}

/** Times each command `repeats` times, after one untimed run. */
export function runStartup(threads: number, repeats: number): StartupResult {
  const dir = mkdtempSync(join(tmpdir(), "kiln-bench-startup-"));
  try {
    const env = benchEnv(threads);
    // `args(i)` gives the i-th run its own arguments (fdr writes a run folder: one fresh folder each).
    const time = (args: (i: number) => string[]): Summary => {
      const walls: number[] = [];
      for (let i = 0; i <= repeats; i++) {
        const wall = run(...kilnCommand(args(i)).cmd, env).wallS;
        if (i > 0) walls.push(wall); // run 0 only warms the page cache
      }
      return summarize(walls);
    };
    return {
      runner: kilnCommand([]).runner,
      help: time(() => ["--help"]),
      cfg_job: time(() => ["train", "--cfg", "job"]),
      fdr: time((i) => ["train", "debug=fdr", `hydra.run.dir=${join(dir, `fdr-${i}`)}`]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
