/** Option validation of the LR schedulers: PyTorch's ValueError cases, typos, types, YAML float wrappers. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PyFloat } from "../../../../src/common/pyvalue.js";
import {
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  StepLR,
} from "../../../../src/torch/optim/lr-scheduler/index.js";
import { dummyOptimizer, sgd } from "./helpers.js";

// Options as an untyped YAML config would pass them.
const loose = (o: Record<string, unknown>) => o as never;

test("a misspelt or camelCase option is rejected, naming it and the allowed keys", () => {
  assert.throws(() => new StepLR(sgd(0.1), loose({ step_size: 2, gama: 0.5 })), {
    name: "TypeError",
    message: /StepLR got unexpected option 'gama'. Allowed options: step_size, gamma, last_epoch/,
  });
  assert.throws(
    () => new StepLR(sgd(0.1), loose({ stepSize: 2 })),
    /'stepSize' \(did you mean 'step_size'\?\)/,
  );
  assert.throws(
    () => new ReduceLROnPlateau(sgd(0.1), loose({ min_delta: 1 })),
    /unexpected option 'min_delta'/,
  );
});

test("required options and option types are checked", () => {
  assert.throws(() => new StepLR(sgd(0.1), loose({})), /StepLR: missing required option 'step_size'/);
  assert.throws(() => new ExponentialLR(sgd(0.1), loose({})), /missing required option 'gamma'/);
  assert.throws(() => new CosineAnnealingLR(sgd(0.1), loose({})), /missing required option 'T_max'/);
  assert.throws(() => new MultiStepLR(sgd(0.1), loose({})), /missing required option 'milestones'/);
  assert.throws(
    () => new OneCycleLR(sgd(0.1), loose({ total_steps: 5 })),
    /missing required option 'max_lr'/,
  );
  assert.throws(() => new StepLR(sgd(0.1), loose({ step_size: "2" })), {
    name: "TypeError",
    message: /StepLR: option 'step_size' must be a number, got string "2"/,
  });
  assert.throws(() => new StepLR(sgd(0.1), { step_size: 1.5 }), /'step_size' must be an integer/);
  assert.throws(
    () => new MultiStepLR(sgd(0.1), loose({ milestones: 3 })),
    /'milestones' must be a list of integers/,
  );
  assert.throws(
    () => new OneCycleLR(sgd(0.1), loose({ max_lr: 1, total_steps: 5, three_phase: "yes" })),
    /true or false/,
  );
});

test("bad values raise PyTorch's ValueError messages", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => new StepLR(sgd(0.1), { step_size: 0 }), /StepLR: step_size must be a positive integer, got 0/],
    [() => new CosineAnnealingLR(sgd(0.1), { T_max: 0 }), /T_max must be a positive number of steps/],
    [
      () => new LinearLR(sgd(0.1), { start_factor: 0 }),
      /Starting multiplicative factor expected to be greater than 0/,
    ],
    [
      () => new LinearLR(sgd(0.1), { end_factor: 1.5 }),
      /Ending multiplicative factor expected to be between 0 and 1/,
    ],
    [() => new ReduceLROnPlateau(sgd(0.1), { factor: 1.0 }), /Factor should be < 1.0/],
    [() => new ReduceLROnPlateau(sgd(0.1), loose({ mode: "minimum" })), /mode minimum is unknown!/],
    [
      () => new ReduceLROnPlateau(sgd(0.1), loose({ threshold_mode: "pct" })),
      /threshold mode pct is unknown!/,
    ],
    [() => new ReduceLROnPlateau(sgd(0.1, 0.2), { min_lr: [0.1] }), /expected 2 min_lrs, got 1/],
    [() => new ReduceLROnPlateau(sgd(0.1), { patience: -1 }), /patience must be >= 0/],
    [
      () => new OneCycleLR(sgd(0.1), { max_lr: 1 }),
      /You must define either total_steps OR \(epochs AND steps_per_epoch\)/,
    ],
    [
      () => new OneCycleLR(sgd(0.1), { max_lr: 1, total_steps: 0 }),
      /Expected positive integer total_steps, but got 0/,
    ],
    [
      () => new OneCycleLR(sgd(0.1), { max_lr: 1, epochs: 2.5, steps_per_epoch: 3 }),
      /positive integer epochs/,
    ],
    [
      () => new OneCycleLR(sgd(0.1), { max_lr: 1, total_steps: 9, pct_start: 1.2 }),
      /between 0 and 1 pct_start/,
    ],
    [
      () => new OneCycleLR(sgd(0.1), loose({ max_lr: 1, total_steps: 9, anneal_strategy: "exp" })),
      /anneal_strategy must be one of 'cos' or 'linear', instead got exp/,
    ],
    [
      () => new OneCycleLR(sgd(0.1, 0.2), { max_lr: [1, 2, 3], total_steps: 9 }),
      /max_lr must have the same length as optimizer.param_groups. max_lr has 3 values, param_groups has 2/,
    ],
    [
      () => new OneCycleLR(dummyOptimizer({ lr: 0.1 }, [{ lr: 0.1 }]), { max_lr: 1, total_steps: 9 }),
      /optimizer must support momentum or beta1 with `cycle_momentum` option enabled/,
    ],
    [() => new StepLR(sgd(0.1), { step_size: 2, last_epoch: -2 }), /last_epoch must be an integer >= -1/],
  ];
  for (const [make, message] of cases) assert.throws(make, { name: "RangeError", message });
});

test("a missing or wrong optimizer gets a hint about _partial_", () => {
  assert.throws(
    () => new StepLR(undefined as never, { step_size: 2 }),
    /use _partial_: true so the optimizer/,
  );
  assert.throws(() => new ReduceLROnPlateau({ paramGroups: [{}] } as never), /each with a numeric lr/);
});

test("float wrappers from composed YAML are accepted as numbers", () => {
  const opt = sgd(0.1);
  const plateau = new ReduceLROnPlateau(
    opt,
    loose({ mode: "min", factor: new PyFloat(0.5), patience: 0, min_lr: [new PyFloat(0.0)] }),
  );
  plateau.step(1);
  plateau.step(2);
  assert.deepEqual(plateau.getLastLr(), [0.05]);
  const step = new StepLR(sgd(1), loose({ step_size: 1, gamma: new PyFloat(0.5) }));
  step.step();
  assert.deepEqual(step.getLastLr(), [0.5]);
});

test("options left undefined fall back to PyTorch's defaults", () => {
  const opt = sgd(0.3);
  const linear = new LinearLR(opt, { start_factor: undefined });
  assert.equal(linear.startFactor, 1 / 3);
  assert.equal(linear.totalIters, 5);
  const plateau = new ReduceLROnPlateau(sgd(0.1));
  assert.deepEqual(
    [plateau.mode, plateau.factor, plateau.patience, plateau.threshold, plateau.thresholdMode, plateau.eps],
    ["min", 0.1, 10, 1e-4, "rel", 1e-8],
  );
});
