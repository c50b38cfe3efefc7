// The optimization side of fit: gradient accumulation, gradient clipping, LR scheduler configs and
// stepping, configureOptimizers' shapes, and stopping (should_stop, min_epochs, EarlyStopping).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Callback } from "../../../src/lightning/callbacks/callback.js";
import { EarlyStopping } from "../../../src/lightning/callbacks/early-stopping.js";
import type { LightningModule } from "../../../src/lightning/module.js";
import { initOptimizers } from "../../../src/lightning/trainer/optimization.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { LinearModule, loader, QUIET, regressionData } from "./helpers.js";

type Tensor = torch.Tensor;

/** The flattened parameters of a module as numbers. */
function flatParams(m: LightningModule): number[] {
  return m.parameters().flatMap((p) => Array.from(p.toTypedArray() as Float32Array));
}

/** Copies a's weights into b. */
function copyWeights(a: LightningModule, b: LightningModule): void {
  torch.tidy(() => {
    b.loadStateDict(a.stateDict());
  });
}

function assertClose(a: number[], b: number[], tol = 1e-6): void {
  assert.equal(a.length, b.length);
  for (const [i, x] of a.entries()) {
    assert.ok(Math.abs(x - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `[${i}] ${x} vs ${b[i]}`);
  }
}

test("accumulate_grad_batches 4 over batches of 2 equals one step over a batch of 8 (linear model)", async () => {
  const data = regressionData(8);
  const a = new LinearModule({}, 0.5);
  const b = new LinearModule({}, 0.5);
  copyWeights(a, b);
  const ta = new Trainer({ ...QUIET, max_epochs: 1, accumulate_grad_batches: 4 });
  await ta.fit(a, { trainDataloaders: loader(data, 2) });
  const tb = new Trainer({ ...QUIET, max_epochs: 1 });
  await tb.fit(b, { trainDataloaders: loader(data, 8) });
  assert.equal(ta.globalStep, 1);
  assert.equal(tb.globalStep, 1);
  assertClose(flatParams(a), flatParams(b));
  data.dispose();
});

/** One SGD step (lr 1) with the given clipping; returns the parameter change. */
async function clippedDelta(
  clip: Partial<{ gradient_clip_val: number; gradient_clip_algorithm: "norm" | "value" }>,
  seedModel: LightningModule,
) {
  const data = regressionData(8, 3, 11);
  const m = new LinearModule({}, 1.0);
  copyWeights(seedModel, m);
  const before = flatParams(m);
  await new Trainer({ ...QUIET, max_steps: 1, ...clip }).fit(m, { trainDataloaders: loader(data, 8) });
  data.dispose();
  return flatParams(m).map((x, i) => x - before[i]!);
}

test("gradient_clip_val clips the gradient norm (default algorithm) or each value", async () => {
  const seed = new LinearModule();
  const free = await clippedDelta({}, seed);
  const norm = Math.hypot(...free);
  assert.ok(norm > 0.05, "the unclipped step is large enough to be clipped");
  const byNorm = await clippedDelta({ gradient_clip_val: 0.05 }, seed);
  assertClose(
    byNorm,
    free.map((g) => (g * 0.05) / (norm + 1e-6)),
    1e-5,
  );
  const byValue = await clippedDelta({ gradient_clip_val: 0.01, gradient_clip_algorithm: "value" }, seed);
  assertClose(
    byValue,
    free.map((g) => Math.max(-0.01, Math.min(0.01, g))),
    1e-5,
  );
});

test("LR schedulers step per epoch or per step with their frequency; plateau schedulers read the monitor", async () => {
  const data = regressionData(16);
  const lrsAt = async (config: (opt: torch.optim.SGD) => unknown, epochs = 3) => {
    const m = new LinearModule({}, 1.0);
    const seen: number[] = [];
    m.configureOptimizers = () => {
      const opt = new torch.optim.SGD(m.parameters(), { lr: 1.0 });
      return config(opt) as never;
    };
    class LrProbe extends Callback {
      override onTrainEpochEnd(t: Trainer) {
        seen.push(t.optimizers[0]!.paramGroups[0]!.lr);
      }
    }
    await new Trainer({ ...QUIET, max_epochs: epochs, callbacks: [new LrProbe()] }).fit(m, {
      trainDataloaders: loader(data, 4),
      valDataloaders: loader(data, 4),
    });
    return seen;
  };
  const { StepLR, ReduceLROnPlateau } = torch.optim;
  assert.deepEqual(
    await lrsAt((o) => ({ optimizer: o, lrScheduler: new StepLR(o, { step_size: 1, gamma: 0.5 }) })),
    [0.5, 0.25, 0.125],
  );
  assert.deepEqual(
    await lrsAt((o) => ({
      optimizer: o,
      lrScheduler: { scheduler: new StepLR(o, { step_size: 1, gamma: 0.5 }), interval: "step" },
    })),
    [0.0625, 0.00390625, 0.000244140625],
  );
  assert.deepEqual(
    await lrsAt((o) => ({
      optimizer: o,
      lrScheduler: { scheduler: new StepLR(o, { step_size: 1, gamma: 0.5 }), frequency: 2 },
    })),
    [1, 0.5, 0.5],
  );
  assert.deepEqual(
    await lrsAt((o) => [[o], [new StepLR(o, { step_size: 2, gamma: 0.1 })]]).then((v) =>
      v.map((x) => Number(x.toPrecision(6))),
    ),
    [1, 0.1, 0.1],
  );
  // The monitored metric never improves (lr 1.0 diverges or stays), so patience 0 halves the lr each epoch
  // after the first; a missing monitor is an error.
  const plateau = await lrsAt(
    (o) => ({
      optimizer: o,
      lrScheduler: {
        scheduler: new ReduceLROnPlateau(o, { patience: 0, factor: 0.5, mode: "max" }),
        monitor: "const",
      },
    }),
    2,
  ).catch((e: Error) => e);
  assert.match(String(plateau), /ReduceLROnPlateau conditioned on metric const which is not available/);
  data.dispose();
});

test("configureOptimizers accepts Lightning's shapes and rejects others", () => {
  const m = new LinearModule();
  const opt = new torch.optim.SGD(m.parameters(), { lr: 0.1 });
  const sched = new torch.optim.StepLR(opt, { step_size: 1 });
  assert.equal(initOptimizers(opt).optimizers.length, 1);
  assert.equal(initOptimizers([opt]).optimizers.length, 1);
  const r = initOptimizers({
    optimizer: opt,
    lr_scheduler: { scheduler: sched, interval: "step", frequency: 3 },
  });
  assert.deepEqual(
    [r.schedulers[0]!.interval, r.schedulers[0]!.frequency, r.schedulers[0]!.monitor],
    ["step", 3, null],
  );
  assert.equal(initOptimizers([[opt], [sched]]).schedulers.length, 1);
  assert.deepEqual(initOptimizers(null), { optimizers: [], schedulers: [] });
  assert.throws(
    () => initOptimizers({ optimizer: opt, lrScheduler: { scheduler: sched, interval: "batch" as "step" } }),
    /"interval"/,
  );
  assert.throws(
    () => initOptimizers({ optimizer: opt, lrScheduler: new torch.optim.ReduceLROnPlateau(opt) }),
    /"monitor"/,
  );
  assert.throws(() => initOptimizers("adam" as never), /Unknown configuration for model optimizers/);
});

class StopAtFirstEpoch extends Callback {
  override onTrainEpochEnd(trainer: Trainer) {
    trainer.shouldStop = true;
  }
}

test("should_stop ends fit at the epoch's end, but not before min_epochs / min_steps", async () => {
  const data = regressionData(16);
  const fit = async (extra: object) => {
    const trainer = new Trainer({ ...QUIET, max_epochs: 10, callbacks: [new StopAtFirstEpoch()], ...extra });
    await trainer.fit(new LinearModule(), { trainDataloaders: loader(data, 4) });
    return trainer;
  };
  assert.equal((await fit({})).currentEpoch, 1);
  assert.equal((await fit({ min_epochs: 3 })).currentEpoch, 3);
  // The epoch loop checks should_stop before each batch: it ends as soon as min_steps is met (Lightning).
  assert.equal((await fit({ min_steps: 9 })).globalStep, 9);
  data.dispose();
});

test("EarlyStopping with patience 2 stops after 3 non-improving validations, respecting min_epochs", async () => {
  const data = regressionData(16);
  const fit = async (minEpochs: number) => {
    const model = new LinearModule({ validationStep: (m) => m.log("const", 1.0) });
    const trainer = new Trainer({
      ...QUIET,
      max_epochs: 20,
      min_epochs: minEpochs,
      callbacks: [new EarlyStopping({ monitor: "const", patience: 2 })],
    });
    await trainer.fit(model, { trainDataloaders: loader(data, 4), valDataloaders: loader(data, 4) });
    return trainer.currentEpoch;
  };
  assert.equal(await fit(0), 3);
  assert.equal(await fit(6), 6);
  data.dispose();
});

test("manual optimization: trainingStep drives the optimizer itself", async () => {
  const data = regressionData(8);
  const m = new LinearModule();
  m.automaticOptimization = false;
  let steps = 0;
  m.trainingStep = (batch: unknown) => {
    const opt = m.optimizers() as torch.optim.SGD;
    opt.zeroGrad();
    const loss: Tensor = m.loss(batch);
    loss.backward();
    opt.step();
    steps++;
    return loss;
  };
  await new Trainer({ ...QUIET, max_epochs: 1 }).fit(m, { trainDataloaders: loader(data, 4) });
  assert.equal(steps, 2);
  data.dispose();
});

test("several optimizers need manual optimization (Lightning 2.x)", async () => {
  const data = regressionData(8);
  const m = new LinearModule();
  m.configureOptimizers = (() => [
    new torch.optim.SGD(m.parameters(), { lr: 0.1 }),
    new torch.optim.SGD(m.parameters(), { lr: 0.2 }),
  ]) as never;
  await assert.rejects(
    new Trainer({ ...QUIET, max_epochs: 1 }).fit(m, { trainDataloaders: loader(data, 4) }),
    /multiple optimizers is only supported with manual optimization/,
  );
  data.dispose();
});
