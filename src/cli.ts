/**
 * The `kiln` command line (thin): `kiln train [overrides...]` and `kiln eval [overrides...]` with Hydra's
 * flags (-m/--multirun, -c/--cfg, --resolve, --info, --help, -cn/-cp/-cd, ...), parsed by the config layer.
 * commander only dispatches the subcommand; everything after it goes to Hydra's grammar untouched. The task
 * modules are imported only when a job runs, so --help, --cfg and --info never load torch.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { packageRoot } from "./common/package-root.js";
import { type DictConfig, runHydraApp } from "./config/index.js";
import { isNativeLoaded, native } from "./torch/native.js";
import { checkThreadVariables } from "./torch/thread-limits.js";
import { setupProjectRoot } from "./utils/project-root.js";
import { registerKilnTargets } from "./utils/targets.js";

/** The configs shipped with Kiln (configs/ next to src/ and dist/). */
export const DEFAULT_CONFIG_DIR = join(packageRoot(import.meta.url), "configs");

/** The `kiln train` task: the template's train, returning the optimized metric. */
export async function trainTask(cfg: DictConfig): Promise<number | null> {
  // Before anything loads libtorch: a bad count would crash libgomp in a native thread, unexplained.
  checkThreadVariables();
  return (await import("./train.js")).trainMain(cfg);
}

/** The `kiln eval` task. */
export async function evalTask(cfg: DictConfig): Promise<unknown> {
  checkThreadVariables();
  return (await import("./eval.js")).evalMain(cfg);
}

/** Runs `kiln train|eval <hydra args>`; returns the exit code (0 on success). */
export async function runTask(task: "train" | "eval", hydraArgs: string[]): Promise<number> {
  setupProjectRoot();
  registerKilnTargets();
  const result = await runHydraApp(hydraArgs, task === "train" ? trainTask : evalTask, {
    configDir: process.env.KILN_CONFIG_DIR ?? DEFAULT_CONFIG_DIR,
    configName: task,
    appName: task,
    programName: `kiln ${task}`,
    // Completion scripts call back into this very kiln (node, its flags, the bin file) on every <TAB>.
    completion: {
      name: "kiln",
      subcommands: ["train", "eval"],
      command: [process.execPath, ...process.execArgv, process.argv[1] ?? "kiln"],
    },
    // Parallel launchers run each job in a child process, which imports the task from this module.
    taskRef: { module: import.meta.url, export: task === "train" ? "trainTask" : "evalTask" },
  });
  return result.exitCode;
}

/** The commander program: two subcommands whose arguments are passed through to Hydra. */
export function buildProgram(onExit: (code: number) => void): Command {
  const program = new Command("kiln")
    .description("Kiln: Lightning + Hydra workflows in TypeScript on libtorch")
    .showHelpAfterError()
    .enablePositionalOptions();
  for (const [name, summary] of [
    ["train", "train a model (configs/train.yaml); `kiln train --help` lists the config groups"],
    ["eval", "test a checkpoint (configs/eval.yaml): kiln eval ckpt_path=<path>"],
  ] as const) {
    program
      .command(name)
      .summary(summary)
      .description(`${summary}\nFlags and overrides are Hydra's: run \`kiln ${name} --help\`.`)
      .argument("[overrides...]", "Hydra flags and key=value overrides")
      .helpOption(false) // --help is Hydra's app help, generated from the config groups
      .allowUnknownOption()
      .passThroughOptions()
      .action(async (_overrides: string[], _opts: unknown, cmd: Command) => {
        onExit(await runTask(name, cmd.args));
      });
  }
  program
    .command("sweep-report")
    .summary("write an HTML report (history, parallel coordinates, importances) of an Optuna sweep")
    .argument("<path>", "the sweep dir (logs/<task>/multiruns/<time>) or an Optuna journal file")
    .option("-o, --output <file>", "where to write the report (default: <sweep dir>/sweep_report.html)")
    .option("--study <name>", "the study to report when the journal holds several")
    .action(async (path: string, opts: { output?: string; study?: string }) => {
      onExit(await sweepReport(path, opts.output ?? null, opts.study ?? null));
    });
  program
    .command("runs")
    .summary("list the runs of a local MLflow store (status, times, last metrics)")
    .argument("[tracking_uri]", "the store: a folder or file: URI", DEFAULT_MLFLOW_STORE)
    .option(
      "--replay <path>",
      "send the data runs kept for an unreachable MLflow server: a spool file, or a folder searched for them",
    )
    .option("--to <url>", "with --replay: the tracking server to send to (default: the one each spool names)")
    .action(async (trackingUri: string, opts: { replay?: string; to?: string }) => {
      onExit(
        opts.replay ? await replayMlflowSpools(opts.replay, opts.to) : await listMlflowRuns(trackingUri),
      );
    });
  return program;
}

/** Where configs/logger/mlflow.yaml puts the store of every job: ${paths.log_dir}/mlflow/mlruns. */
export const DEFAULT_MLFLOW_STORE = "logs/mlflow/mlruns";

