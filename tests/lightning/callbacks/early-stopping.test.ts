// EarlyStopping: its decisions and messages for sequences of metric values replayed against Lightning 2.6.6
// (fixtures/lightning.json), and its behaviour inside a (plain-object) fit.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  EarlyStopping,
  type EarlyStoppingOptions,
  EarlyStoppingReason,
} from "../../../src/lightning/callbacks/early-stopping.js";
import { setInfoSink } from "../../../src/lightning/callbacks/messages.js";
import { scalarValue } from "../../../src/lightning/callbacks/scalar-state.js";
import { fakeTrainer, runEpoch } from "./fake-trainer.js";

type Num = number | "nan" | "inf" | "-inf";
interface Step {
  value: Num;
  stop: boolean;
  reason: string | null;
  wait_count: number;
  best: Num;
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/lightning.json", import.meta.url), "utf8")) as {
  early_stopping: { options: EarlyStoppingOptions; steps: Step[]; state_key: string }[];
  strict_error: string;
};

function num(x: Num): number {
  return x === "nan" ? Number.NaN : x === "inf" ? Infinity : x === "-inf" ? -Infinity : x;
}

test("stopping decisions, wait counts, best scores and messages match Lightning", () => {
  for (const c of fixture.early_stopping) {
    const es = new EarlyStopping(c.options);
    assert.equal(es.stateKey, c.state_key);
    for (const [i, step] of c.steps.entries()) {
      const [stop, reason] = es.evaluateStoppingCriteria(Math.fround(num(step.value)));
      const where = `${JSON.stringify(c.options)} step ${i}`;
      assert.equal(stop, step.stop, where);
      assert.equal(reason, step.reason, where);
      assert.equal(es.waitCount, step.wait_count, where);
      assert.equal(es.bestScore, num(step.best), where);
    }
  }
});

test("the stopping reason is recorded", () => {
  const es = new EarlyStopping({ monitor: "val/loss", patience: 1 });
  es.evaluateStoppingCriteria(1);
  assert.equal(es.stoppingReason, EarlyStoppingReason.NOT_STOPPED);
  es.evaluateStoppingCriteria(2);
  assert.equal(es.stoppingReason, EarlyStoppingReason.PATIENCE_EXHAUSTED);
  assert.match(es.stoppingReasonMessage!, /did not improve in the last 1 records/);
});

async function fitUntilStop(es: EarlyStopping, losses: number[], overrides = {}) {
  const trainer = fakeTrainer(overrides);
  es.setup(trainer);
  for (const loss of losses) {
    await runEpoch(es, trainer, { "val/loss": loss });
    if (trainer.shouldStop) break;
  }
  return trainer;
}

test("inside fit: stops at the check where patience runs out and records the epoch", async () => {
  const lines: string[] = [];
  const old = setInfoSink((l) => lines.push(l));
  try {
    const es = new EarlyStopping({ monitor: "val/loss", patience: 2, verbose: true });
    const trainer = await fitUntilStop(es, [1.0, 0.8, 0.9, 0.85, 0.1, 0.1]);
    assert.equal(trainer.shouldStop, true);
    assert.equal(es.stoppedEpoch, 3);
    assert.equal(trainer.currentEpoch, 4);
    assert.deepEqual(lines, [
      "Metric val/loss improved. New best score: 1.000",
      "Metric val/loss improved by 0.200 >= min_delta = 0.0. New best score: 0.800",
      "Monitored metric val/loss did not improve in the last 2 records. Best score: 0.800. Signaling Trainer to stop.",
    ]);
  } finally {
    setInfoSink(old);
  }
});

test("patience counts validation checks: with val_check_interval < 1 the check runs after each validation", async () => {
  const es = new EarlyStopping({ monitor: "val/loss", patience: 2 });
  const trainer = fakeTrainer({ valCheckInterval: 0.5 });
  es.setup(trainer);
  trainer.callbackMetrics["val/loss"] = 1;
  es.onValidationEnd(trainer);
  es.onTrainEpochEnd(trainer); // not a check in this configuration
  trainer.callbackMetrics["val/loss"] = 2;
  es.onValidationEnd(trainer);
  assert.equal(es.waitCount, 1);
  es.onValidationEnd(trainer);
  assert.equal(trainer.shouldStop, true);
});

test("no checks during sanity checking, fast_dev_run or outside fit", async () => {
  for (const overrides of [
    { sanityChecking: true },
    { fastDevRun: 1 },
    { state: { fn: "validate", stage: "validate" } },
  ]) {
    const es = new EarlyStopping({ monitor: "val/loss", patience: 1 });
    const trainer = await fitUntilStop(es, [1, 2, 3], overrides);
    assert.equal(trainer.shouldStop, false, JSON.stringify(overrides));
    assert.equal(es.waitCount, 0);
  }
});

test("strict mode: a missing metric is an error that lists the available ones; non-strict skips", async () => {
  const es = new EarlyStopping({ monitor: "val/los" });
  const trainer = fakeTrainer({ callbackMetrics: { "val/loss": 1, "train/loss": 2 } });
  es.setup(trainer);
  assert.throws(() => es.onTrainEpochEnd(trainer), { message: fixture.strict_error });
  const lenient = new EarlyStopping({ monitor: "val/los", strict: false });
  lenient.setup(trainer);
  lenient.onTrainEpochEnd(trainer);
  assert.equal(trainer.shouldStop, false);
});

test("state dict round trip (best_score as a float32 scalar tensor)", () => {
  const es = new EarlyStopping({ monitor: "val/acc", mode: "max", patience: 4 });
  es.evaluateStoppingCriteria(Math.fround(0.6));
  es.evaluateStoppingCriteria(Math.fround(0.5));
  const state = es.stateDict();
  assert.deepEqual(Object.keys(state), ["wait_count", "stopped_epoch", "best_score", "patience"]);
  assert.equal(scalarValue(state.best_score), Math.fround(0.6));
  const back = new EarlyStopping({ monitor: "val/acc", mode: "max" });
  back.loadStateDict(state);
  assert.equal(back.waitCount, 1);
  assert.equal(back.bestScore, Math.fround(0.6));
  assert.equal(back.patience, 4);
});

test("options are checked", () => {
  assert.throws(
    () => new EarlyStopping({ monitor: "x", mode: "up" as never }),
    /`mode` can be min, max, got up/,
  );
  assert.throws(() => new EarlyStopping({ monitor: "x", minDelta: 1 } as never), /did you mean 'min_delta'/);
  assert.throws(() => new EarlyStopping({} as never), /needs `monitor`/);
});
