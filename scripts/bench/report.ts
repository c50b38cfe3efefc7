// Turns the measured sections into the JSON of `npm run bench -- --json FILE` (issue 8's keys, medians in
// seconds, MiB and ns, with min/median details) and prints it as tables.
import { cpus } from "node:os";
import type { MemoryResult } from "./memory.js";
import type { OpSide, OpSideName } from "./op-overhead.js";
import type { StartupResult } from "./startup.js";
import { round, type Summary } from "./stats.js";
import {
  EPOCH_SECONDS,
  perStepRatio,
  SIDES,
  type Side,
  type SideResult,
  type ThroughputResult,
} from "./throughput.js";

// The sides each ratio key compares: (a)/(c), (b)/(c), (a)/(d), and both against (c').
const RATIO_PAIRS = {
  trainer_vs_cpp: ["trainer", "cpp"],
  loop_vs_cpp: ["loop", "cpp"],
  trainer_vs_python: ["trainer", "python"],
  trainer_vs_cpp_kiln_alloc: ["trainer", "cpp_alloc"],
  loop_vs_cpp_kiln_alloc: ["loop", "cpp_alloc"],
} as const satisfies Record<string, readonly [Side, Side]>;
type RatioKey = keyof typeof RATIO_PAIRS;

/** The ratios named by `keys`, per step, of the seconds `seconds` picks (3 decimals; null where missing). */
function ratios<K extends RatioKey>(
  t: ThroughputResult | undefined,
  seconds: (s: SideResult) => number | undefined,
  keys: readonly K[],
): Record<K, number | null> {
  const out = {} as Record<K, number | null>;
  for (const k of keys) {
    out[k] = t ? num(perStepRatio(t, RATIO_PAIRS[k][0], RATIO_PAIRS[k][1], seconds), 3) : null;
  }
  return out;
}

/** What run.ts measured; a section is absent when it was not run. */
export interface Sections {
  /** `data` names the images every side read (data.ts's BenchDataName); `data_description` says where from. */
  throughput?: { data: string; data_description: string; result: ThroughputResult };
  startup?: StartupResult;
  memory?: MemoryResult;
  op_overhead?: Partial<Record<OpSideName, OpSide>>;
  notes?: string[];
}

export interface Meta {
  quick: boolean;
  threads: number;
  device: string;
  loadavg_before: number[];
  loadavg_after: number[];
  wall_s: number;
}

type Num = number | null;
const num = (x: number | undefined | null, digits = 4): Num => (x == null ? null : round(x, digits));
const minMed = (s: Summary | undefined) => (s ? { min: num(s.min), median: num(s.median), n: s.n } : null);

