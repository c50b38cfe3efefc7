// The Optuna sweeper tests' app (tests/fixtures/optuna-sweep) run through runHydraApp, with its logs captured.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { runHydraApp } from "../../../src/config/run/hydra-app.js";
import { setVerbosity } from "../../../src/optuna/index.js";

setVerbosity(40);
export const FIXTURE = join(import.meta.dirname, "..", "..", "fixtures", "optuna-sweep");
export const TASKS = pathToFileURL(join(FIXTURE, "tasks.ts")).href;
export const ROOT = join(import.meta.dirname, "..", "..", "..");

/** Runs the test app with `argv`; captures stdout (where Hydra logs) and the app's output. */
export async function run(
  argv: string[],
  taskName = "quadratic",
  opts: { configDir?: string; configName?: string } = {},
) {
  const out = mkdtempSync(join(tmpdir(), "kiln-optuna-sweep-"));
  process.env.KILN_TEST_OUT = out;
  const task = (await import(TASKS))[taskName];
  let logs = "";
  let printed = "";
  const write = process.stdout.write.bind(process.stdout);
  // Log lines are strings; the test runner's own reports (the same stream, as buffers) must pass through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk !== "string") return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    logs += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    const sweepDir = join(out, "sweep");
    const result = await runHydraApp(
      opts.configDir ? argv : ["-m", `hydra.sweep.dir=${sweepDir}`, ...argv],
      task,
      {
        configDir: opts.configDir ?? FIXTURE,
        configName: opts.configName ?? "config",
        appName: "app",
        stdout: (t) => {
          printed += t;
        },
        stderr: (t) => {
          printed += t;
        },
        warn: () => {},
        taskRef: { module: TASKS, export: taskName },
      },
    );
    return { result, logs, printed, out, sweepDir };
  } finally {
    process.stdout.write = write;
  }
}

// Jobs in child processes log to their files only: the children share this process's stdout, where the test
// runner reads its report.
export const FILE_LOGS = "hydra.job_logging.root.handlers=[file]";

export const results = (dir: string): Record<string, unknown> =>
  parse(readFileSync(join(dir, "optimization_results.yaml"), "utf8"));
