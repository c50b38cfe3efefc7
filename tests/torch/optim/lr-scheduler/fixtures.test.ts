/**
 * Kiln's schedulers against sequences recorded from PyTorch 2.13 (scripts/fixtures/make_lr_scheduler_fixtures.py):
 * lrs and momenta per step within 1e-12 relative, the state dict at the save point (keys and values), and
 * runs resumed from PyTorch's state dict and from Kiln's own.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CosineAnnealingLR, LinearLR } from "../../../../src/torch/optim/lr-scheduler/index.js";
import {
  advance,
  assertDeepClose,
  assertRowsClose,
  dummyOptimizer,
  loadFixtures,
  makeScheduler,
  momentumOf,
  readFixture,
  type SchedulerFixture,
} from "./helpers.js";

const fixtures = loadFixtures();

/** Run a fixture's scheduler from scratch; returns lrs and momenta per step and the state at the save point. */
function runFresh(fx: SchedulerFixture) {
  const optimizer = dummyOptimizer(fx.optimizer_defaults, fx.groups);
  const scheduler = makeScheduler(fx.scheduler, optimizer, fx.options);
  const groupsAfterConstruction = structuredClone(optimizer.paramGroups);
  const lrs = [scheduler.getLastLr()];
  const momenta = [momentumOf(optimizer)];
  let saved: { state: Record<string, unknown>; groups: typeof optimizer.paramGroups } | undefined;
  for (let i = 0; i < fx.steps; i++) {
    advance(scheduler, fx.metrics?.[i]);
    lrs.push(scheduler.getLastLr());
    momenta.push(momentumOf(optimizer));
    if (i + 1 === fx.save_at)
      saved = { state: scheduler.stateDict(), groups: structuredClone(optimizer.paramGroups) };
  }
  return { lrs, momenta, saved: saved!, groupsAfterConstruction };
}

/** Fresh optimizer and scheduler, then the saved groups and scheduler state loaded; runs the remaining steps. */
function runResumed(fx: SchedulerFixture, groups: Record<string, unknown>[], state: Record<string, unknown>) {
  const optimizer = dummyOptimizer(fx.optimizer_defaults, fx.groups);
  const scheduler = makeScheduler(fx.scheduler, optimizer, fx.options);
  // What optimizer.loadStateDict does to the groups: every saved key comes back.
  for (const [i, g] of optimizer.paramGroups.entries()) Object.assign(g, structuredClone(groups[i]));
  scheduler.loadStateDict(state);
  const lrs: number[][] = [];
  for (let i = fx.save_at; i < fx.steps; i++) {
    advance(scheduler, fx.metrics?.[i]);
    lrs.push(scheduler.getLastLr());
  }
  return lrs;
}

test("fixtures cover every scheduler", () => {
  const covered = new Set(fixtures.map((f) => f.scheduler));
  for (const name of [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
  ]) {
    assert.ok(covered.has(name as SchedulerFixture["scheduler"]), `no fixture for ${name}`);
  }
});

for (const fx of fixtures) {
  describe(`${fx.name} (${fx.scheduler})`, () => {
    const fresh = runFresh(fx);

    test("param groups after construction equal PyTorch's", () => {
      assertDeepClose(fresh.groupsAfterConstruction, fx.initial_groups_after_construction, "groups");
    });

    test("lr of every group at every step equals PyTorch's", () => {
      assertRowsClose(fresh.lrs, fx.lrs, "lr");
    });

    if (fx.momentum) {
      test("cycled momentum equals PyTorch's", () => {
        assertRowsClose(fresh.momenta, fx.momentum!, "momentum");
      });
    }

    test("state dict at the save point has PyTorch's keys, order and values", () => {
      const state = fresh.saved.state;
      if (fx.scheduler !== "MultiStepLR") {
        // JS objects order integer-like keys numerically, so only the Counter's key order may differ.
        assert.deepEqual(Object.keys(state), Object.keys(fx.state_dict));
      }
      assertDeepClose(state, fx.state_dict, "state_dict");
    });

    test("resuming from PyTorch's state dict continues PyTorch's sequence", () => {
      const lrs = runResumed(fx, fx.param_groups_at_save, fx.state_dict);
      assertRowsClose(lrs, fx.resumed_lrs, "resumed lr", fx.save_at + 1);
      assertRowsClose(lrs, fx.lrs.slice(fx.save_at + 1), "resumed vs uninterrupted lr", fx.save_at + 1);
    });

    test("a Kiln state dict round trip continues bitwise like the uninterrupted run", () => {
      const lrs = runResumed(fx, fresh.saved.groups, structuredClone(fresh.saved.state));
      assert.deepEqual(lrs, fresh.lrs.slice(fx.save_at + 1));
    });
  });
}

test("two chainable schedulers on one optimizer (LinearLR warm-up + CosineAnnealingLR) match PyTorch", () => {
  const fx = readFixture("chained_linear_cosine.json") as {
    optimizer_defaults: Record<string, unknown>;
    groups: Record<string, unknown>[];
    lrs: number[][];
  };
  const optimizer = dummyOptimizer(fx.optimizer_defaults, fx.groups);
  const warmup = new LinearLR(optimizer, { start_factor: 0.1, total_iters: 4 });
  const decay = new CosineAnnealingLR(optimizer, { T_max: 12, eta_min: 0.01 });
  const lrs = [optimizer.paramGroups.map((g) => g.lr)];
  for (let i = 0; i < 30; i++) {
    warmup.step();
    decay.step();
    lrs.push(optimizer.paramGroups.map((g) => g.lr));
  }
  assertRowsClose(lrs, fx.lrs, "chained lr");
});
