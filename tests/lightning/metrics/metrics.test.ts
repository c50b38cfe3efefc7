// Kiln's metrics against torchmetrics 1.9.0 (fixtures/metrics.json, made by make_metric_fixtures.py) and
// against values worked out by hand; plus the memory and device rules every metric follows.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  Accuracy,
  BinaryAccuracy,
  MaxMetric,
  MeanMetric,
  type Metric,
  MinMetric,
  MulticlassAccuracy,
  SumMetric,
} from "../../../src/lightning/metrics/index.js";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../../torch/devices.js";

type Num = number | null | "inf" | "-inf";
interface AggStep {
  value: number[];
  weight: number | number[];
  forward: Num;
}
interface AccStep {
  preds: unknown;
  target: unknown;
  forward: number | number[];
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/metrics.json", import.meta.url), "utf8")) as {
  aggregators: { metric: string; steps: AggStep[]; compute: Num }[];
  nan_mean: Num;
  accuracy: { options: Record<string, unknown>; steps: AccStep[]; compute: number | number[] }[];
};

function num(x: Num): number {
  if (x === null) return Number.NaN;
  if (x === "inf") return Number.POSITIVE_INFINITY;
  if (x === "-inf") return Number.NEGATIVE_INFINITY;
  return x;
}

function close(actual: number | number[], expected: number | number[], what: string): void {
  const a = Array.isArray(actual) ? actual : [actual];
  const e = Array.isArray(expected) ? expected : [expected];
  assert.equal(a.length, e.length, `${what}: length`);
  a.forEach((v, i) => {
    const want = e[i]!;
    if (Number.isNaN(want)) assert.ok(Number.isNaN(v), `${what}[${i}]: expected nan, got ${v}`);
    else
      assert.ok(Math.abs(v - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${what}[${i}]: ${v} != ${want}`);
  });
}

function values(t: torch.Tensor): number | number[] {
  return t.ndim === 0 ? Number(t.item()) : (t.toArray() as number[]);
}

const aggregatorClasses: Record<string, new () => Metric> = { MeanMetric, SumMetric, MaxMetric, MinMetric };

testOnDevices("aggregators match torchmetrics step by step (forward) and at compute", (device) => {
  for (const c of fixture.aggregators) {
    const metric = new aggregatorClasses[c.metric]!();
    for (const [i, step] of c.steps.entries()) {
      torch.tidy(() => {
        const v = torch.tensor(step.value, { device });
        const out =
          c.metric === "MeanMetric"
            ? (metric as MeanMetric).forward(
                v,
                Array.isArray(step.weight) ? torch.tensor(step.weight, { device }) : step.weight,
              )
            : metric.forward(v);
        close(Number(out.item()), num(step.forward), `${c.metric} forward ${i}`);
        assert.equal(out.device, device === "cuda" ? "cuda:0" : device);
      });
    }
    close(Number(metric.compute().item()), num(c.compute), `${c.metric} compute`);
    metric.dispose();
  }
});

test("MeanMetric drops NaN values and their weights (nan_strategy warn), as torchmetrics", () => {
  const m = new MeanMetric();
  torch.tidy(() =>
    m.update(
      torch.tensor([1, Number.NaN, 3], { dtype: "float32" }),
      torch.tensor([1, 5, 3], { dtype: "float32" }),
    ),
  );
  close(Number(m.compute().item()), num(fixture.nan_mean), "nan mean");
  assert.equal(Number(m.compute().item()), 2.5);
  m.dispose();
});

test("nan_strategy: error throws, a number replaces, disable keeps", () => {
  const err = new SumMetric({ nan_strategy: "error" });
  assert.throws(() => err.update(Number.NaN), /Encountered `nan` values/);
  const fill = new SumMetric({ nan_strategy: 10 });
  fill.update([1, Number.NaN]);
  assert.equal(Number(fill.compute().item()), 11);
  const keep = new MaxMetric({ nan_strategy: "disable" });
  keep.update([1, Number.NaN]);
  assert.ok(Number.isNaN(Number(keep.compute().item())));
  assert.throws(() => new MeanMetric({ nan_strategy: "drop" as never }), /nan_strategy/);
  for (const m of [err, fill, keep]) m.dispose();
});

test("compute before update warns and gives torchmetrics' empty values", () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  const empty = [new MeanMetric(), new SumMetric(), new MaxMetric(), new MinMetric()];
  const got = empty.map((m) => Number(m.compute().item()));
  const acc = new Accuracy({ task: "multiclass", num_classes: 3 });
  got.push(Number(acc.compute().item()));
  return new Promise<void>((done) =>
    setImmediate(() => {
      process.off("warning", onWarning);
      assert.ok(Number.isNaN(got[0]!));
      assert.deepEqual(got.slice(1), [0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0]);
      assert.ok(
        warnings.some((w) => w.includes("metric MulticlassAccuracy was called before the ``update`` method")),
        warnings.join("\n"),
      );
      for (const m of [...empty, acc]) m.dispose();
      done();
    }),
  );
});

testOnDevices(
  "Accuracy matches torchmetrics (multiclass micro/macro/weighted/none, top_k, ignore_index, binary)",
  (device) => {
    for (const c of fixture.accuracy) {
      const metric = new Accuracy(c.options as never);
      const label = JSON.stringify(c.options);
      for (const [i, step] of c.steps.entries()) {
        torch.tidy(() => {
          const floatPreds = JSON.stringify(step.preds).includes(".");
          const preds = torch.tensor(step.preds as number[], {
            dtype: floatPreds ? "float32" : "int64",
            device,
          });
          const target = torch.tensor(step.target as number[], { dtype: "int64", device });
          close(values(metric.forward(preds, target)), step.forward, `${label} forward ${i}`);
        });
      }
      close(values(metric.compute()), c.compute, `${label} compute`);
      metric.dispose();
    }
  },
);

test("Accuracy by hand: micro counts samples, macro averages the classes that occur", () => {
  // Predictions 0,0,1,2 for targets 0,1,1,1: class 0 1/1, class 1 1/3, class 2 absent from target but predicted.
  const preds = [0, 0, 1, 2];
  const target = [0, 1, 1, 1];
  const micro = new Accuracy({ task: "multiclass", num_classes: 3 });
  micro.update(preds, target);
  assert.equal(Number(micro.compute().item()), 0.5);
  const macro = new Accuracy({ task: "multiclass", num_classes: 4, average: "macro" });
  macro.update(preds, target);
  // Class 2 has a false positive so it counts with score 0; class 3 never appears and is left out.
  close(Number(macro.compute().item()), (1 + 1 / 3 + 0) / 3, "macro");
  const top2 = new Accuracy({ task: "multiclass", num_classes: 3, top_k: 2 });
  top2.update(
    torch.tensor([
      [0.5, 0.3, 0.2],
      [0.1, 0.2, 0.7],
    ]),
    [1, 0],
  );
  assert.equal(Number(top2.compute().item()), 0.5);
  for (const m of [micro, macro, top2]) m.dispose();
});

test("Accuracy constructs the task class and checks its options", () => {
  assert.ok(new Accuracy({ task: "multiclass", num_classes: 10 }) instanceof MulticlassAccuracy);
  assert.ok(new Accuracy({ task: "binary" }) instanceof BinaryAccuracy);
  assert.ok(new Accuracy({ task: "binary" }) instanceof Accuracy);
  assert.throws(() => new Accuracy({ task: "multiclass" }), /`num_classes` must be type `int`/);
  assert.throws(() => new Accuracy({ task: "multiclass", num_classes: 3, top_k: 4 }), /top_k/);
  assert.throws(
    () => new Accuracy({ task: "multiclass", numClasses: 3 } as never),
    /did you mean 'num_classes'/,
  );
  const acc = new Accuracy({ task: "multiclass", num_classes: 3 });
  assert.throws(() => acc.update([0, 1], [0, 5]), /Expected only 3/);
  acc.dispose();
  const bin = new Accuracy({ task: "binary" });
  assert.throws(() => bin.update([0.1, 0.9], [0, 2]), /Detected the following values in `target`: \[0,2\]/);
  bin.dispose();
});

test("reset() starts over; forwardCache holds the last batch value (what Lightning logs on step)", () => {
  const m = new MeanMetric();
  m.forward(4);
  m.forward(2);
  assert.equal(Number(m.forwardCache!.item()), 2);
  assert.equal(Number(m.compute().item()), 3);
  m.reset();
  assert.equal(m.forwardCache, null);
  m.update(10);
  assert.equal(Number(m.compute().item()), 10);
  m.dispose();
});

test("metrics leak no tensors: a 200-step loop keeps the live count flat", () => {
  const mean = new MeanMetric();
  const acc = new Accuracy({ task: "multiclass", num_classes: 5, average: "macro", top_k: 2 });
  const bin = new Accuracy({ task: "binary" });
  const max = new MaxMetric();
  const run = () => {
    torch.tidy(() => {
      const logits = torch.randn([8, 5]);
      const target = torch.randint(0, 5, [8]);
      mean.forward(logits.mean(), 8);
      acc.forward(logits, target);
      bin.forward(logits.select(1, 0), target.remainder(2));
      max.update(logits.max());
    });
    for (const m of [mean, acc, bin, max]) m.compute();
  };
  run();
  const before = torch.memoryStats().liveTensors;
  for (let i = 0; i < 200; i++) run();
  assert.equal(torch.memoryStats().liveTensors, before);
  for (const m of [mean, acc, bin, max]) m.reset();
  assert.ok(torch.memoryStats().liveTensors <= before);
  for (const m of [mean, acc, bin, max]) m.dispose();
});

test("a metric is an nn.Module with non-persistent state (not in stateDict) that moves with .to()", () => {
  const acc = new Accuracy({ task: "multiclass", num_classes: 3 });
  assert.equal(acc.stateDict().size, 0);
  assert.deepEqual(
    acc.namedBuffers().map(([n]) => n),
    ["tp", "fp", "tn", "fn"],
  );
  acc.to("cpu");
  assert.equal(acc.device, "cpu");
  acc.dispose();
});

testOnDevices("state follows the device of the inputs", (device) => {
  const m = new SumMetric();
  torch.tidy(() => m.update(torch.tensor([1, 2], { dtype: "float32", device })));
  assert.equal(m.device, device === "cuda" ? "cuda:0" : device);
  assert.equal(Number(m.compute().item()), 3);
  m.dispose();
});

test("MeanMetric's 0-d fast path gives the general path's values (weights, NaN, compute, update)", () => {
  const fast = new MeanMetric();
  const general = new MeanMetric();
  const steps: [number, number][] = [
    [0.3, 1],
    [1.7, 2.5],
    [-4.1, 0],
    [Number.NaN, 3],
    [2.2, 128],
  ];
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  for (const [value, weight] of steps) {
    torch.tidy(() => {
      const a = fast.forward(torch.tensor(value), weight);
      const b = general.forward(torch.tensor([value]), weight);
      const [x, y] = [Number(a.item()), Number(b.item())];
      assert.ok(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)), `${value}*${weight}: ${x} != ${y}`);
    });
  }
  fast.update(torch.tensor(5), 2);
  general.update(torch.tensor([5]), 2);
  assert.equal(Number(fast.compute().item()), Number(general.compute().item()));
  assert.equal(fast.updateCount, general.updateCount);
  process.off("warning", onWarning);
  fast.dispose();
  general.dispose();
});

test("a 0-d loss that requires grad joins no graph when a MeanMetric folds it in", () => {
  const m = new MeanMetric();
  torch.tidy(() => {
    const w = torch.tensor(2, { dtype: "float32" }).requiresGrad_();
    m.forward(w.mul(3));
    assert.equal(m.forwardCache!.requiresGrad, false);
  });
  assert.equal(Number(m.compute().item()), 6);
  m.dispose();
});
