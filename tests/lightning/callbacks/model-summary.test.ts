// ModelSummary tables for Kiln modules, compared with the tables Lightning 2.6.6 printed for the same model
// (fixtures/lightning.json: TinyLit = TinyNet(Linear, BatchNorm1d, ReLU, Linear) + loss + torchmetrics).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { setInfoSink } from "../../../src/lightning/callbacks/messages.js";
import {
  formatRichSummary,
  formatSummaryTable,
  ModelSummary,
  RichModelSummary,
} from "../../../src/lightning/callbacks/model-summary.js";
import { humanReadableCount, summarizeModel } from "../../../src/lightning/callbacks/summary-data.js";
import { Accuracy, MaxMetric, MeanMetric } from "../../../src/lightning/metrics/index.js";
import { LightningModule } from "../../../src/lightning/module.js";
import * as torch from "../../../src/torch/index.js";
import * as nn from "../../../src/torch/nn/index.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/lightning.json", import.meta.url), "utf8")) as {
  summaries: { case: string; max_depth: number; table: string }[];
};

function expected(name: string, depth: number): string {
  const found = fixture.summaries.find((s) => s.case === name && s.max_depth === depth);
  assert.ok(found, `fixture ${name} ${depth}`);
  return found.table;
}

class TinyNet extends nn.Module {
  model = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3));
  override forward(x: torch.Tensor): torch.Tensor {
    return this.model.call(x) as torch.Tensor;
  }
}

// Stands in for torch.nn.CrossEntropyLoss (a parameter-free module) in the summary.
class CrossEntropyLoss extends nn.Module {}

class TinyLit extends LightningModule {
  net = new TinyNet();
  criterion = new CrossEntropyLoss();
  train_acc = new Accuracy({ task: "multiclass", num_classes: 3 });
  val_loss = new MeanMetric();
  val_acc_best = new MaxMetric();
  exampleInputArray?: torch.Tensor;

  override forward(x: torch.Tensor): torch.Tensor {
    return this.net.call(x);
  }
}

function moduleAt(model: nn.Module, name: string): nn.Module {
  return model.namedModules().find(([n]) => n === name)![1];
}

test("plain tables for max_depth 1, 2, 3, -1 and 0 equal Lightning's", () => {
  const model = new TinyLit();
  for (const depth of [1, 2, 3, -1, 0]) {
    assert.equal(
      formatSummaryTable(summarizeModel(model, depth)),
      expected("plain", depth),
      `max_depth=${depth}`,
    );
  }
  model.dispose();
});

test("frozen parameters and eval-mode layers are counted as Lightning counts them", () => {
  const model = new TinyLit();
  for (const p of moduleAt(model, "net.model.0").parameters()) p.requiresGrad = false;
  moduleAt(model, "net.model.1").eval();
  assert.equal(formatSummaryTable(summarizeModel(model, 2)), expected("frozen_eval", 2));
  model.dispose();
});

test("with exampleInputArray: in/out sizes and FLOPs of the matrix products", () => {
  const model = new TinyLit();
  model.exampleInputArray = torch.keep(torch.zeros([5, 4]));
  const before = torch.memoryStats().liveTensors;
  const table = formatSummaryTable(summarizeModel(model, -1));
  assert.equal(torch.memoryStats().liveTensors, before, "the example forward frees what it creates");
  assert.equal(table, expected("example", -1));
  assert.equal(model.training, true, "modes are restored after the example forward");
  model.exampleInputArray.dispose();
  model.dispose();
});

test("large counts and parameters outside any layer ('other params')", () => {
  class Big extends LightningModule {
    enc = new nn.Linear(784, 1500);
    dec = new nn.Linear(1500, 10);
    extra = new nn.Parameter(torch.zeros([12]));
  }
  const model = new Big();
  assert.equal(formatSummaryTable(summarizeModel(model, 1)), expected("big_leftover", 1));
  model.dispose();
});

test("human readable counts", () => {
  assert.deepEqual([0, 123, 1234, 68_010, 2e6, 3e9, 4e14, 5e15].map(humanReadableCount), [
    "0  ",
    "123  ",
    "1.2 K",
    "68.0 K",
    "2.0 M",
    "3.0 B",
    "400 T",
    "5,000 T",
  ]);
});

test("the callback prints the table at fit start; max_depth 0 prints nothing", () => {
  const lines: string[] = [];
  const old = setInfoSink((l) => lines.push(l));
  try {
    const model = new TinyLit();
    new ModelSummary({ max_depth: 1 }).onFitStart({ precision: "32-true" }, model);
    assert.deepEqual(lines, [`\n${expected("plain", 1)}`]);
    new ModelSummary({ max_depth: 0 }).onFitStart({}, model);
    assert.equal(lines.length, 1);
    model.dispose();
  } finally {
    setInfoSink(old);
  }
  assert.throws(() => new ModelSummary({ maxDepth: 2 } as never), /did you mean 'max_depth'/);
});

test("16-bit precision halves the size estimate", () => {
  const model = new TinyLit();
  const big = summarizeModel(model, 1, "32-true").modelSizeMB;
  assert.equal(summarizeModel(model, 1, "16-true").modelSizeMB, big / 2);
  model.dispose();
});

test("RichModelSummary draws a box table with the same rows and totals", () => {
  const model = new TinyLit();
  const text = formatRichSummary(summarizeModel(model, 1), false);
  const lines = text.split("\n");
  assert.match(lines[0]!, /^┏━━━┳━+┳━+┳━+┳━+┳━+┓$/);
  assert.equal(lines[1], "┃   ┃ Name         ┃ Type               ┃ Params ┃ Mode  ┃ FLOPs ┃");
  assert.equal(lines[3], "│ 0 │ net          │ TinyNet            │     83 │ train │     0 │");
  assert.ok(lines.includes("Trainable params: 83        "));
  assert.ok(lines.includes("Total estimated model params size (MB): 0.000     "));
  assert.ok(lines.includes("Modules in train mode: 10"));
  assert.ok(new RichModelSummary() instanceof ModelSummary);
  model.dispose();
});
