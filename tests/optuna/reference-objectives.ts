// The objectives of scripts/fixtures/make_optuna_fixtures.py, written the same way, for the reference tests.
import { TrialPruned } from "../../src/optuna/index.js";
import type { Trial } from "../../src/optuna/trial.js";

/** A log float, a categorical, a stepped int and a float. */
export function mixed(t: Trial): number {
  const lr = t.suggestFloat("lr", 1e-4, 1e-1, { log: true });
  const bs = t.suggestCategorical("bs", [32, 64, 128, 256]);
  const w = t.suggestInt("w", 32, 256, { step: 32 });
  const x = t.suggestFloat("x", -5.0, 5.0);
  return (lr - 0.003) ** 2 * 1e4 + Math.abs(bs - 64) / 100 + (w - 160) ** 2 / 1e4 + x * x;
}

/** Two floats (one log) and a categorical. */
export function smooth(t: Trial): number {
  const x = t.suggestFloat("x", -5.0, 5.0);
  const y = t.suggestFloat("y", 0.001, 10.0, { log: true });
  const c = t.suggestCategorical("c", ["a", "b", "c"]);
  return (x - 1.0) ** 2 + (y - 2.0) ** 2 + { a: 0.0, b: 0.5, c: 1.0 }[c];
}

/** Binh and Korn's two objectives. */
export function twoObjectives(t: Trial): number[] {
  const x = t.suggestFloat("x", 0.0, 5.0);
  const y = t.suggestFloat("y", 0.0, 3.0);
  return [4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2];
}

/** Reports three steps; every third trial is pruned. */
export function reported(t: Trial): number {
  const x = t.suggestFloat("x", -3.0, 3.0);
  const y = t.suggestFloat("y", -3.0, 3.0);
  for (let step = 0; step < 3; step++) t.report(x * x + y * y + 1.0 / (step + 1), step);
  if (t.number % 3 === 2) throw new TrialPruned();
  return x * x + y * y;
}

/** A categorical that decides which float exists. */
export function conditional(t: Trial): number {
  const kind = t.suggestCategorical("kind", ["sq", "abs"]);
  if (kind === "sq") return t.suggestFloat("a", -4.0, 4.0) ** 2 + 1.0;
  return Math.abs(t.suggestFloat("b", -2.0, 2.0));
}

/** A log int and a stepped float. */
export function intLog(t: Trial): number {
  const n = t.suggestInt("n", 1, 1000, { log: true });
  const s = t.suggestFloat("s", 0.0, 1.0, { step: 0.125 });
  return (n - 40) ** 2 / 1000 + (s - 0.5) ** 2;
}

export const OBJECTIVES: Record<string, (t: Trial) => number | number[]> = {
  mixed,
  smooth,
  two_objectives: twoObjectives,
  reported,
  conditional,
  int_log: intLog,
};
