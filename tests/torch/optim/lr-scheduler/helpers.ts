/** Shared pieces of the LR scheduler tests: fixture loading, a dummy optimizer, tolerant comparison. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type AnyLRScheduler,
  lrSchedulerClasses,
  type SchedulableOptimizer,
  type SchedulableParamGroup,
} from "../../../../src/torch/optim/lr-scheduler/index.js";

export const FIXTURES = resolve(import.meta.dirname, "../../../fixtures/lr_scheduler");

/** One fixture written by scripts/fixtures/make_lr_scheduler_fixtures.py. */
export interface SchedulerFixture {
  name: string;
  scheduler: keyof typeof lrSchedulerClasses;
  options: Record<string, unknown>;
  optimizer: "sgd" | "adam";
  optimizer_defaults: Record<string, unknown>;
  groups: Record<string, unknown>[];
  initial_groups_after_construction: Record<string, unknown>[];
  metrics: number[] | null;
  steps: number;
  lrs: number[][];
  momentum: number[][] | null;
  save_at: number;
  state_dict: Record<string, unknown>;
  param_groups_at_save: Record<string, unknown>[];
  resumed_lrs: number[][];
}

/** All single-scheduler fixtures, by file name. */
export function loadFixtures(): SchedulerFixture[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json") && !f.startsWith("chained"))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ""), ...JSON.parse(readFileSync(join(FIXTURES, f), "utf8")) }));
}

/** Read any fixture file as JSON. */
export function readFixture(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, file), "utf8"));
}

type Group = SchedulableParamGroup & Record<string, unknown>;

/** A stand-in optimizer: param groups filled from the defaults the way torch.optim.Optimizer does. */
export function dummyOptimizer(
  defaults: Record<string, unknown>,
  groups: Record<string, unknown>[],
): SchedulableOptimizer & { paramGroups: Group[] } {
  return {
    defaults: structuredClone(defaults),
    paramGroups: groups.map((g) => ({ ...structuredClone(defaults), ...structuredClone(g) }) as Group),
  };
}

/** Build a scheduler by its PyTorch class name, the way a YAML `_partial_` target would. */
export function makeScheduler(
  name: keyof typeof lrSchedulerClasses,
  optimizer: SchedulableOptimizer,
  options: Record<string, unknown>,
): AnyLRScheduler {
  const Cls = lrSchedulerClasses[name] as unknown as new (
    o: SchedulableOptimizer,
    opts: unknown,
  ) => AnyLRScheduler;
  return new Cls(optimizer, structuredClone(options));
}

/** One step: `step()`, or `step(metric)` for ReduceLROnPlateau. */
export function advance(scheduler: AnyLRScheduler, metric: number | undefined): void {
  if (metric === undefined) (scheduler as { step(): void }).step();
  else (scheduler as { step(m: number): void }).step(metric);
}

/** The cycled momentum of each group: Adam's beta1 or SGD's momentum. */
export function momentumOf(optimizer: { paramGroups: Group[] }): number[] {
  return optimizer.paramGroups.map((g) => (g.betas ? g.betas[0] : (g.momentum as number)));
}

export const REL_TOL = 1e-12;

/** Assert two numbers agree within REL_TOL relative (exact for zero and infinities). */
export function assertClose(actual: number, expected: number, where: string): void {
  if (actual === expected) return;
  const scale = Math.max(Math.abs(actual), Math.abs(expected));
  assert.ok(
    Math.abs(actual - expected) <= REL_TOL * scale,
    `${where}: got ${actual}, expected ${expected} (relative difference ${Math.abs(actual - expected) / scale})`,
  );
}

/** Assert per-step, per-group values agree within REL_TOL; `firstStep` numbers the rows in messages. */
export function assertRowsClose(actual: number[][], expected: number[][], what: string, firstStep = 0): void {
  assert.equal(actual.length, expected.length, `${what}: number of steps`);
  for (const [i, row] of expected.entries()) {
    assert.equal(actual[i].length, row.length, `${what}: number of groups at step ${firstStep + i}`);
    for (const [g, value] of row.entries())
      assertClose(actual[i][g], value, `${what} step ${firstStep + i} group ${g}`);
  }
}

/** Deep comparison with numbers compared by assertClose; "inf"/"-inf" strings stand for infinities. */
export function assertDeepClose(actual: unknown, expected: unknown, where: string): void {
  const num = (v: unknown) => (v === "inf" ? Infinity : v === "-inf" ? -Infinity : v);
  actual = num(actual);
  expected = num(expected);
  if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${where}: expected a number, got ${JSON.stringify(actual)}`);
    assertClose(actual as number, expected, where);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected an array, got ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${where}: length`);
    for (const [i, e] of expected.entries()) assertDeepClose((actual as unknown[])[i], e, `${where}[${i}]`);
  } else if (typeof expected === "object" && expected !== null) {
    assert.ok(typeof actual === "object" && actual !== null, `${where}: expected an object`);
    const a = actual as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(expected).sort(), `${where}: keys`);
    for (const [k, e] of Object.entries(expected)) assertDeepClose(a[k], e, `${where}.${k}`);
  } else {
    assert.deepEqual(actual, expected, where);
  }
}

/** An SGD-shaped dummy optimizer (lr 0.1, momentum 0.9) with one param group per given lr. */
export const sgd = (...lrs: number[]) =>
  dummyOptimizer(
    { lr: 0.1, momentum: 0.9 },
    lrs.map((lr) => ({ lr })),
  );
