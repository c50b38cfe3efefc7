// The op-overhead micro-benchmark (issue 8, item 4): ns per call of a trivial 1-element add and ns per small
// SimpleDenseNet training step (batch 16), through Kiln, the pure C++ program and (when available) Python.
import { join } from "node:path";
import { BENCH_DIR, benchEnv, kilnAllocEnv, runJson, tsNode } from "./proc.js";
import { type Summary, summarize } from "./stats.js";

export interface OpOverheadOptions {
  threads: number;
  iters: number;
  steps: number;
  repeats: number;
  /** Processes per side, run in turn with the other sides'. */
  rounds: number;
  cppDir?: string;
  python?: string;
}

export interface OpSide {
  add_ns: Summary;
  mlp_step_ns: Summary;
}

/** cpp_alloc: the same C++ program with KILN_ALLOCATOR=tuned's glibc settings preloaded (see throughput.ts). */
export type OpSideName = "kiln" | "cpp" | "cpp_alloc" | "python";

interface OpRun {
  add_ns: number[];
  mlp_step_ns: number[];
}

/** Runs each available side once (each process repeats its measurement `repeats` times after a warm-up). */
export function runOpOverhead(o: OpOverheadOptions): Partial<Record<OpSideName, OpSide>> {
  const args = ["--iters", String(o.iters), "--steps", String(o.steps), "--repeats", String(o.repeats)];
  const env = benchEnv(o.threads);
  const threads = ["--threads", String(o.threads)];
  // Each side's process, as a function: the rounds below run them in turn, so a burst of load on the shared
  // machine lands on every side rather than on one.
  const sides: [OpSideName, () => OpRun][] = [
    ["kiln", () => runJson<OpRun>(...tsNode(join(BENCH_DIR, "kiln-op-overhead.ts"), args), env)],
  ];
  if (o.cppDir) {
    const program = join(o.cppDir, "op_overhead");
    sides.push(["cpp", () => runJson<OpRun>(program, [...args, ...threads], env)]);
    const alloc = kilnAllocEnv(o.cppDir);
    if (alloc) {
      const allocEnv = benchEnv(o.threads, alloc);
      sides.push(["cpp_alloc", () => runJson<OpRun>(program, [...args, ...threads], allocEnv)]);
    }
  }
  if (o.python) {
    const script = join(BENCH_DIR, "python/op_overhead.py");
    sides.push(["python", () => runJson<OpRun>(o.python!, [script, ...args, ...threads], env)]);
  }
  const runs: Partial<Record<OpSideName, OpRun>> = {};
  for (let round = 0; round < Math.max(1, o.rounds); round++) {
    for (const [name, measure] of sides) {
      const r = measure();
      const acc = runs[name] ?? { add_ns: [], mlp_step_ns: [] };
      runs[name] = acc;
      acc.add_ns.push(...r.add_ns);
      acc.mlp_step_ns.push(...r.mlp_step_ns);
    }
  }
  const out: Partial<Record<OpSideName, OpSide>> = {};
  for (const [name, r] of Object.entries(runs) as [OpSideName, OpRun][]) {
    out[name] = { add_ns: summarize(r.add_ns), mlp_step_ns: summarize(r.mlp_step_ns) };
  }
  return out;
}
