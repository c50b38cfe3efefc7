// Progress bars: plain lines when the output is not a terminal (CI), in-place redraws on a terminal,
// tqdm's and rich's line formats, and the per-step cost (no strings built between redraws).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type BarStream,
  RichProgressBar,
  TQDMProgressBar,
} from "../../../src/lightning/callbacks/progress-bar.js";
import { renderRich, renderTqdm, tqdmFormatNum } from "../../../src/lightning/callbacks/progress-format.js";
import type { ProgressTrainerView } from "../../../src/lightning/callbacks/trainer-view.js";

function stream(isTTY: boolean): BarStream & { text: string } {
  return {
    text: "",
    isTTY,
    columns: 100,
    write(s: string) {
      this.text += s;
      return true;
    },
  };
}

function trainer(overrides: Partial<ProgressTrainerView> = {}): ProgressTrainerView & { reads: number } {
  const t = {
    reads: 0,
    currentEpoch: 0,
    globalStep: 0,
    callbackMetrics: {},
    loggers: [{ version: 0, logMetrics() {} }],
    state: { fn: "fit", stage: "train" },
    sanityChecking: false,
    fastDevRun: false,
    shouldStop: false,
    maxEpochs: 3,
    maxSteps: -1,
    numTrainingBatches: 4,
    numValBatches: [2],
    numSanityValBatches: [2],
    get progressBarMetrics() {
      t.reads++;
      return { "train/loss": 0.5 };
    },
    ...overrides,
  };
  return t;
}

function epoch(
  bar: TQDMProgressBar | RichProgressBar,
  t: ProgressTrainerView,
  batches: number,
  val = 2,
): void {
  bar.onTrainEpochStart(t);
  for (let i = 0; i < batches; i++) bar.onTrainBatchEnd(t, null, null, null, i);
  (t as { sanityChecking: boolean }).sanityChecking = false;
  for (let i = 0; i < val; i++) {
    bar.onValidationBatchStart(t, null, null, i, 0);
    bar.onValidationBatchEnd(t, null, null, null, i);
  }
  if (val > 0) bar.onValidationEnd(t);
  bar.onTrainEpochEnd(t);
}

test("not a terminal: one plain line per finished bar, with speed, ETA, v_num and prog_bar metrics", () => {
  const out = stream(false);
  const bar = new TQDMProgressBar({}, { stream: out });
  const t = trainer();
  bar.setup(t);
  epoch(bar, t, 4);
  bar.onTrainEnd();
  const lines = out.text.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 2, out.text);
  assert.match(lines[0]!, /^Validation DataLoader 0: 2\/2 \(100%\) \[\d\d:\d\d<\d\d:\d\d, [\d.]+it\/s\]$/);
  assert.match(
    lines[1]!,
    /^Epoch 0: 4\/4 \(100%\) \[\d\d:\d\d<\d\d:\d\d, [\d.]+it\/s, v_num=0, train\/loss=0.500\]$/,
  );
  assert.ok(!out.text.includes("\r"), "no carriage returns in logs");
});

test("not a terminal: periodic lines every plain_interval seconds during a long epoch", () => {
  const out = stream(false);
  const bar = new TQDMProgressBar({ plain_interval: 0 }, { stream: out });
  const t = trainer({ numTrainingBatches: 5 });
  bar.setup(t);
  epoch(bar, t, 5, 0);
  const lines = out.text.split("\n").filter((l) => l !== "");
  assert.deepEqual(
    lines.map((l) => l.split(" [")[0]),
    [
      "Epoch 0: 1/5 (20%)",
      "Epoch 0: 2/5 (40%)",
      "Epoch 0: 3/5 (60%)",
      "Epoch 0: 4/5 (80%)",
      "Epoch 0: 5/5 (100%)",
    ],
  );
});

