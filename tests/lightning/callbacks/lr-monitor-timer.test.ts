// LearningRateMonitor keys and timing (Lightning's naming rules), and the Timer callback.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LearningRateMonitor } from "../../../src/lightning/callbacks/lr-monitor.js";
import { setInfoSink } from "../../../src/lightning/callbacks/messages.js";
import { Timer, timedeltaStr } from "../../../src/lightning/callbacks/timer.js";
import type { LRMonitorTrainerView } from "../../../src/lightning/callbacks/trainer-view.js";
import { fakeTrainer } from "./fake-trainer.js";

type Group = { lr: number; name?: string; momentum?: number; betas?: number[]; weight_decay?: number };

class Adam {
  defaults = { lr: 0.001, betas: [0.9, 0.999], weight_decay: 0 };
  constructor(public paramGroups: Group[]) {}
}
class SGD {
  defaults = { lr: 0.1, momentum: 0, weight_decay: 0 };
  constructor(public paramGroups: Group[]) {}
}

function lrTrainer(
  optimizers: object[],
  schedulers: { scheduler: object; interval?: "epoch" | "step"; name?: string | null }[] = [],
) {
  const logged: { metrics: Record<string, number>; step?: number }[] = [];
  const trainer = {
    ...fakeTrainer(),
    loggers: [
      { logMetrics: (metrics: Record<string, number>, step?: number) => logged.push({ metrics, step }) },
    ],
    optimizers,
    lrSchedulerConfigs: schedulers,
    batchesThatStepped: 7,
    shouldUpdateLogs: true,
  } as unknown as LRMonitorTrainerView;
  return { trainer, logged };
}

test("keys: lr-<Class>, -1 for a second optimizer of a class, /pgN or the group name for several groups", () => {
  const adam = new Adam([
    { lr: 0.01, betas: [0.8, 0.99] },
    { lr: 0.02, betas: [0.8, 0.99] },
  ]);
  const named = new Adam([{ lr: 0.5, name: "encoder" }]);
  const sgd1 = new SGD([{ lr: 0.1 }]);
  const sgd2 = new SGD([{ lr: 0.2 }]);
  const { trainer, logged } = lrTrainer([adam, named, sgd1, sgd2]);
  const monitor = new LearningRateMonitor();
  monitor.onTrainStart(trainer);
  monitor.onTrainBatchStart(trainer);
  assert.deepEqual(logged, [
    {
      metrics: {
        "lr-Adam/pg1": 0.01,
        "lr-Adam/pg2": 0.02,
        "lr-Adam-1/encoder": 0.5,
        "lr-SGD": 0.1,
        "lr-SGD-1": 0.2,
      },
      step: 7,
    },
  ]);
  assert.deepEqual(monitor.lrs["lr-SGD"], [0.1]);
  assert.equal((trainer.callbackMetrics as Record<string, number>)["lr-SGD-1"], 0.2);
});

test("a scheduler's interval decides when its optimizer is logged; logging_interval overrides it", () => {
  const opt = new Adam([{ lr: 0.003 }]);
  const scheduler = { optimizer: opt };
  const epochly = lrTrainer([opt], [{ scheduler, interval: "epoch" }]);
  const byDefault = new LearningRateMonitor();
  byDefault.onTrainStart(epochly.trainer);
  byDefault.onTrainBatchStart(epochly.trainer);
  assert.equal(epochly.logged.length, 0, "an epoch scheduler is not logged on steps");
  byDefault.onTrainEpochStart(epochly.trainer);
  assert.deepEqual(epochly.logged[0]!.metrics, { "lr-Adam": 0.003 });

  const forced = lrTrainer([opt], [{ scheduler, interval: "epoch", name: "my-lr" }]);
  const stepwise = new LearningRateMonitor({ logging_interval: "step" });
  stepwise.onTrainStart(forced.trainer);
  stepwise.onTrainEpochStart(forced.trainer);
  stepwise.onTrainBatchStart(forced.trainer);
  assert.deepEqual(forced.logged, [{ metrics: { "my-lr": 0.003 }, step: 7 }]);
});

