/**
 * The data behind ModelSummary (Lightning's utilities/model_summary): one row per layer down to `max_depth`
 * (name, type, params, train/eval mode, FLOPs, and in/out sizes when the model has `exampleInputArray`),
 * parameter totals and the size estimate. Shapes and FLOPs come from one no-grad forward of the example input
 * with each summarised layer's forward wrapped; FLOPs count matrix products (Linear, Conv2d) as PyTorch's
 * FlopCounterMode does, so elementwise layers count 0.
 */
import { pyRepr } from "../../common/pyrepr.js";
import { noGrad } from "../../torch/autograd.js";
import { Conv2d } from "../../torch/nn/conv.js";
import { Linear } from "../../torch/nn/linear.js";
import type { Module } from "../../torch/nn/module.js";
import { tidy } from "../../torch/scope.js";
import { Tensor } from "../../torch/tensor.js";

/** Bits per parameter by Trainer precision (Lightning's table; anything else counts as 32 with a warning). */
const PRECISION_BITS: Record<string, number> = {
  "64": 64,
  "32": 32,
  "16": 16,
  bf16: 16,
  "16-true": 16,
  "bf16-true": 16,
  "32-true": 32,
  "64-true": 64,
};

/** One summary column: its header and one cell per row. */
export type SummaryColumn = [header: string, cells: string[]];

/** Everything ModelSummary prints. */
export interface SummaryData {
  columns: SummaryColumn[];
  totalParameters: number;
  trainableParameters: number;
  modelSizeMB: number;
  trainModules: number;
  evalModules: number;
  totalFlops: number;
}

/** A model that may carry Lightning's `example_input_array`. */
type SummarizedModel = Module & { exampleInputArray?: unknown };

interface LayerStats {
  inSize: unknown;
  outSize: unknown;
  flops: number;
}

/** Lightning's get_human_readable_count: `123  `, `1.2 K`, `68.0 K`, `400 T`. */
export function humanReadableCount(number: number): string {
  const labels = [" ", "K", "M", "B", "T"];
  const numDigits = number > 0 ? Math.floor(Math.log10(number)) + 1 : 1;
  const numGroups = Math.min(Math.ceil(numDigits / 3), labels.length);
  const scaled = number * 10 ** (-3 * (numGroups - 1));
  const index = numGroups - 1;
  if (index < 1 || scaled >= 100) return `${Math.trunc(scaled).toLocaleString("en-US")} ${labels[index]}`;
  return `${scaled.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} ${labels[index]}`;
}

/** Lightning's get_formatted_model_size: `0.272` (MB, three decimals, `,` grouping). */
export function formattedModelSize(mb: number): string {
  return mb.toLocaleString("en-US", { minimumFractionDigits: 3, maximumFractionDigits: 3 });
}

function countParams(module: Module, trainableOnly = false): number {
  let n = 0;
  for (const p of module.parameters()) if (!trainableOnly || p.requiresGrad) n += p.numel();
  return n;
}

function shapeOf(value: unknown): unknown {
  if (value instanceof Tensor) return value.shape;
  if (Array.isArray(value)) return value.map(shapeOf);
  return "?";
}

// Python's str() of a recorded size: `[10, 256]`, or `?` for a layer the example input never reached.
function sizeCell(size: unknown): string {
  return size === undefined || typeof size === "string" ? "?" : pyRepr(size);
}

// FLOPs of one layer's own matrix products for one call (PyTorch counts 2 per multiply-add).
function ownFlops(module: Module, input: unknown, output: unknown): number {
  const inShape = input instanceof Tensor ? input.shape : null;
  const outShape = output instanceof Tensor ? output.shape : null;
  if (inShape === null || outShape === null) return 0;
  if (module instanceof Linear) {
    const rows = inShape.slice(0, -1).reduce((a, b) => a * b, 1);
    return 2 * rows * module.inFeatures * module.outFeatures;
  }
  if (module instanceof Conv2d) {
    const [kh, kw] = module.kernelSize;
    const outElems = outShape.reduce((a, b) => a * b, 1);
    return 2 * outElems * (module.inChannels / module.groups) * kh * kw;
  }
  return 0;
}

