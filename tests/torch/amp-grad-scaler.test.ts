// torch.amp.GradScaler against Python torch (tests/fixtures/torch/grad_scaler.json, made by
// scripts/fixtures/grad_scaler.py): scaled losses, unscaled gradients, skipped steps, scale growth/backoff and
// state_dict, plus the misuse errors and memory.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { PyFloat } from "../../src/common/pyvalue.js";
import * as torch from "../../src/torch/index.js";

interface Step {
  w1: (number | string)[];
  w2: (number | string)[][];
  explicitUnscale: boolean;
  newScale: number | null;
  scaledLoss: number | string;
  gradsScaled: [unknown, unknown];
  gradsUnscaled: [unknown, unknown] | null;
  params: [number[], number[][]];
  stateDict: Record<string, number>;
}
interface Fixture {
  options: { init_scale: number; growth_factor: number; backoff_factor: number; growth_interval: number };
  initialStateDict: Record<string, number>;
  steps: Step[];
  restoredStateDict: Record<string, number>;
  restoredScale: number;
  disabledStateDict: Record<string, number>;
  disabledScale: number;
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/torch/grad_scaler.json", import.meta.url), "utf8"),
) as Fixture;

/** JSON strings "inf", "-inf", "nan" back to numbers, through nested arrays. */
function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  if (v === "nan") return Number.NaN;
  return v;
}

/** state_dict with PyFloat unwrapped, so it compares with the JSON. */
function plain(state: object): Record<string, number> {
  return Object.fromEntries(
    Object.entries(state).map(([k, v]) => [k, v instanceof PyFloat ? v.value : Number(v)]),
  );
}

function makeSetup() {
  const p1 = torch.tensor([0.5, -1.0, 2.0]).requiresGrad_();
  const p2 = torch
    .tensor([
      [1.0, 0.25],
      [-0.5, 3.0],
    ])
    .requiresGrad_();
  const opt = new torch.optim.SGD([p1, p2], { lr: 0.1 });
  return { p1, p2, opt };
}

test("GradScaler matches Python: scale, unscale_, skipped steps on inf/NaN, growth and backoff", () => {
  const { p1, p2, opt } = makeSetup();
  const scaler = new torch.amp.GradScaler("cpu", fixture.options);
  assert.deepEqual(plain(scaler.stateDict()), fixture.initialStateDict);
  fixture.steps.forEach((step, i) => {
    torch.tidy(() => {
      opt.zeroGrad();
      const w1 = torch.tensor(decode(step.w1) as number[]);
      const w2 = torch.tensor(decode(step.w2) as number[][]);
      const loss = p1.mul(w1).sum().add(p2.mul(w2).sum());
      const scaled = scaler.scale(loss);
      scaled.backward();
      assert.deepEqual(scaled.item(), decode(step.scaledLoss), `step ${i}: scaled loss`);
      assert.deepEqual(
        [p1.grad!.toArray(), p2.grad!.toArray()],
        decode(step.gradsScaled),
        `step ${i}: grads`,
      );
      if (step.explicitUnscale) {
        scaler.unscale_(opt);
        assert.deepEqual(
          [p1.grad!.toArray(), p2.grad!.toArray()],
          decode(step.gradsUnscaled),
          `step ${i}: unscaled grads`,
        );
      }
      scaler.step(opt);
      scaler.update(step.newScale ?? undefined);
      assert.deepEqual([p1.toArray(), p2.toArray()], step.params, `step ${i}: params`);
      assert.deepEqual(plain(scaler.stateDict()), step.stateDict, `step ${i}: state_dict`);
    });
  });
  const restored = new torch.amp.GradScaler("cpu");
  restored.loadStateDict(scaler.stateDict());
  assert.deepEqual(plain(restored.stateDict()), fixture.restoredStateDict);
  assert.equal(restored.getScale(), fixture.restoredScale);
  scaler.dispose();
});

test("state_dict keeps floats as Python floats (scale, growth_factor, backoff_factor)", () => {
  const state = new torch.amp.GradScaler("cpu").stateDict() as Record<string, unknown>;
  assert.deepEqual(Object.keys(state), [
    "scale",
    "growth_factor",
    "backoff_factor",
    "growth_interval",
    "_growth_tracker",
  ]);
  assert.ok(state.scale instanceof PyFloat && state.scale.value === 65536);
  assert.ok(state.growth_factor instanceof PyFloat && state.backoff_factor instanceof PyFloat);
  assert.equal(state.growth_interval, 2000);
});

test("a disabled scaler passes everything through", () => {
  torch.tidy(() => {
    const { p1, opt } = makeSetup();
    const scaler = new torch.amp.GradScaler("cpu", { enabled: false });
    const loss = p1.sum();
    assert.equal(scaler.scale(loss), loss);
    loss.backward();
    scaler.step(opt);
    scaler.update();
    assert.deepEqual(p1.toArray(), [0.4000000059604645, -1.100000023841858, 1.899999976158142]);
    assert.deepEqual(scaler.stateDict(), fixture.disabledStateDict);
    assert.equal(scaler.getScale(), fixture.disabledScale);
  });
});

test("a cuda scaler without a GPU warns and disables itself (as PyTorch)", (t) => {
  if (torch.cuda.isAvailable()) {
    t.skip("a GPU is available: this checks the CPU-only fallback");
    return;
  }
  const original = process.emitWarning;
  const seen: string[] = [];
  process.emitWarning = ((m: string) => seen.push(m)) as typeof process.emitWarning;
  try {
    assert.equal(new torch.amp.GradScaler().isEnabled(), false);
  } finally {
    process.emitWarning = original;
  }
  assert.match(seen[0] ?? "", /GradScaler is enabled, but CUDA is not available. {2}Disabling./);
});

test("misuse errors: unscale_ twice, step twice, update before scale, bad factors, empty state", () => {
  torch.tidy(() => {
    const { p1, opt } = makeSetup();
    const scaler = new torch.amp.GradScaler("cpu");
    assert.throws(() => scaler.update(), /Attempted update but _scale is None/);
    scaler.scale(p1.sum()).backward();
    scaler.unscale_(opt);
    assert.throws(() => scaler.unscale_(opt), /unscale_\(\) has already been called on this optimizer/);
    scaler.step(opt);
    assert.throws(() => scaler.step(opt), /step\(\) has already been called since the last update\(\)/);
    assert.throws(() => scaler.unscale_(opt), /unscale_\(\) is being called after step\(\)/);
    scaler.update();
    assert.throws(() => scaler.loadStateDict({}), /The source state dict is empty/);
    scaler.dispose();
  });
  assert.throws(() => new torch.amp.GradScaler("cpu", { growth_factor: 1 }), /growth factor must be > 1.0/);
  assert.throws(() => new torch.amp.GradScaler("cpu", { backoff_factor: 1 }), /backoff factor must be < 1.0/);
});

test("a training loop with the scaler leaks no tensors", () => {
  const { p1, p2, opt } = makeSetup();
  const scaler = new torch.amp.GradScaler("cpu", { init_scale: 8 });
  const step = () =>
    torch.tidy(() => {
      opt.zeroGrad();
      scaler.scale(p1.mul(p1).sum().add(p2.sum())).backward();
      scaler.unscale_(opt);
      scaler.step(opt);
      scaler.update();
    });
  step();
  const live = torch.memoryStats().liveTensors;
  for (let i = 0; i < 20; i++) step();
  assert.equal(torch.memoryStats().liveTensors, live);
  scaler.dispose();
  assert.equal(torch.memoryStats().liveTensors, live - 2);
});
