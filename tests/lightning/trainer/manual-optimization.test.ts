// Manual optimization (automaticOptimization = false) as Lightning 2.x: each step of a LightningOptimizer is a
// global step (two optimizers: two per batch), max_steps stops the fit, manualBackward goes through the precision
// plugin (a GradScaler scales it), toggleOptimizer/untoggleOptimizer, lrSchedulers(), clipGradients, and the
// flags Lightning refuses with manual optimization. fixtures/manual-optimization.json is real Lightning's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Callback } from "../../../src/lightning/callbacks/callback.js";
import { ModelCheckpoint } from "../../../src/lightning/callbacks/model-checkpoint.js";
import { LightningModule } from "../../../src/lightning/module.js";
import { isLightningOptimizer } from "../../../src/lightning/optimizer.js";
import { PrecisionPlugin, usePrecisionPlugin } from "../../../src/lightning/trainer/precision.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import type { OptimizerLike } from "../../../src/lightning/trainer/types.js";
import * as torch from "../../../src/torch/index.js";
import { LinearModule, loader, QUIET, regressionData, tempDir } from "./helpers.js";

type Tensor = torch.Tensor;
const FIXTURE = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures", "manual-optimization.json"), "utf8"),
) as Record<string, { global_step: number; batches: number; optim_step_completed: number }>;

/** One optimizer, stepped by hand with manualBackward. */
class ManualModule extends LinearModule {
  batches = 0;
  backwardLosses: number[] = [];
  losses: number[] = [];
  constructor() {
    super();
    this.automaticOptimization = false;
  }
  override trainingStep(batch: unknown) {
    const opt = this.optimizers() as OptimizerLike;
    opt.zeroGrad();
    const loss = this.loss(batch);
    this.losses.push(Number(loss.item()));
    this.manualBackward(loss);
    opt.step();
    this.batches++;
    return loss;
  }
  override onBeforeBackward(loss: Tensor): void {
    this.backwardLosses.push(Number(loss.item()));
  }
}