// Runs the example input once with every module's forward wrapped, collecting per-module sizes and FLOPs.
function forwardExample(model: SummarizedModel): Map<Module, LayerStats> {
  const stats = new Map<Module, LayerStats>();
  const all = model.modules();
  const restore: (() => void)[] = [];
  const stack: Module[] = [];
  for (const mod of all) {
    const original = mod.forward;
    const wrapped = function (this: Module, ...args: unknown[]) {
      stack.push(mod);
      let out: unknown;
      try {
        out = (original as (...a: unknown[]) => unknown).apply(this, args);
      } finally {
        stack.pop();
      }
      const input = args.length === 1 ? args[0] : args;
      const flops = ownFlops(mod, input, out);
      // FlopCounterMode attributes a layer's FLOPs to it and to every module above it.
      for (const owner of [mod, ...stack]) {
        const s = stats.get(owner) ?? { inSize: undefined, outSize: undefined, flops: 0 };
        s.flops += flops;
        stats.set(owner, s);
      }
      const own = stats.get(mod)!;
      if (own.inSize === undefined) {
        own.inSize = shapeOf(input);
        own.outSize = shapeOf(out);
      }
      return out;
    };
    Object.defineProperty(mod, "forward", { value: wrapped, configurable: true, writable: true });
    restore.push(() => delete (mod as unknown as Record<string, unknown>).forward);
  }
  const modes = all.map((mod) => mod.training);
  model.eval();
  try {
    noGrad(() =>
      tidy(() => {
        const input = model.exampleInputArray;
        if (Array.isArray(input)) (model.forward as (...a: unknown[]) => unknown)(...input);
        else (model.forward as (a: unknown) => unknown)(input);
      }),
    );
  } finally {
    for (const undo of restore) undo();
    all.forEach((mod, i) => {
      mod.training = modes[i]!;
    });
  }
  return stats;
}

/** Summarises `model` down to `maxDepth` (-1: every module, 0: no rows) for a Trainer `precision`. */
export function summarizeModel(model: SummarizedModel, maxDepth: number, precision?: string): SummaryData {
  if (!Number.isInteger(maxDepth) || maxDepth < -1) {
    throw new Error(`\`max_depth\` can be -1, 0 or > 0, got ${maxDepth}.`);
  }
  let layers: [string, Module][] =
    maxDepth === 0 ? [] : maxDepth === 1 ? model.namedChildren() : model.namedModules().slice(1);
  if (maxDepth >= 1) layers = layers.filter(([name]) => name.split(".").length - 1 < maxDepth);
  const hasExample = model.exampleInputArray !== undefined && model.exampleInputArray !== null;
  const stats = hasExample ? forwardExample(model) : new Map<Module, LayerStats>();
  const paramNums = layers.map(([, m]) => countParams(m));
  const columns: SummaryColumn[] = [
    [" ", layers.map((_, i) => String(i))],
    ["Name", layers.map(([n]) => n)],
    ["Type", layers.map(([, m]) => m.constructor.name)],
    ["Params", paramNums.map(humanReadableCount)],
    ["Mode", layers.map(([, m]) => (m.training ? "train" : "eval"))],
    ["FLOPs", layers.map(([, m]) => humanReadableCount(stats.get(m)?.flops ?? 0))],
  ];
  if (hasExample) {
    columns.push(["In sizes", layers.map(([, m]) => sizeCell(stats.get(m)?.inSize))]);
    columns.push(["Out sizes", layers.map(([, m]) => sizeCell(stats.get(m)?.outSize))]);
  }
  const totalParameters = countParams(model);
  const leftover = totalParameters - paramNums.reduce((a, b) => a + b, 0);
  if (leftover > 0) {
    const extra: Record<string, string> = {
      " ": " ",
      Name: "other params",
      Params: humanReadableCount(leftover),
    };
    for (const [header, cells] of columns) cells.push(extra[header] ?? "n/a");
  }
  const modes = model
    .modules()
    .slice(1)
    .map((m) => m.training);
  const bits = precision === undefined ? 32 : (PRECISION_BITS[precision] ?? 32);
  return {
    columns,
    totalParameters,
    trainableParameters: countParams(model, true),
    modelSizeMB: (totalParameters * bits) / 8 / 1e6,
    trainModules: modes.filter(Boolean).length,
    evalModules: modes.filter((t) => !t).length,
    totalFlops: stats.get(model)?.flops ?? 0,
  };
}

/** Whether Lightning's summary knows a precision's size (otherwise it warns and assumes 32 bits). */
export function knownPrecision(precision: string): boolean {
  return precision in PRECISION_BITS;
}