/** `kiln runs [store]`: prints the runs of a local MLflow store, for users without Python; returns the exit code. */
export async function listMlflowRuns(trackingUri: string): Promise<number> {
  const { formatRunsTable, listRuns } = await import("./lightning/loggers/mlflow/list-runs.js");
  try {
    const folder = trackingUri.startsWith("file:")
      ? fileURLToPath(new URL(trackingUri, "file:///"))
      : trackingUri;
    if (!/^https?:/i.test(trackingUri) && !existsSync(folder)) {
      throw new Error(
        `no MLflow store at '${trackingUri}': pass the store's folder (default ${DEFAULT_MLFLOW_STORE})`,
      );
    }
    const experiments = listRuns(trackingUri);
    process.stdout.write(
      experiments.length > 0 ? `${formatRunsTable(experiments)}\n` : `no runs in '${trackingUri}'\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`kiln runs: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** `kiln sweep-report <sweep dir | journal>`: writes the study's HTML report; returns the exit code. */
export async function sweepReport(
  path: string,
  output: string | null,
  study: string | null,
): Promise<number> {
  const { writeSweepReport } = await import("./config/run/optuna/report.js");
  try {
    process.stdout.write(`${writeSweepReport(path, output, study)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`kiln sweep-report: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** `kiln runs --replay <path>`: sends every spool found at `path`; returns the exit code (1 if any is left). */
export async function replayMlflowSpools(path: string, to?: string): Promise<number> {
  const { findSpools, replaySpool } = await import("./lightning/loggers/mlflow/replay-spool.js");
  let spools: string[];
  try {
    spools = findSpools(path);
  } catch (err) {
    process.stderr.write(`kiln runs: cannot read '${path}': ${(err as Error).message}\n`);
    return 1;
  }
  if (spools.length === 0) {
    process.stdout.write(`no MLflow spool files (kiln-mlflow-spool-*.jsonl) under '${path}'\n`);
    return 0;
  }
  let failed = 0;
  for (const spool of spools) {
    try {
      const r = await replaySpool(spool, { trackingUri: to });
      const u = r.unsent;
      if (r.ok) {
        process.stdout.write(`sent ${spool} to ${r.trackingUri}: run ${r.runId}\n`);
      } else {
        failed++;
        const kept = r.spoolPath ? "; what is unsent is kept in it for another try" : "";
        const rejected = r.rejected.length > 0 ? `; the server rejected: ${r.rejected[0]!.message}` : "";
        process.stderr.write(
          `kiln runs: ${spool} not fully sent to ${r.trackingUri} (unsent: ${u.metrics} metric points, ` +
            `${u.params} params, ${u.tags} tags, ${u.artifacts} artifacts, ${u.updates} status updates)` +
            `${rejected}${kept}\n`,
        );
      }
    } catch (err) {
      failed++;
      process.stderr.write(`kiln runs: ${spool}: ${(err as Error).message}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

/** Entry point: parses `argv` (process.argv form) and sets the exit code. */
export async function main(argv: string[] = process.argv): Promise<void> {
  await buildProgram((code) => {
    process.exitCode = code;
  }).parseAsync(argv);
}

declare module "./torch/native.js" {
  interface NativeAddon {
    /** Flushes C stdio and ends the process with `code`, skipping C++ static destructors (process.cc). */
    quickExit(code: number): never;
  }
}

/** Whether Node itself writes a file at exit (a CPU or heap profile, V8 coverage) that quickExit would lose. */
function writesAtExit(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  const profiling = flags.some((f) => /^--(cpu-prof|heap-prof|prof)(\b|=|$)/.test(f));
  return profiling || Boolean(process.env.NODE_V8_COVERAGE);
}

/**
 * Makes the process skip libtorch's exit-time teardown (C++ static destructors, ~100-200 ms of every run)
 * once the addon is loaded: an 'exit' listener that first runs every 'exit' listener registered after it (so
 * it acts as the last one), then ends the process at once with the same exit code. It steps aside, and the
 * exit stays Node's own, while stdout or stderr still buffers output. For the `kiln` command only: call it
 * after main() has returned.
 */
export function installQuickExit(): void {
  if (!isNativeLoaded() || writesAtExit()) return;
  const quickExit = (code: number): void => {
    if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) return;
    // An 'exit' listener cannot wait for asynchronous writes anyway: what the later ones write is lost either
    // way on an asynchronous stream, and written at once to a file, a terminal or a synchronous pipe.
    const listeners = process.listeners("exit");
    for (const later of listeners.slice(listeners.indexOf(quickExit) + 1)) later.call(process, code);
    const final = process.exitCode === undefined ? code : Number(process.exitCode);
    native().quickExit(Number.isInteger(final) ? final : 1);
  };
  process.on("exit", quickExit);
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly || process.env.KILN_CLI_MAIN === "1") {
  await main();
  installQuickExit();
}
