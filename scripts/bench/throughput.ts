// The throughput benchmark (issue 8, item 1): the template's training configuration run four ways side by side,
// (a) `kiln train` with the default callbacks and the CSV logger, (b) a minimal loop against src/torch,
// (c) the pure C++ libtorch program, (d) plain PyTorch eager; same model, batch, optimizer, data and threads.
// (c') is (c) again with glibc malloc's thresholds fixed (native/allocator.cc preloaded, KILN_ALLOCATOR=tuned):
// the issue's ratios compare against plain (c), C++ as a user writes it; (c') shows how much glibc's defaults
// cost that program (Node's start-up already gives Kiln the same effect).
// Each side runs `epochs` epochs per process, `repeats` processes in rotating order; epoch 1 of each process is a
// warm-up and is dropped when there are more. Ratios compare seconds per step, so a side limited to fewer batches
// (the trainer trains on its datamodule's split) still compares fairly.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchData } from "./data.js";
import { type KilnRunner, kilnCommand, kilnRunner } from "./kiln-runner.js";
import { type EpochRecord, type PeakRecord, probeOverrides, readProbe } from "./probe.js";
import { BENCH_DIR, benchEnv, kilnAllocEnv, run, runJson, tsNode } from "./proc.js";
import { type Summary, summarize } from "./stats.js";

export type Side = "trainer" | "loop" | "cpp" | "cpp_alloc" | "python";
export const SIDES: readonly Side[] = ["trainer", "loop", "cpp", "cpp_alloc", "python"];

/** What every side reports per process. */
interface SideRun {
  epoch_s: number[];
  /** CPU seconds of each epoch (all threads of the process). */
  epoch_cpu_s?: number[];
  steps_per_epoch: number;
  threads: number;
}

export interface ThroughputOptions {
  threads: number;
  epochs: number;
  repeats: number;
  /** Train batches per epoch (0: all). */
  limit: number;
  device: "cpu" | "cuda";
  data: BenchData;
  /** The `kiln train` overrides that read the same images as `data` (absent: the trainer side is skipped). */
  trainerData?: readonly string[];
  cppDir?: string;
  python?: string;
  /** Why a side cannot run (it is then reported as skipped). */
  skip: Partial<Record<Side, string>>;
}

export interface SideResult {
  s_per_epoch: Summary;
  /** CPU seconds per epoch: on a shared, loaded machine wall time also counts waiting for a core. */
  cpu_s_per_epoch?: Summary;
  steps_per_epoch: number;
  steps_per_s: number;
  /** The full epoch including validation (trainer only). */
  epoch_with_val_s?: Summary;
  threads: number;
}

export interface ThroughputResult {
  sides: Partial<Record<Side, SideResult>>;
  skipped: Partial<Record<Side, string>>;
  /** What ran side (a)'s `kiln train`. */
  trainer_runner: KilnRunner;
}

/** The `kiln train` overrides of side (a): the template's run on `data`'s source, the CSV logger and the probe. */
export function trainerOverrides(o: {
  epochs: number;
  limit: number;
  device: string;
  runDir: string;
  /** The overrides that read the bench's data (data.ts's BenchSource.trainerOverrides). */
  data: readonly string[];
}): string[] {
  const args = [
    `trainer.max_epochs=${o.epochs}`,
    "logger=csv",
    ...o.data,
    "seed=12345",
    `hydra.run.dir=${o.runDir}`,
    ...probeOverrides(),
    o.device === "cuda" ? "trainer=gpu" : "trainer.accelerator=cpu",
  ];
  if (o.limit > 0)
    args.push(`+trainer.limit_train_batches=${o.limit}`, `+trainer.limit_val_batches=${o.limit}`);
  return args;
}