/** The JSON report: every key of issue 8 is present (null when its side or section did not run). */
export function buildReport(s: Sections, meta: Meta) {
  const t = s.throughput?.result;
  const side = (x: Side) => t?.sides[x];
  const op = s.op_overhead;
  return {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      ...meta,
      loadavg_before: meta.loadavg_before.map((x) => round(x, 3)),
      loadavg_after: meta.loadavg_after.map((x) => round(x, 3)),
      wall_s: round(meta.wall_s, 4),
      // The allocator changes every side's speed (docs/ARCHITECTURE.md, "Facts"): record what the children inherited.
      glibc_tunables: process.env.GLIBC_TUNABLES ?? null,
      kiln_allocator: process.env.KILN_ALLOCATOR ?? null,
      ld_preload: process.env.LD_PRELOAD ?? null,
      notes: s.notes ?? [],
    },
    throughput: {
      trainer_s_per_epoch: num(side("trainer")?.s_per_epoch.median),
      loop_s_per_epoch: num(side("loop")?.s_per_epoch.median),
      cpp_s_per_epoch: num(side("cpp")?.s_per_epoch.median),
      // (c') the same C++ program with KILN_ALLOCATOR=tuned's glibc settings preloaded (native/allocator.cc).
      cpp_kiln_alloc_s_per_epoch: num(side("cpp_alloc")?.s_per_epoch.median),
      python_s_per_epoch: num(side("python")?.s_per_epoch.median),
      // Ratios of the median seconds per step.
      ...ratios(t, EPOCH_SECONDS.median, Object.keys(RATIO_PAIRS) as RatioKey[]),
      // The same ratios in CPU time per step: steadier than wall time when the machine is loaded.
      cpu_ratios: t
        ? ratios(t, EPOCH_SECONDS.cpu, [
            "trainer_vs_cpp",
            "loop_vs_cpp",
            "trainer_vs_python",
            "loop_vs_cpp_kiln_alloc",
          ])
        : null,
      // The same ratios from each side's fastest epoch.
      min_ratios: t
        ? ratios(t, EPOCH_SECONDS.min, ["trainer_vs_cpp", "loop_vs_cpp", "trainer_vs_python"])
        : null,
      trainer_runner: t?.trainer_runner ?? null,
      threads: meta.threads,
      data: s.throughput?.data ?? null,
      data_description: s.throughput?.data_description ?? null,
      device: meta.device,
      sides: Object.fromEntries(
        SIDES.map((x) => {
          const r = side(x);
          if (!r) return [x, null];
          return [
            x,
            {
              s_per_epoch: minMed(r.s_per_epoch),
              cpu_s_per_epoch: minMed(r.cpu_s_per_epoch),
              steps_per_epoch: r.steps_per_epoch,
              steps_per_s: num(r.steps_per_s),
              epoch_with_val_s: minMed(r.epoch_with_val_s),
            },
          ];
        }),
      ),
      skipped: t?.skipped ?? {},
    },
    startup: {
      help_s: num(s.startup?.help.median),
      cfg_job_s: num(s.startup?.cfg_job.median),
      fdr_s: num(s.startup?.fdr.median),
      runner: s.startup?.runner ?? null,
      data: s.startup?.data ?? null,
      min_s: s.startup
        ? { help: num(s.startup.help.min), cfg_job: num(s.startup.cfg_job.min), fdr: num(s.startup.fdr.min) }
        : null,
    },
    memory: {
      peak_rss_mib: num(s.memory?.peak_rss_mib),
      rss_per_epoch_mib: (s.memory?.rss_per_epoch_mib ?? []).map((x) => round(x, 4)),
      growth_after_epoch1_pct: num(s.memory?.growth_after_epoch1_pct, 3),
      epochs: s.memory?.epochs ?? null,
      floor_rss_mib: num(s.memory?.floor_rss_mib, 1),
      runner: s.memory?.runner ?? null,
      data: s.memory?.data ?? null,
    },
    op_overhead: {
      kiln_ns: num(op?.kiln?.add_ns.median),
      cpp_ns: num(op?.cpp?.add_ns.median),
      cpp_kiln_alloc_ns: num(op?.cpp_alloc?.add_ns.median),
      python_ns: num(op?.python?.add_ns.median),
      kiln_mlp_step_ns: num(op?.kiln?.mlp_step_ns.median),
      cpp_mlp_step_ns: num(op?.cpp?.mlp_step_ns.median),
      cpp_kiln_alloc_mlp_step_ns: num(op?.cpp_alloc?.mlp_step_ns.median),
      python_mlp_step_ns: num(op?.python?.mlp_step_ns.median),
      min_ns: op
        ? Object.fromEntries(
            Object.entries(op).map(([k, v]) => [
              k,
              { add: num(v.add_ns.min), mlp_step: num(v.mlp_step_ns.min) },
            ]),
          )
        : null,
    },
  };
}

export type Report = ReturnType<typeof buildReport>;

const f = (x: Num | undefined, digits = 3) => (x == null ? "-" : x.toFixed(digits));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "))
    .join("\n");
}

