// The callbacks and metrics inside a real Trainer.fit: an LHT-style module logging metric objects, with
// ModelCheckpoint, EarlyStopping, RichModelSummary, a progress bar, LearningRateMonitor and Timer together.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Callback } from "../../../src/lightning/callbacks/callback.js";
import { EarlyStopping } from "../../../src/lightning/callbacks/early-stopping.js";
import { LearningRateMonitor } from "../../../src/lightning/callbacks/lr-monitor.js";
import { ModelCheckpoint } from "../../../src/lightning/callbacks/model-checkpoint.js";
import { ModelSummary } from "../../../src/lightning/callbacks/model-summary.js";
import { TQDMProgressBar } from "../../../src/lightning/callbacks/progress-bar.js";
import { Timer } from "../../../src/lightning/callbacks/timer.js";
import { CSVLogger } from "../../../src/lightning/loggers/csv.js";
import { Accuracy, MaxMetric, MeanMetric } from "../../../src/lightning/metrics/index.js";
import { LightningModule } from "../../../src/lightning/module.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { TinyDataModule } from "../trainer/tiny.js";
import { tempDir } from "./fake-trainer.js";

type Tensor = torch.Tensor;

/** The template's MNISTLitModule pattern on the tiny data: metric objects passed to self.log. */
class MetricModule extends LightningModule {
  net = new torch.nn.Sequential(new torch.nn.Linear(4, 8), new torch.nn.ReLU(), new torch.nn.Linear(8, 2));
  train_loss = new MeanMetric();
  train_acc = new Accuracy({ task: "multiclass", num_classes: 2 });
  val_loss = new MeanMetric();
  val_acc = new Accuracy({ task: "multiclass", num_classes: 2 });
  val_acc_best = new MaxMetric();

  override forward(x: Tensor): Tensor {
    return this.net.call(x) as Tensor;
  }
  #step(batch: unknown): { loss: Tensor; preds: Tensor; y: Tensor } {
    const [x, y] = batch as [Tensor, Tensor];
    const logits = this.forward(x);
    return { loss: torch.crossEntropy(logits, y), preds: logits.argmax(1), y };
  }
  override onTrainStart(): void {
    this.val_acc_best.reset();
  }
  override trainingStep(batch: unknown) {
    const { loss, preds, y } = this.#step(batch);
    this.train_loss.forward(loss);
    this.train_acc.forward(preds, y);
    this.log("train/loss", this.train_loss, { onStep: false, onEpoch: true, progBar: true });
    this.log("train/acc", this.train_acc, { onStep: false, onEpoch: true, progBar: true });
    return loss;
  }
  override validationStep(batch: unknown) {
    const { loss, preds, y } = this.#step(batch);
    this.val_loss.forward(loss);
    this.val_acc.forward(preds, y);
    this.log("val/loss", this.val_loss, { onStep: false, onEpoch: true, progBar: true });
    this.log("val/acc", this.val_acc, { onStep: false, onEpoch: true, progBar: true });
  }
  override onValidationEpochEnd(): void {
    this.val_acc_best.update(this.val_acc.compute());
    this.log("val/acc_best", this.val_acc_best.compute(), { progBar: true });
  }
  override configureOptimizers() {
    return new torch.optim.Adam(this.parameters(), { lr: 0.05 });
  }
}

class LiveTensors extends Callback {
  counts: number[] = [];
  override onTrainEpochEnd(): void {
    this.counts.push(torch.memoryStats().liveTensors);
  }
}

test("a fit with every built-in callback and metric objects as logged values", async () => {
  torch.manualSeed(3);
  const out = tempDir("kiln-cb-fit-");
  let progress = "";
  const bar = new TQDMProgressBar({}, { stream: { isTTY: false, write: (s: string) => (progress += s) } });
  const ckpt = new ModelCheckpoint({
    dirpath: join(out, "checkpoints"),
    filename: "epoch_{epoch:03d}",
    monitor: "val/acc",
    mode: "max",
    save_last: true,
    auto_insert_metric_name: false,
  });
  const early = new EarlyStopping({ monitor: "val/loss", patience: 100 });
  const live = new LiveTensors();
  const trainer = new Trainer({
    max_epochs: 6,
    default_root_dir: out,
    logger: new CSVLogger({ save_dir: out, name: "csv" }),
    num_sanity_val_steps: 1,
    callbacks: [
      ckpt,
      early,
      new ModelSummary({ max_depth: -1 }),
      bar,
      new LearningRateMonitor(),
      new Timer({ duration: "00:01:00:00" }),
      live,
    ],
  });
  const model = new MetricModule();
  const dm = new TinyDataModule();
  await trainer.fit(model, { datamodule: dm });

  // ModelCheckpoint: the best epoch by val/acc and last.ckpt; bestModelPath is what ckptPath "best" loads.
  const files = readdirSync(join(out, "checkpoints")).sort();
  assert.equal(files.length, 2, files.join());
  assert.ok(files.includes("last.ckpt"));
  assert.equal(ckpt.bestModelPath, join(out, "checkpoints", files.find((f) => f !== "last.ckpt")!));
  const metrics = trainer.callbackMetrics as Record<string, number>;
  assert.ok(ckpt.bestModelScore! >= metrics["val/acc"]! - 1e-7);
  assert.ok(
    Math.abs(metrics["val/acc_best"]! - ckpt.bestModelScore!) < 1e-6,
    "val/acc_best tracks the best val/acc",
  );

  // Metric objects became numbers in callback_metrics; LearningRateMonitor logged lr-Adam.
  for (const key of ["train/loss", "train/acc", "val/loss", "val/acc", "lr-Adam"]) {
    assert.equal(typeof metrics[key], "number", key);
  }
  const csv = readFileSync(join(out, "csv/version_0/metrics.csv"), "utf8");
  assert.ok(csv.split("\n")[0]!.split(",").includes("lr-Adam"), csv.split("\n")[0]);

  // Progress: one plain line per epoch (and per validation run), with v_num and prog_bar metrics.
  const epochLines = progress.split("\n").filter((l) => l.startsWith("Epoch "));
  assert.equal(epochLines.length, 6, progress);
  assert.match(epochLines[5]!, /^Epoch 5: 4\/4 \(100%\) \[\d\d:\d\d<00:00, [\d.]+it\/s, v_num=0, /);
  for (const key of ["train/loss", "train/acc", "val/loss", "val/acc", "val/acc_best"]) {
    assert.match(epochLines[5]!, new RegExp(`${key}=\\d\\.\\d{3}`), key);
  }

  // Nothing leaks from epoch to epoch.
  assert.equal(new Set(live.counts.slice(1)).size, 1, `live tensors per epoch: ${live.counts.join(", ")}`);

  // EarlyStopping with a tiny patience stops the next fit at the right check.
  const stopper = new EarlyStopping({ monitor: "val/loss", patience: 1, min_delta: 10 });
  const t2 = new Trainer({
    max_epochs: 10,
    logger: false,
    enable_checkpointing: false,
    enable_progress_bar: false,
    enable_model_summary: false,
    callbacks: [stopper],
  });
  await t2.fit(model, { datamodule: dm });
  // The first check sets the best score, the second fails to improve by 10: stop after epoch 1.
  assert.equal(stopper.stoppedEpoch, 1);
  assert.equal(t2.currentEpoch, 2);

  dm.dispose();
  model.dispose();
});