/** Runs `kiln train` with the probe; returns its epoch records and peak (the run folder is removed after). */
export function runTrainer(
  threads: number,
  o: { epochs: number; limit: number; device: string; data: readonly string[]; extra?: string[] },
): { epochs: EpochRecord[]; peak?: PeakRecord; wallS: number } {
  const dir = mkdtempSync(join(tmpdir(), "kiln-bench-trainer-"));
  const probe = join(dir, "probe.jsonl");
  try {
    const args = ["train", ...trainerOverrides({ ...o, runDir: join(dir, "run") }), ...(o.extra ?? [])];
    const { wallS } = run(...kilnCommand(args), benchEnv(threads, { KILN_BENCH_PROBE: probe }));
    const records = readProbe(readFileSync(probe, "utf8"));
    const peaks = records.filter((r): r is PeakRecord => r.kind === "peak");
    return { epochs: records.filter((r): r is EpochRecord => r.kind === "epoch"), peak: peaks.at(-1), wallS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runSide(side: Side, o: ThroughputOptions): SideRun & { epoch_with_val_s?: number[] } {
  const common = [
    "--x",
    o.data.xPath,
    "--y",
    o.data.yPath,
    "--n",
    String(o.data.n),
    "--epochs",
    String(o.epochs),
  ];
  common.push("--limit", String(o.limit), "--device", o.device);
  const env = benchEnv(o.threads);
  switch (side) {
    case "trainer": {
      const r = runTrainer(o.threads, { ...o, data: o.trainerData! });
      return {
        epoch_s: r.epochs.map((e) => e.train_s),
        epoch_cpu_s: r.epochs.map((e) => e.train_cpu_s),
        epoch_with_val_s: r.epochs.map((e) => e.epoch_s),
        steps_per_epoch: r.epochs[0]?.steps ?? 0,
        threads: o.threads,
      };
    }
    case "loop":
      return runJson<SideRun>(...tsNode(join(BENCH_DIR, "loop.ts"), common), env);
    case "cpp":
      return runJson<SideRun>(join(o.cppDir!, "train_mlp"), [...common, "--threads", String(o.threads)], env);
    case "cpp_alloc": {
      const allocEnv = benchEnv(o.threads, kilnAllocEnv(o.cppDir!));
      return runJson<SideRun>(
        join(o.cppDir!, "train_mlp"),
        [...common, "--threads", String(o.threads)],
        allocEnv,
      );
    }
    case "python": {
      const script = join(BENCH_DIR, "python/train_mlp.py");
      return runJson<SideRun>(o.python!, [script, ...common, "--threads", String(o.threads)], env);
    }
  }
}

/** Drops the warm-up epoch of each process when it ran more than one. */
const measured = (times: number[]): number[] => (times.length > 1 ? times.slice(1) : times);

/** Runs every side that is not skipped, `repeats` times each, rotating the order between repeats. */
export function runThroughput(
  o: ThroughputOptions,
  log: (line: string) => void = () => {},
): ThroughputResult {
  const skip = { ...o.skip };
  const active = SIDES.filter((s) => !skip[s]);
  const times: Partial<
    Record<Side, { train: number[]; cpu: number[]; withVal: number[]; steps: number; threads: number }>
  > = {};
  for (let r = 0; r < o.repeats; r++) {
    for (let i = 0; i < active.length; i++) {
      const side = active[(i + r) % active.length]!;
      if (skip[side]) continue;
      let res: ReturnType<typeof runSide>;
      try {
        res = runSide(side, o);
      } catch (e) {
        // One side failing (no CUDA in this Python, a crash) must not lose the others: report it as skipped.
        skip[side] = (e as Error).message.split("\n").slice(0, 6).join(" | ");
        delete times[side];
        log(`  ${side} FAILED: ${skip[side]}`);
        continue;
      }
      times[side] ??= { train: [], cpu: [], withVal: [], steps: res.steps_per_epoch, threads: res.threads };
      const acc = times[side];
      acc.train.push(...measured(res.epoch_s));
      if (res.epoch_cpu_s) acc.cpu.push(...measured(res.epoch_cpu_s));
      if (res.epoch_with_val_s) acc.withVal.push(...measured(res.epoch_with_val_s));
      log(
        `  ${side} repeat ${r + 1}/${o.repeats}: ${res.epoch_s.map((t) => t.toFixed(3)).join(", ")} s/epoch`,
      );
    }
  }
  const sides: Partial<Record<Side, SideResult>> = {};
  for (const side of active) {
    const t = times[side];
    if (!t) continue;
    const s = summarize(t.train);
    sides[side] = {
      s_per_epoch: s,
      steps_per_epoch: t.steps,
      steps_per_s: t.steps / s.median,
      ...(t.cpu.length ? { cpu_s_per_epoch: summarize(t.cpu) } : {}),
      ...(t.withVal.length ? { epoch_with_val_s: summarize(t.withVal) } : {}),
      threads: t.threads,
    };
  }
  return { sides, skipped: skip, trainer_runner: kilnRunner().runner };
}

/** Which seconds of a side a ratio compares, per step. */
export const EPOCH_SECONDS = {
  /** The median epoch. */
  median: (s: SideResult): number | undefined => s.s_per_epoch.median,
  /** The fastest epoch: the noise of a shared machine only adds time. */
  min: (s: SideResult): number | undefined => s.s_per_epoch.min,
  /** The median CPU time: steadier than wall time on a loaded machine (undefined where not measured). */
  cpu: (s: SideResult): number | undefined => s.cpu_s_per_epoch?.median,
};

/** Side a's seconds per step over side b's (undefined when either side or its figure is missing). */
export function perStepRatio(
  r: ThroughputResult,
  a: Side,
  b: Side,
  seconds: (s: SideResult) => number | undefined,
): number | undefined {
  const x = r.sides[a];
  const y = r.sides[b];
  const sx = x && seconds(x);
  const sy = y && seconds(y);
  if (sx === undefined || sy === undefined) return undefined;
  return sx / x!.steps_per_epoch / (sy / y!.steps_per_epoch);
}