/** A GAN-shaped module: two networks, two optimizers, each stepped once per batch with its params toggled. */
class TwoOptimizers extends LightningModule {
  gen = new torch.nn.Linear(3, 3);
  disc = new torch.nn.Linear(3, 1);
  batches = 0;
  /** Whether the generator's backward changed the discriminator's gradient (toggling prevents it). */
  genBackwardTouchedDisc: boolean[] = [];
  constructor() {
    super();
    this.automaticOptimization = false;
  }
  override trainingStep(batch: unknown) {
    const [x, y] = batch as [Tensor, Tensor];
    const [optG, optD] = this.optimizers() as OptimizerLike[];
    this.toggleOptimizer(optG!);
    optG!.zeroGrad();
    const gLoss = torch.mseLoss(this.disc.call(this.gen.call(x) as Tensor) as Tensor, y);
    const before = this.#discGrad();
    this.manualBackward(gLoss);
    this.genBackwardTouchedDisc.push(JSON.stringify(this.#discGrad()) !== JSON.stringify(before));
    optG!.step();
    this.untoggleOptimizer(optG!);
    this.toggleOptimizer(optD!);
    optD!.zeroGrad();
    const dLoss = torch.mseLoss(this.disc.call(x) as Tensor, y);
    this.manualBackward(dLoss);
    optD!.step();
    this.untoggleOptimizer(optD!);
    this.batches++;
    return null;
  }
  #discGrad(): number[] | null {
    const g = this.disc.weight.grad;
    return g === null ? null : Array.from(g.toTypedArray() as Float32Array);
  }
  override configureOptimizers() {
    return [
      new torch.optim.SGD(this.gen.parameters(), { lr: 0.01 }),
      new torch.optim.SGD(this.disc.parameters(), { lr: 0.01 }),
    ];
  }
}

function lastCheckpoint(root: string) {
  return new ModelCheckpoint({ dirpath: root, save_last: true, save_top_k: 0 });
}

test("manual optimization with max_steps=3 stops after 3 steps and writes global_step 3 to last.ckpt", async () => {
  const data = regressionData(32);
  const root = tempDir();
  const m = new ManualModule();
  const trainer = new Trainer({
    ...QUIET,
    enable_checkpointing: true,
    max_steps: 3,
    callbacks: [lastCheckpoint(root)],
  });
  await trainer.fit(m, { trainDataloaders: loader(data, 4) });
  const expected = FIXTURE.one_optimizer_max_steps_3!;
  assert.equal(trainer.globalStep, expected.global_step);
  assert.equal(m.batches, expected.batches);
  const ckpt = torch.load(join(root, "last.ckpt")) as Record<string, unknown>;
  assert.equal(ckpt.global_step, 3);
  const loops = ckpt.loops as Record<string, Record<string, unknown>>;
  const progress = loops.fit_loop!["epoch_loop.manual_optimization.optim_step_progress"] as {
    total: { ready: number; completed: number };
  };
  assert.deepEqual([progress.total.ready, progress.total.completed], [3, expected.optim_step_completed]);
  // a resumed manual fit continues the count: two more steps to max_steps=5
  const resumed = new ManualModule();
  const t2 = new Trainer({ ...QUIET, max_steps: 5 });
  await t2.fit(resumed, { trainDataloaders: loader(data, 4), ckptPath: join(root, "last.ckpt") });
  assert.equal(t2.globalStep, 5);
  assert.equal(resumed.batches, 2);
  data.dispose();
});

test("two optimizers count two global steps per batch; max_steps stops mid-way as Lightning does", async () => {
  const data = regressionData(16);
  const m = new TwoOptimizers();
  const trainer = new Trainer({ ...QUIET, max_epochs: 1 });
  await trainer.fit(m, { trainDataloaders: loader(data, 4) });
  assert.equal(m.batches, 4);
  assert.equal(trainer.globalStep, 8);
  assert.deepEqual(m.genBackwardTouchedDisc, [false, false, false, false]);
  // toggling restored every parameter's requiresGrad
  assert.ok(m.parameters().every((p) => p.requiresGrad));

  const stopped = new TwoOptimizers();
  const t2 = new Trainer({ ...QUIET, max_steps: 5, max_epochs: 3 });
  await t2.fit(stopped, { trainDataloaders: loader(data, 4) });
  const expected = FIXTURE.two_optimizers_max_steps_5!;
  assert.equal(t2.globalStep, expected.global_step);
  assert.equal(stopped.batches, expected.batches);
  data.dispose();
});

test("optimizers() gives LightningOptimizers that are still instances of their class; false gives the raw ones", async () => {
  const data = regressionData(8);
  const m = new ManualModule();
  const seen: unknown[] = [];
  const base = m.trainingStep.bind(m);
  m.trainingStep = (batch: unknown) => {
    seen.push(m.optimizers(), m.optimizers(false));
    return base(batch);
  };
  await new Trainer({ ...QUIET, max_steps: 1 }).fit(m, { trainDataloaders: loader(data, 4) });
  assert.ok(seen[0] instanceof torch.optim.SGD && isLightningOptimizer(seen[0]));
  assert.ok(seen[1] instanceof torch.optim.SGD && !isLightningOptimizer(seen[1]));
  data.dispose();
});

test("manualBackward goes through the GradScaler under 16-mixed; on_before_optimizer_step runs per step", async () => {
  const data = regressionData(8);
  const m = new ManualModule();
  let beforeStep = 0;
  class Count extends Callback {
    override onBeforeOptimizerStep(): void {
      beforeStep++;
    }
  }
  const trainer = new Trainer({ ...QUIET, max_epochs: 1, callbacks: [new Count()] });
  const scaler = new torch.amp.GradScaler("cpu", { init_scale: 1024 });
  usePrecisionPlugin(trainer, new PrecisionPlugin("16-mixed", { accelerator: "cpu", device: "cpu" }, scaler));
  await trainer.fit(m, { trainDataloaders: loader(data, 4) });
  assert.equal(m.backwardLosses.length, 2);
  assert.ok(Math.abs(m.backwardLosses[0]! / m.losses[0]! - 1024) < 1, `${m.backwardLosses} vs ${m.losses}`);
  assert.equal(beforeStep, 2);
  assert.equal(trainer.globalStep, 2);
  data.dispose();
});

test("manualBackward needs manual optimization; gradient clipping and accumulation flags are refused", async () => {
  const data = regressionData(8);
  const auto = new LinearModule();
  auto.trainingStep = (batch: unknown) => {
    const loss = auto.loss(batch);
    auto.manualBackward(loss);
    return loss;
  };
  await assert.rejects(
    new Trainer({ ...QUIET, max_steps: 1 }).fit(auto, { trainDataloaders: loader(data, 4) }),
    /To use manualBackward, please disable automatic optimization/,
  );
  await assert.rejects(
    new Trainer({ ...QUIET, max_steps: 1, gradient_clip_val: 0.5 }).fit(new ManualModule(), {
      trainDataloaders: loader(data, 4),
    }),
    /Automatic gradient clipping is not supported for manual optimization. Remove `Trainer\(gradient_clip_val=0.5\)`/,
  );
  await assert.rejects(
    new Trainer({ ...QUIET, max_steps: 1, accumulate_grad_batches: 2 }).fit(new ManualModule(), {
      trainDataloaders: loader(data, 4),
    }),
    /Automatic gradient accumulation is not supported for manual optimization/,
  );
  data.dispose();
});

test("clipGradients and lrSchedulers() in a manual trainingStep", async () => {
  const data = regressionData(8);
  const m = new ManualModule();
  const norms: number[] = [];
  const lrs: number[] = [];
  m.configureOptimizers = (() => {
    const optimizer = new torch.optim.SGD(m.parameters(), { lr: 0.1 });
    return { optimizer, lrScheduler: new torch.optim.StepLR(optimizer, { step_size: 1, gamma: 0.5 }) };
  }) as never;
  m.trainingStep = (batch: unknown) => {
    const opt = m.optimizers() as torch.optim.SGD;
    opt.zeroGrad();
    const loss = m.loss(batch).mul(1000);
    m.manualBackward(loss);
    m.clipGradients(opt, 0.01, "norm");
    const grads = m.parameters().map((p) => p.grad!);
    norms.push(
      Number(
        torch
          .stack(grads.map((g) => g.norm()))
          .norm()
          .item(),
      ),
    );
    opt.step();
    (m.lrSchedulers() as torch.optim.StepLR).step();
    lrs.push(opt.paramGroups[0]!.lr);
    return loss;
  };
  await new Trainer({ ...QUIET, max_epochs: 1 }).fit(m, { trainDataloaders: loader(data, 4) });
  for (const n of norms) assert.ok(Math.abs(n - 0.01) < 1e-4, `norm ${n}`);
  assert.deepEqual(lrs, [0.05, 0.025]);
  // a value that contradicts the Trainer's flag is an error, as in Lightning
  const t = new Trainer({ ...QUIET, gradient_clip_val: 0.5 });
  const probe = new LinearModule();
  probe.trainer = t;
  const opt = new torch.optim.SGD(probe.parameters(), { lr: 0.1 });
  assert.throws(() => probe.clipGradients(opt, 0.1), /gradient_clip_val=0.5.*Please use only one of them/);
  data.dispose();
});
