/** Scheduler semantics beyond the recorded sequences: initial_lr, resuming, state dict checks, edge errors. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  StepLR,
} from "../../../../src/torch/optim/lr-scheduler/index.js";
import { assertClose, dummyOptimizer, sgd } from "./helpers.js";

test("construction takes the first step and records initial_lr and base_lrs", () => {
  const opt = sgd(0.1, 0.5);
  const scheduler = new LinearLR(opt, { start_factor: 0.5, total_iters: 2 });
  assert.equal(scheduler.lastEpoch, 0);
  assert.deepEqual(scheduler.baseLrs, [0.1, 0.5]);
  assert.deepEqual(
    opt.paramGroups.map((g) => g.initial_lr),
    [0.1, 0.5],
  );
  assert.deepEqual(scheduler.getLastLr(), [0.05, 0.25]);
  assert.equal(scheduler.stateDict()._step_count, 1);
});

test("an existing initial_lr is kept (setdefault), and resuming without one is an error", () => {
  const opt = dummyOptimizer({ lr: 0.1 }, [{ lr: 0.01, initial_lr: 0.2 }]);
  const scheduler = new StepLR(opt, { step_size: 1, gamma: 0.5 });
  assert.deepEqual(scheduler.baseLrs, [0.2]);
  assert.throws(
    () => new StepLR(sgd(0.1), { step_size: 1, last_epoch: 4 }),
    /param 'initial_lr' is not specified in param_groups\[0\] when resuming/,
  );
});

test("constructing with last_epoch resumes the schedule where it was", () => {
  const opt = dummyOptimizer({ lr: 0.1 }, [{ lr: 0.025, initial_lr: 0.1 }]);
  const scheduler = new ExponentialLR(opt, { gamma: 0.5, last_epoch: 2 });
  assert.equal(scheduler.lastEpoch, 3);
  assert.deepEqual(scheduler.getLastLr(), [0.025]); // the construction step does not decay again
  scheduler.step();
  assert.deepEqual(scheduler.getLastLr(), [0.0125]);
});

test("the deprecated step(epoch) uses the closed form", () => {
  const saved = process.emitWarning;
  const warnings: string[] = [];
  process.emitWarning = ((w: string) => warnings.push(String(w))) as typeof process.emitWarning;
  try {
    const step = new StepLR(sgd(1), { step_size: 3, gamma: 0.5 });
    step.step(7);
    assert.deepEqual(step.getLastLr(), [0.25]);
    const multi = new MultiStepLR(sgd(1), { milestones: [2, 5, 5], gamma: 0.5 });
    multi.step(5);
    assert.deepEqual(multi.getLastLr(), [0.125]);
    const cosine = new CosineAnnealingLR(sgd(1), { T_max: 4 });
    cosine.step(2);
    assertClose(cosine.getLastLr()[0], 0.5, "cosine at T_max/2");
  } finally {
    process.emitWarning = saved;
  }
  assert.equal(warnings.length, 3);
  assert.match(warnings[0], /epoch parameter in `scheduler.step\(\)` was not necessary/);
});

test("OneCycleLR refuses to step past total_steps, with PyTorch's message", () => {
  const scheduler = new OneCycleLR(sgd(0.1), { max_lr: 1, total_steps: 3 });
  scheduler.step();
  scheduler.step();
  scheduler.step();
  assert.throws(() => scheduler.step(), /Tried to step 4 times. The specified number of total steps is 3/);
});

test("OneCycleLR with an empty warm-up phase fails clearly instead of producing NaN", () => {
  assert.throws(
    () => new OneCycleLR(sgd(0.1), { max_lr: 1, total_steps: 10, pct_start: 0.1 }),
    /phase 0 has no steps/,
  );
});

test("OneCycleLR cycles Adam's beta1 and keeps beta2", () => {
  const opt = dummyOptimizer({ lr: 0.001, betas: [0.9, 0.999] }, [{ lr: 0.001 }]);
  new OneCycleLR(opt, { max_lr: 0.01, total_steps: 10, max_momentum: 0.97 });
  assert.deepEqual(opt.paramGroups[0].betas, [0.97, 0.999]);
  assert.equal(opt.paramGroups[0].momentum, undefined);
});

test("ReduceLROnPlateau accepts a 0-d tensor-like metric and rejects a missing one", () => {
  const plateau = new ReduceLROnPlateau(sgd(0.1), { patience: 0, factor: 0.5 });
  plateau.step({ item: () => 1 });
  plateau.step({ item: () => 2 });
  assert.deepEqual(plateau.getLastLr(), [0.05]);
  assert.throws(() => plateau.step(undefined as never), /needs the monitored metric value/);
});

test("ReduceLROnPlateau: min_lr floors the lr and eps skips tiny updates", () => {
  const opt = sgd(0.1, 0.1);
  const plateau = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.1, min_lr: [0.05, 0], eps: 0.02 });
  plateau.step(1);
  plateau.step(1);
  assert.deepEqual(plateau.getLastLr(), [0.05, 0.010000000000000002]);
  plateau.step(1);
  assert.deepEqual(plateau.getLastLr(), [0.05, 0.010000000000000002]); // 0.01 -> 0.001 is below eps
});

test("ReduceLROnPlateau: a param group added later gets the scalar min_lr, but not a per-group list", () => {
  const opt = sgd(0.1);
  const plateau = new ReduceLROnPlateau(opt, { patience: 0, min_lr: 0.001 });
  opt.paramGroups.push({ lr: 0.1 });
  plateau.step(1);
  plateau.step(2);
  assert.deepEqual(plateau.minLrs, [0.001, 0.001]);
  const opt2 = sgd(0.1);
  const listed = new ReduceLROnPlateau(opt2, { patience: 0, min_lr: [0.001] });
  opt2.paramGroups.push({ lr: 0.1 });
  listed.step(1);
  assert.throws(() => listed.step(2), /differs from when ReduceLROnPlateau was initialized \(1\)/);
});

test("loadStateDict checks types, names the key, and changes nothing on failure", () => {
  const scheduler = new StepLR(sgd(0.1), { step_size: 2 });
  scheduler.step();
  const before = scheduler.stateDict();
  assert.throws(
    () => scheduler.loadStateDict({ ...before, gamma: 0.5, last_epoch: "three" }),
    /StepLR.loadStateDict: key 'last_epoch' must be a number, got "three". Is this state dict from a StepLR\?/,
  );
  assert.deepEqual(scheduler.stateDict(), before);
  const plateau = new ReduceLROnPlateau(sgd(0.1));
  assert.throws(() => plateau.loadStateDict({ mode: "median" }), /key 'mode' must be one of 'min', 'max'/);
  const cycle = new OneCycleLR(sgd(0.1), { max_lr: 1, total_steps: 10 });
  assert.throws(() => cycle.loadStateDict({ _schedule_phases: [{ end_step: "2" }] }), /_schedule_phases/);
});

test("unknown state keys are kept and saved again, as Python's __dict__.update does", () => {
  const scheduler = new CosineAnnealingLR(sgd(0.1), { T_max: 5 });
  scheduler.loadStateDict({ ...scheduler.stateDict(), verbose: false });
  assert.equal(scheduler.stateDict().verbose, false);
});

test("a ReduceLROnPlateau state dict that went through JSON ('inf' strings) loads", () => {
  const plateau = new ReduceLROnPlateau(sgd(0.1), { mode: "max" });
  const state = plateau.stateDict();
  assert.equal(state.mode_worse, Number.NEGATIVE_INFINITY);
  assert.equal(state.best, Number.NEGATIVE_INFINITY);
  const fresh = new ReduceLROnPlateau(sgd(0.1));
  fresh.loadStateDict({ ...state, mode_worse: "-inf", best: "-inf" });
  assert.equal(fresh.mode, "max");
  assert.equal(fresh.modeWorse, Number.NEGATIVE_INFINITY);
  assert.equal(fresh.best, Number.NEGATIVE_INFINITY);
});

test("MultiStepLR saves its milestones as Python's Counter (a repeated milestone decays twice)", () => {
  const scheduler = new MultiStepLR(sgd(1), { milestones: [2, 4, 4], gamma: 0.5 });
  assert.deepEqual(scheduler.stateDict().milestones, { "2": 1, "4": 2 });
  for (let i = 0; i < 4; i++) scheduler.step();
  assert.deepEqual(scheduler.getLastLr(), [0.125]);
  const other = new MultiStepLR(sgd(1), { milestones: [9], gamma: 0.5 });
  other.loadStateDict({ milestones: { "1": 1 } });
  other.step();
  assert.deepEqual(other.getLastLr(), [0.5]);
});

test("step() fails clearly when param groups were added after the scheduler was created", () => {
  const opt = sgd(0.1);
  const cosine = new CosineAnnealingLR(opt, { T_max: 1 });
  cosine.step();
  opt.paramGroups.push({ lr: 0.1 });
  // At T_max + 1 the recursion needs base_lrs for every group (PyTorch: zip(..., strict=True) fails).
  assert.throws(() => cosine.step(), /the optimizer has 2 param groups but the scheduler has 1 base_lrs/);
  const opt2 = sgd(0.1);
  const cycle = new OneCycleLR(opt2, { max_lr: 1, total_steps: 10 });
  opt2.paramGroups.push({ lr: 0.1 });
  assert.throws(() => cycle.step(), /param_groups\[1\] has no numeric 'initial_lr'/);
});