test("log_momentum (betas[0] or momentum) and log_weight_decay", () => {
  const { trainer, logged } = lrTrainer([
    new Adam([{ lr: 0.001, betas: [0.85, 0.99], weight_decay: 0.01 }]),
    new SGD([{ lr: 0.1, momentum: 0.9, weight_decay: 0 }]),
  ]);
  const monitor = new LearningRateMonitor({
    log_momentum: true,
    log_weight_decay: true,
    logging_interval: "epoch",
  });
  monitor.onTrainStart(trainer);
  monitor.onTrainEpochStart(trainer);
  assert.deepEqual(logged[0]!.metrics, {
    "lr-Adam": 0.001,
    "lr-Adam-momentum": 0.85,
    "lr-Adam-weight_decay": 0.01,
    "lr-SGD": 0.1,
    "lr-SGD-momentum": 0.9,
    "lr-SGD-weight_decay": 0,
  });
});

test("errors: no logger, bad logging_interval, duplicate group names", () => {
  const { trainer } = lrTrainer([new SGD([{ lr: 1 }])]);
  const noLogger = { ...trainer, loggers: [] } as LRMonitorTrainerView;
  assert.throws(
    () => new LearningRateMonitor().onTrainStart(noLogger),
    /Cannot use `LearningRateMonitor` callback with `Trainer` that has no logger./,
  );
  assert.throws(
    () => new LearningRateMonitor({ logging_interval: "batch" as never }),
    /should be `step` or `epoch`/,
  );
  const dup = lrTrainer([
    new SGD([
      { lr: 1, name: "a" },
      { lr: 2, name: "a" },
    ]),
  ]);
  assert.throws(
    () => new LearningRateMonitor().onTrainStart(dup.trainer),
    /duplicated parameter group names \{'a'\}/,
  );
});

test("Timer: parses durations, stops after the duration, keeps elapsed time across a resume", () => {
  assert.equal(new Timer({ duration: "01:02:03:04" }).duration, 93784);
  assert.equal(new Timer({ duration: { minutes: 1, seconds: 30 } }).duration, 90);
  assert.equal(new Timer().duration, null);
  assert.throws(
    () => new Timer({ duration: "1:2:3" }),
    /`Timer\(duration='1:2:3'\)` is not a valid duration. Expected a string in the format DD:HH:MM:SS./,
  );
  assert.throws(
    () => new Timer({ interval: "batch" as never }),
    /Unsupported parameter value `Timer\(interval=batch\)`/,
  );

  const lines: string[] = [];
  const old = setInfoSink((l) => lines.push(l));
  try {
    const trainer = fakeTrainer();
    const running = new Timer({ duration: "00:00:00:00" });
    running.onTrainStart();
    running.onTrainBatchEnd(trainer);
    assert.equal(trainer.shouldStop, true);
    assert.deepEqual(lines, ["Time limit reached. Elapsed time is 0:00:00. Signaling Trainer to stop."]);

    const perEpoch = new Timer({ duration: 0, interval: "epoch" });
    const t2 = fakeTrainer();
    perEpoch.onTrainStart();
    perEpoch.onTrainBatchEnd(t2);
    assert.equal(t2.shouldStop, false, "epoch interval ignores batch ends");
    perEpoch.onTrainEpochEnd(t2);
    assert.equal(t2.shouldStop, true);
  } finally {
    setInfoSink(old);
  }

  const timer = new Timer({ duration: 100 });
  timer.loadStateDict({ time_elapsed: { train: 99.5 } });
  assert.equal(timer.timeElapsed(), 99.5);
  assert.equal(timer.timeRemaining(), 0.5);
  const state = timer.stateDict() as { time_elapsed: Record<string, number> };
  assert.deepEqual(Object.keys(state.time_elapsed), ["train", "sanity_check", "validate", "test", "predict"]);
  assert.equal(timedeltaStr(93784), "1 day, 2:03:04");
});