test("terminal: redrawn in place, throttled, validation on the line below and cleared afterwards", () => {
  const out = stream(true);
  const bar = new TQDMProgressBar({}, { stream: out });
  const t = trainer({ numTrainingBatches: 50 });
  bar.setup(t);
  epoch(bar, t, 50);
  bar.onTrainEnd();
  bar.teardown();
  const draws = out.text.split("\r").filter((s) => s.startsWith("Epoch 0"));
  // Start, the last batch and the redraws after validation and at epoch end; the 49 batches between were
  // faster than tqdm's 0.1 s minimum interval.
  assert.ok(draws.length <= 6, `${draws.length} redraws`);
  assert.match(
    draws.at(-1)!,
    /^Epoch 0: 100%\|█+\| 50\/50 \[00:00<00:00, +[\d.]+it\/s, v_num=0, train\/loss=0.500\]/,
  );
  assert.ok(out.text.includes("\n\rValidation DataLoader 0:"), "validation bar below the training bar");
  assert.ok(out.text.includes("\x1b[2K\x1b[1A"), "validation line cleared and cursor back up");
  assert.ok(out.text.endsWith("\n"));
});

test("refresh_rate: only every n-th batch can redraw; refresh_rate 0 disables the bar", () => {
  const out = stream(false);
  const bar = new TQDMProgressBar({ refresh_rate: 0 }, { stream: out });
  assert.equal(bar.isEnabled, false);
  const t = trainer();
  bar.setup(t);
  epoch(bar, t, 4);
  assert.equal(out.text, "");
});

test("a step costs no string building: metrics are read only when a line is due", () => {
  const out = stream(false);
  const bar = new TQDMProgressBar({ plain_interval: 3600 }, { stream: out });
  const t = trainer({ numTrainingBatches: 200_000 });
  bar.setup(t);
  bar.onTrainEpochStart(t);
  const start = performance.now();
  for (let i = 0; i < 199_999; i++) bar.onTrainBatchEnd(t, null, null, null, i);
  const perStepMicros = ((performance.now() - start) * 1000) / 199_999;
  assert.equal(t.reads, 0, "progressBarMetrics untouched between reports");
  assert.equal(out.text, "");
  assert.ok(perStepMicros < 5, `${perStepMicros.toFixed(3)} µs per step`);
});

test("tqdm line format (Lightning's BAR_FORMAT) and number padding", () => {
  const line = renderTqdm({
    description: "Epoch 0",
    n: 9,
    total: 20,
    elapsedSeconds: 1.125,
    metrics: [
      ["v_num", "0"],
      ["train/loss", 0.4321],
      ["val/acc", 2],
    ],
    columns: 100,
  });
  assert.equal(line.length, 100);
  assert.match(
    line,
    /^Epoch 0: {2}45%\|█+[▏▎▍▌▋▊▉]? *\| 9\/20 \[00:01<00:01, {2}8\.00it\/s, v_num=0, train\/loss=0\.432, val\/acc=2\.000\]$/,
  );
  assert.deepEqual(
    [0.4321, 2, 1e-5, 123456, Number.NaN, "x"].map((v) => tqdmFormatNum(v)),
    ["0.432", "2.000", "1e-5", "1.23e+5", "nan.0", "x"],
  );
});

test("rich line format: Epoch n/max-1, counts, elapsed • remaining, speed, `name: value` metrics", () => {
  const line = renderRich({
    description: "Epoch 2/9 ",
    n: 10,
    total: 20,
    elapsedSeconds: 2,
    metrics: [
      ["v_num", "0"],
      ["train/loss", 0.4321],
    ],
    columns: 120,
  });
  assert.match(line, /^Epoch 2\/9 +━+╺─+ 10\/20 0:00:02 • 0:00:02 5\.00it\/s v_num: 0 train\/loss: 0\.432$/);
  const out = stream(false);
  const bar = new RichProgressBar({}, { stream: out });
  const t = trainer({ maxEpochs: 10, currentEpoch: 2 });
  bar.setup(t);
  epoch(bar, t, 4, 0);
  assert.match(out.text, /^Epoch 2\/9: 4\/4 \(100%\)/);
});

test("options are Lightning's", () => {
  assert.throws(() => new TQDMProgressBar({ refreshRate: 5 } as never), /did you mean 'refresh_rate'/);
  assert.equal(new RichProgressBar({ refresh_rate: 3, leave: true }).refreshRate, 3);
});
