// Trainer(precision=...): bf16 autocast on the CPU, Lightning's "16-mixed" fallback on the CPU, fp16 with a
// GradScaler (on the CPU through a precision plugin, and on CUDA when there is a GPU), the scaler's state in
// checkpoints, and the deterministic flag.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setInfoSink } from "../../../src/lightning/callbacks/messages.js";
import type { TrainerOptions } from "../../../src/lightning/trainer/options.js";
import {
  PrecisionPlugin,
  precisionPlugin,
  usePrecisionPlugin,
} from "../../../src/lightning/trainer/precision.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { LinearModule, loader, QUIET, regressionData, tempDir } from "./helpers.js";

const PYTHON = join(import.meta.dirname, "../../../.venv/bin/python");
const CPU = { accelerator: "cpu", device: "cpu" } as const;
type Tensor = torch.Tensor;

/** Linear regression that records the dtypes its steps see, the training losses, and hook values. */
class RecordingModule extends LinearModule {
  stepDtypes: string[] = [];
  evalDtypes: string[] = [];
  losses: number[] = [];
  backwardLosses: number[] = [];
  gradsAfterBackward: number[][] = [];
  gradsBeforeStep: number[][] = [];
  /** Global batch indices whose loss is made infinite (the scaler must skip those steps). */
  infAt = new Set<number>();
  #batch = 0;
  override trainingStep(batch: unknown, batchIdx: number) {
    const [x] = batch as [Tensor];
    this.stepDtypes.push(this.forward(x).dtype);
    let loss = super.trainingStep(batch, batchIdx);
    if (this.infAt.has(this.#batch)) loss = loss.mul(Number.POSITIVE_INFINITY);
    this.#batch++;
    this.losses.push(Number(loss.item()));
    return loss;
  }
  override validationStep(batch: unknown, batchIdx: number) {
    const [x] = batch as [Tensor];
    this.evalDtypes.push(this.forward(x).dtype);
    return super.validationStep(batch, batchIdx);
  }
  override onBeforeBackward(loss: Tensor): void {
    this.backwardLosses.push(Number(loss.item()));
  }
  override onAfterBackward(): void {
    this.gradsAfterBackward.push(Array.from(this.fc.weight.grad!.toTypedArray() as Float32Array));
  }
  override onBeforeOptimizerStep(): void {
    this.gradsBeforeStep.push(Array.from(this.fc.weight.grad!.toTypedArray() as Float32Array));
  }
}

/** Runs fn and returns what it wrote through process.emitWarning and the info sink. */
function capture<T>(fn: () => T): { result: T; warnings: string[]; info: string[] } {
  const warnings: string[] = [];
  const info: string[] = [];
  const original = process.emitWarning;
  process.emitWarning = ((m: string | Error) => warnings.push(String(m))) as typeof process.emitWarning;
  const oldSink = setInfoSink((line) => info.push(line));
  try {
    return { result: fn(), warnings, info };
  } finally {
    process.emitWarning = original;
    setInfoSink(oldSink);
  }
}

async function fitRecording(options: TrainerOptions, setup?: (t: Trainer) => void, epochs = 3) {
  torch.manualSeed(0);
  const data = regressionData(32);
  const model = new RecordingModule();
  const { result: trainer } = capture(() => new Trainer({ ...QUIET, max_epochs: epochs, ...options }));
  setup?.(trainer);
  await trainer.fit(model, { trainDataloaders: loader(data, 8), valDataloaders: loader(data, 16) });
  data.dispose();
  return { model, trainer };
}

const epochMeans = (losses: number[], perEpoch: number) =>
  Array.from({ length: losses.length / perEpoch }, (_, e) =>
    losses.slice(e * perEpoch, (e + 1) * perEpoch).reduce((a, b) => a + b, 0),
  );

test('"bf16-mixed" on the CPU: steps run in bfloat16 autocast, loss decreases, parameters stay float32', async () => {
  const { result, info } = capture(
    () => new Trainer({ ...QUIET, precision: "bf16-mixed", accelerator: "cpu" }),
  );
  assert.deepEqual(info, ["Using bfloat16 Automatic Mixed Precision (AMP)"]);
  assert.equal(precisionPlugin(result).precision, "bf16-mixed");
  assert.equal(precisionPlugin(result).scaler, null);
  // Lightning's trainer.precision and trainer.precision_plugin read the effective plugin.
  assert.equal(result.precision, "bf16-mixed");
  assert.equal(result.precisionPlugin, precisionPlugin(result));

  const { model } = await fitRecording({ precision: "bf16-mixed", accelerator: "cpu" });
  assert.ok(model.stepDtypes.length === 12 && model.stepDtypes.every((d) => d === "bfloat16"));
  assert.ok(model.evalDtypes.length > 0 && model.evalDtypes.every((d) => d === "bfloat16"));
  const means = epochMeans(model.losses, 4);
  assert.ok(means[2]! < means[0]!, `epoch losses should decrease: ${means.join(", ")}`);
  for (const p of model.parameters()) assert.equal(p.dtype, "float32");
  assert.equal(model.fc.weight.grad?.dtype ?? "float32", "float32");
  torch.tidy(() => assert.equal(model.forward(torch.ones([1, 3])).dtype, "float32"));
  assert.equal(torch.isAutocastEnabled("cpu"), false);
});

test('"16-mixed" on the CPU warns as Lightning does and runs as "bf16-mixed" without a scaler', async () => {
  const { result, warnings, info } = capture(
    () => new Trainer({ ...QUIET, precision: "16-mixed", accelerator: "cpu" }),
  );
  assert.deepEqual(warnings, [
    "You passed `Trainer(accelerator='cpu', precision='16-mixed')` but AMP with fp16 is not supported on CPU. " +
      "Using `precision='bf16-mixed'` instead.",
  ]);
  assert.deepEqual(info, ["Using bfloat16 Automatic Mixed Precision (AMP)"]);
  assert.equal(precisionPlugin(result).precision, "bf16-mixed");
  assert.equal(precisionPlugin(result).scaler, null);
  const { model } = await fitRecording({ precision: "16-mixed", accelerator: "cpu" }, undefined, 1);
  assert.ok(model.stepDtypes.every((d) => d === "bfloat16"));
  // No scaler: backward runs on the loss itself.
  assert.deepEqual(model.backwardLosses, model.losses);
});

test("fp16 with a GradScaler (plugin on the CPU): scaled backward, unscaled grads for hooks, scale growth", async () => {
  const scaler = new torch.amp.GradScaler("cpu", { init_scale: 1024, growth_interval: 3 });
  const { model, trainer } = await fitRecording({}, (t) =>
    usePrecisionPlugin(t, new PrecisionPlugin("16-mixed", CPU, scaler)),
  );
  assert.ok(model.stepDtypes.length === 12 && model.stepDtypes.every((d) => d === "float16"));
  for (const p of model.parameters()) assert.equal(p.dtype, "float32");
  // 12 clean steps, growth every 3: 1024 * 2^4.
  assert.equal(scaler.getScale(), 1024 * 16);
  assert.equal(trainer.globalStep, 12);
  // onBeforeBackward sees loss * scale (1024 at the first step); onBeforeOptimizerStep the unscaled gradients.
  assert.equal(model.backwardLosses[0], model.losses[0]! * 1024);
  assert.deepEqual(
    model.gradsBeforeStep[0],
    model.gradsAfterBackward[0]!.map((g) => g / 1024),
  );
  const means = epochMeans(model.losses, 4);
  assert.ok(means[2]! < means[0]!, `epoch losses should decrease: ${means.join(", ")}`);
});

test("an inf loss under fp16 skips that optimizer step, backs off the scale and still counts the step", async () => {
  torch.manualSeed(0);
  const data = regressionData(16);
  const model = new RecordingModule();
  model.infAt.add(1);
  const scaler = new torch.amp.GradScaler("cpu", { init_scale: 256, growth_interval: 100 });
  const trainer = new Trainer({ ...QUIET, max_epochs: 1 });
  usePrecisionPlugin(trainer, new PrecisionPlugin("16-mixed", CPU, scaler));
  const weights: number[][] = [];
  model.onTrainBatchEnd = () => {
    weights.push(Array.from(model.fc.weight.toTypedArray() as Float32Array));
  };
  await trainer.fit(model, { trainDataloaders: loader(data, 4) });
  data.dispose();
  assert.equal(trainer.globalStep, 4);
  assert.deepEqual(weights[1], weights[0], "the step with inf gradients must not change the parameters");
  assert.notDeepEqual(weights[2], weights[1]);
  assert.equal(scaler.getScale(), 128);
});

test('the scaler state is saved under "MixedPrecision" with PyTorch\'s keys and restored on resume', async (t) => {
  const root = tempDir("kiln-precision-");
  const path = join(root, "amp.ckpt");
  const { trainer } = await fitRecording(
    {},
    (tr) =>
      usePrecisionPlugin(
        tr,
        new PrecisionPlugin(
          "16-mixed",
          CPU,
          new torch.amp.GradScaler("cpu", { init_scale: 64, growth_interval: 5 }),
        ),
      ),
    1,
  );
  await trainer.saveCheckpoint(path);
  const saved = torch.load(path) as Record<string, unknown>;
  const state = saved.MixedPrecision as Map<string, unknown> | Record<string, unknown>;
  const entries = state instanceof Map ? Object.fromEntries(state) : state;
  assert.deepEqual(Object.keys(entries), [
    "scale",
    "growth_factor",
    "backoff_factor",
    "growth_interval",
    "_growth_tracker",
  ]);
  assert.equal(Number(entries.scale), 64);
  assert.equal(entries._growth_tracker, 4);
  assert.deepEqual(
    Object.keys(saved).indexOf("MixedPrecision"),
    Object.keys(saved).indexOf("lr_schedulers") + 1,
  );

  // Resuming loads the checkpoint's scale into the new run's scaler before training starts.
  const resumedScaler = new torch.amp.GradScaler("cpu");
  torch.manualSeed(0);
  const data = regressionData(32);
  const resumed = new Trainer({ ...QUIET, max_epochs: 2 });
  usePrecisionPlugin(resumed, new PrecisionPlugin("16-mixed", CPU, resumedScaler));
  const m2 = new RecordingModule();
  let scaleAtStart = 0;
  m2.onTrainStart = () => {
    scaleAtStart = resumedScaler.getScale();
  };
  await resumed.fit(m2, { trainDataloaders: loader(data, 8), ckptPath: path });
  data.dispose();
  assert.equal(scaleAtStart, 64);
  assert.equal(
    resumedScaler.getScale(),
    128,
    "4 + 4 clean steps with growth_interval 5 double the scale once",
  );

  // bf16 and 32-true write no precision key, as Lightning writes none for an empty state.
  const bf16 = await fitRecording({ precision: "bf16-mixed", accelerator: "cpu" }, undefined, 1);
  await bf16.trainer.saveCheckpoint(join(root, "bf16.ckpt"));
  assert.ok(!("MixedPrecision" in (torch.load(join(root, "bf16.ckpt")) as Record<string, unknown>)));

  if (!existsSync(PYTHON)) {
    t.diagnostic("no .venv/bin/python: the Python read-back is skipped");
    return;
  }
  const script =
    "import sys, torch; c = torch.load(sys.argv[1], weights_only=True); s = c['MixedPrecision']; " +
    "print(repr(s['scale']), repr(s['growth_factor']), repr(s['backoff_factor']), s['growth_interval'], s['_growth_tracker'])";
  const r = spawnSync(PYTHON, ["-c", script, path], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "64.0 2.0 0.5 5 4");
});

test('"16-mixed" on CUDA: float16 autocast with a GradScaler on the GPU', async (t) => {
  if (!torch.cuda.isAvailable()) {
    t.skip("CUDA not available (CPU-only libtorch or no visible GPU)");
    return;
  }
  const { result, info } = capture(
    () => new Trainer({ ...QUIET, precision: "16-mixed", accelerator: "gpu" }),
  );
  assert.deepEqual(info, ["Using 16bit Automatic Mixed Precision (AMP)"]);
  const plugin = precisionPlugin(result);
  assert.equal(plugin.precision, "16-mixed");
  assert.ok(plugin.scaler?.isEnabled());
  const { model, trainer } = await fitRecording({ precision: "16-mixed", accelerator: "gpu" });
  assert.ok(model.stepDtypes.every((d) => d === "float16"));
  for (const p of model.parameters()) {
    assert.equal(p.dtype, "float32");
    assert.match(p.device, /^cuda/);
  }
  assert.equal(model.backwardLosses[0], model.losses[0]! * 65536);
  const means = epochMeans(model.losses, 4);
  assert.ok(means[2]! < means[0]!, `epoch losses should decrease: ${means.join(", ")}`);
  // An fp16 overflow in the first steps may back the scale off (and reset the tracker), as in PyTorch.
  const state = precisionPlugin(trainer).stateDict();
  const scale = Number(state.scale);
  assert.ok(scale <= 65536 && Number.isInteger(Math.log2(scale)), `scale ${scale}`);
  assert.ok(Number(state._growth_tracker) <= 12);
  assert.equal(trainer.globalStep, 12);
});

test("deterministic: true / \"warn\" / false set torch's switch as Lightning's _set_torch_flags does", () => {
  const before = torch.areDeterministicAlgorithmsEnabled();
  const cublas = process.env.CUBLAS_WORKSPACE_CONFIG;
  try {
    delete process.env.CUBLAS_WORKSPACE_CONFIG;
    torch.useDeterministicAlgorithms(false);
    new Trainer({ ...QUIET });
    assert.equal(torch.areDeterministicAlgorithmsEnabled(), false, "unset leaves torch alone");
    new Trainer({ ...QUIET, deterministic: true });
    assert.equal(torch.areDeterministicAlgorithmsEnabled(), true);
    assert.equal(torch.isDeterministicAlgorithmsWarnOnlyEnabled(), false);
    assert.equal(process.env.CUBLAS_WORKSPACE_CONFIG, ":4096:8");
    new Trainer({ ...QUIET, deterministic: null });
    assert.equal(torch.areDeterministicAlgorithmsEnabled(), true, "null leaves torch alone");
    new Trainer({ ...QUIET, deterministic: "warn" });
    assert.equal(torch.areDeterministicAlgorithmsEnabled(), true);
    assert.equal(torch.isDeterministicAlgorithmsWarnOnlyEnabled(), true);
    new Trainer({ ...QUIET, deterministic: false });
    assert.equal(torch.areDeterministicAlgorithmsEnabled(), false);
    assert.throws(
      () => new Trainer({ ...QUIET, deterministic: "yes" as "warn" }),
      /Trainer\(deterministic="yes"\): expected true, false, "warn" or null/,
    );
  } finally {
    torch.useDeterministicAlgorithms(before);
    if (cublas === undefined) delete process.env.CUBLAS_WORKSPACE_CONFIG;
    else process.env.CUBLAS_WORKSPACE_CONFIG = cublas;
  }
});

test("Trainer({plugins: [PrecisionPlugin]}) replaces the plugin chosen from `precision` (Lightning's plugins=)", () => {
  const scaler = new torch.amp.GradScaler("cpu", { init_scale: 256 });
  const plugin = new PrecisionPlugin("16-mixed", CPU, scaler);
  const trainer = new Trainer({ ...QUIET, accelerator: "cpu", plugins: [plugin] });
  assert.equal(trainer.precisionPlugin, plugin);
  assert.equal(trainer.precision, "16-mixed");
  assert.equal(trainer.precisionPlugin.scaler, scaler);
  const single = new Trainer({
    ...QUIET,
    accelerator: "cpu",
    plugins: new PrecisionPlugin("bf16-mixed", CPU),
  });
  assert.equal(single.precision, "bf16-mixed");
  assert.equal(new Trainer({ ...QUIET, accelerator: "cpu" }).precision, "32-true");
});