/** Prints the report as tables on stdout. */
export function printReport(r: Report): void {
  const m = r.meta;
  const out: string[] = [];
  out.push(`Kiln bench ${m.date}: ${m.threads} thread(s), ${m.device}, ${m.cpus} CPUs, node ${m.node}`);
  out.push(
    `load average (1/5/15 min): before ${m.loadavg_before.join(" ")}, after ${m.loadavg_after.join(" ")}`,
  );
  const tp = r.throughput;
  out.push(
    "",
    `Throughput (${tp.data ?? "-"}; SimpleDenseNet, batch 128, Adam; s/epoch over measured epochs)`,
  );
  if (tp.data_description) out.push(`  data: ${tp.data_description}`);
  const labels: Record<string, string> = {
    trainer: `(a) kiln train (${tp.trainer_runner ?? "-"})`,
    loop: "(b) src/torch loop",
    cpp: "(c) C++ libtorch",
    cpp_alloc: "(c') C++, KILN_ALLOCATOR=tuned",
    python: "(d) PyTorch eager",
  };
  const rows = [["side", "s/epoch med", "min", "n", "cpu s med", "steps/epoch", "steps/s", "epoch+val s"]];
  for (const [name, v] of Object.entries(tp.sides)) {
    if (!v) rows.push([labels[name]!, "skipped", "", "", "", "", "", ""]);
    else
      rows.push([
        labels[name]!,
        f(v.s_per_epoch?.median),
        f(v.s_per_epoch?.min),
        String(v.s_per_epoch?.n ?? ""),
        f(v.cpu_s_per_epoch?.median ?? null),
        String(v.steps_per_epoch),
        f(v.steps_per_s, 1),
        f(v.epoch_with_val_s?.median ?? null),
      ]);
  }
  out.push(table(rows));
  out.push(
    `ratios (time/step): a/c ${f(tp.trainer_vs_cpp)}  b/c ${f(tp.loop_vs_cpp)}  a/d ${f(tp.trainer_vs_python)}` +
      `  a/c' ${f(tp.trainer_vs_cpp_kiln_alloc)}  b/c' ${f(tp.loop_vs_cpp_kiln_alloc)}`,
  );
  const mr = tp.min_ratios;
  if (mr) {
    out.push(
      `ratios (min time):  a/c ${f(mr.trainer_vs_cpp)}  b/c ${f(mr.loop_vs_cpp)}  a/d ${f(mr.trainer_vs_python)}`,
    );
  }
  const cr = tp.cpu_ratios;
  if (cr) {
    out.push(
      `ratios (cpu/step):  a/c ${f(cr.trainer_vs_cpp)}  b/c ${f(cr.loop_vs_cpp)}  a/d ${f(cr.trainer_vs_python)}` +
        `  b/c' ${f(cr.loop_vs_cpp_kiln_alloc)}`,
    );
  }
  for (const [k, why] of Object.entries(tp.skipped)) out.push(`  ${k} skipped: ${why}`);
  const st = r.startup;
  out.push("", `Start-up (wall s, median / min; ${st.runner ?? "-"}; debug=fdr on ${st.data ?? "-"})`);
  out.push(
    table([
      ["command", "median", "min"],
      ["kiln --help", f(st.help_s), f(st.min_s?.help)],
      ["kiln train --cfg job", f(st.cfg_job_s), f(st.min_s?.cfg_job)],
      ["kiln train debug=fdr", f(st.fdr_s), f(st.min_s?.fdr)],
    ]),
  );
  const mem = r.memory;
  out.push(
    "",
    `Memory (${mem.epochs ?? "-"} epochs on ${mem.data ?? "-"}): peak RSS ${f(mem.peak_rss_mib, 1)} MiB`,
  );
  out.push(`  RSS after each epoch (MiB): ${mem.rss_per_epoch_mib.map((x) => x.toFixed(1)).join(" ")}`);
  out.push(`  growth from epoch 2 on: ${f(mem.growth_after_epoch1_pct, 2)} %`);
  out.push(
    `  floor (node + addon, nothing else): ${f(mem.floor_rss_mib, 1)} MiB; runner ${mem.runner ?? "-"}`,
  );
  const op = r.op_overhead;
  out.push("", "Op overhead (median ns)");
  out.push(
    table([
      ["", "kiln", "C++", "C++ tuned malloc", "python"],
      ["1-element add", f(op.kiln_ns, 0), f(op.cpp_ns, 0), f(op.cpp_kiln_alloc_ns, 0), f(op.python_ns, 0)],
      [
        "MLP step (batch 16)",
        f(op.kiln_mlp_step_ns, 0),
        f(op.cpp_mlp_step_ns, 0),
        f(op.cpp_kiln_alloc_mlp_step_ns, 0),
        f(op.python_mlp_step_ns, 0),
      ],
    ]),
  );
  for (const n of m.notes) out.push(`note: ${n}`);
  console.log(out.join("\n"));
}
