// Kiln's samplers, pruners and importances against what real Optuna 5.0 did on the same seeded studies
// (tests/fixtures/optuna/reference.json, written by scripts/fixtures/make_optuna_fixtures.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { getParamImportances } from "../../src/optuna/importance/ped-anova.js";
import {
  createStudy,
  GridSampler,
  HyperbandPruner,
  MedianPruner,
  PercentilePruner,
  type Pruner,
  RandomSampler,
  type Sampler,
  SuccessiveHalvingPruner,
  setVerbosity,
  TPESampler,
  TrialPruned,
  TrialState,
} from "../../src/optuna/index.js";
import { logpdf, ppf } from "../../src/optuna/math/truncnorm.js";
import { OBJECTIVES } from "./reference-objectives.js";

setVerbosity(40);
const REF = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "fixtures", "optuna", "reference.json"), "utf8"),
);

/** Equal up to the last bits that libm's exp/log and V8's may round differently. */
function close(actual: unknown, expected: unknown, what: string): void {
  if (typeof expected === "number" && typeof actual === "number") {
    const tol = 1e-12 * Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} != ${expected}`);
  } else assert.deepEqual(actual, expected, what);
}

const camel = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );

function samplerOf(kind: string, opts: Record<string, unknown>): Sampler {
  if (kind === "tpe") return new TPESampler(camel(opts));
  if (kind === "random") return new RandomSampler(camel(opts));
  return new GridSampler(opts.search_space as Record<string, number[]>, { seed: opts.seed as number });
}

describe("samplers choose what Optuna 5.0 chose (same seeds)", () => {
  for (const seq of REF.sequences) {
    test(seq.name, async () => {
      const study = createStudy({ sampler: samplerOf(seq.sampler, seq.options), directions: seq.directions });
      const fn = OBJECTIVES[seq.objective];
      if (seq.batch === 1) await study.optimize(fn, { nTrials: seq.n_trials });
      else {
        for (let b = 0; b < seq.n_trials / seq.batch; b++) {
          const trials = Array.from({ length: seq.batch }, () => study.ask());
          for (const t of trials) {
            try {
              study.tell(t, fn(t));
            } catch (e) {
              if (!(e instanceof TrialPruned)) throw e;
              study.tell(t, null, TrialState.PRUNED);
            }
          }
        }
      }
      const trials = study.trials;
      assert.equal(trials.length, seq.trials.length);
      seq.trials.forEach((expected: Record<string, unknown>, i: number) => {
        const t = trials[i];
        assert.equal(TrialState[t.state], expected.state, `trial ${i} state`);
        assert.deepEqual(
          Object.keys(t.params).sort(),
          Object.keys(expected.params as object).sort(),
          `trial ${i} params`,
        );
        for (const [k, v] of Object.entries(expected.params as object))
          close(t.params[k], v, `trial ${i} ${k}`);
        (expected.values as number[] | null)?.forEach((v, j) => {
          close(t.values![j], v, `trial ${i} value ${j}`);
        });
      });
    });
  }
});

test("truncated normal inverse CDF and log density match Optuna's _truncnorm", () => {
  const { a, b, q, x } = REF.truncnorm;
  const got = ppf(Float64Array.from(q), Float64Array.from(a), Float64Array.from(b));
  REF.truncnorm.ppf.forEach((v: number, i: number) => {
    close(got[i], v, `ppf ${i}`);
  });
  REF.truncnorm.logpdf.forEach((v: number, i: number) => {
    close(logpdf(x[i], a[i], b[i], 0, 1), v, `logpdf ${i}`);
  });
});

function valueAt(number: number, step: number): number {
  return 10.0 / (step + 1) + (number % 3 === 1 ? 3.0 : 0.0) - 0.1 * number;
}

const PRUNERS: Record<string, () => Pruner> = {
  median: () => new MedianPruner({ nStartupTrials: 2, nWarmupSteps: 1 }),
  percentile25: () => new PercentilePruner(25.0, { nStartupTrials: 1, intervalSteps: 2 }),
  successive_halving: () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }),
  hyperband: () => new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 }),
};

describe("pruners stop the trials Optuna 5.0 stopped, at the same step", () => {
  for (const c of REF.pruners) {
    test(c.name, () => {
      const study = createStudy({
        studyName: c.name,
        pruner: PRUNERS[c.name](),
        sampler: new RandomSampler({ seed: 0 }),
      });
      const prunedAt: (number | null)[] = [];
      for (let n = 0; n < c.pruned_at.length; n++) {
        const t = study.ask();
        let stop: number | null = null;
        for (let step = 0; step < 9; step++) {
          t.report(valueAt(t.number, step), step);
          if (t.shouldPrune()) {
            stop = step;
            break;
          }
        }
        if (stop === null) study.tell(t, valueAt(t.number, 8));
        else study.tell(t, null, TrialState.PRUNED);
        prunedAt.push(stop);
      }
      assert.deepEqual(prunedAt, c.pruned_at);
    });
  }
});

test("parameter importances (PED-ANOVA) match optuna.importance.get_param_importances", async () => {
  const study = createStudy();
  for (const t of REF.importances.trials) study.enqueueTrial(t.params);
  await study.optimize(OBJECTIVES.mixed, { nTrials: REF.importances.trials.length });
  const got = getParamImportances(study);
  assert.deepEqual(Object.keys(got), Object.keys(REF.importances.importances));
  for (const [k, v] of Object.entries(REF.importances.importances)) {
    assert.ok(Math.abs(got[k] - (v as number)) < 1e-9, `${k}: ${got[k]} != ${v}`);
  }
});
