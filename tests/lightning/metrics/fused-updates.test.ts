// The one-call updates of MeanMetric (0-d float32 values) and micro top-1 Accuracy give bitwise the values of
// the general batch-state path, which the torchmetrics fixtures check; inputs they do not cover still go there.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Accuracy, MeanMetric } from "../../../src/lightning/metrics/index.js";
import * as torch from "../../../src/torch/index.js";

function bits(t: torch.Tensor): string {
  const a = t.toTypedArray();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
}

test("MeanMetric: 0-d float32 losses (fused) give the same bits as 1-element arrays (general path)", () => {
  torch.tidy(() => {
    torch.manualSeed(11);
    const fused = new MeanMetric();
    const general = new MeanMetric();
    const values = torch.rand([40]).mul(3).toArray() as number[];
    values.forEach((v, i) => {
      const weight = i % 3 === 0 ? 1 : i % 3 === 1 ? 128 : 0.37;
      const a = fused.forward(torch.tensor(v, { dtype: "float32" }), weight);
      const b = general.forward([Math.fround(v)], weight);
      assert.equal(bits(a), bits(b), `forward ${i}`);
      fused.update(torch.tensor(v, { dtype: "float32" }), weight);
      general.update([Math.fround(v)], weight);
    });
    assert.equal(bits(fused.compute()), bits(general.compute()));
    assert.equal(fused.updateCount, 80);
    // a NaN loss takes the general path (nan_strategy "warn" drops it)
    const before = bits(fused.compute());
    fused.update(torch.tensor(Number.NaN, { dtype: "float32" }));
    assert.equal(bits(fused.compute()), before);
    fused.dispose();
    general.dispose();
  });
});

test("micro Accuracy: fused updates of labels and scores equal the general path (ignore_index never hit)", () => {
  torch.tidy(() => {
    torch.manualSeed(5);
    const fused = new Accuracy({ task: "multiclass", num_classes: 10 });
    // an ignore_index no target holds sends every update through the general batch state
    const general = new Accuracy({ task: "multiclass", num_classes: 10, ignore_index: -100 });
    for (let step = 0; step < 12; step++) {
      const n = step === 5 ? 1 : 37;
      const target = torch.randint(0, 10, [n], { dtype: "int64" });
      const scores = torch.randn([n, 10]);
      const preds = step % 2 === 0 ? scores : scores.argmax(1);
      const a = fused.forward(preds, target);
      const b = general.forward(preds, target);
      assert.equal(bits(a), bits(b), `forward ${step}`);
      fused.update(preds, target);
      general.update(preds, target);
    }
    assert.equal(bits(fused.compute()), bits(general.compute()));
    fused.dispose();
    general.dispose();
  });
});

test("micro Accuracy: an out-of-range label still raises torchmetrics' error and leaves the state as it was", () => {
  torch.tidy(() => {
    const acc = new Accuracy({ task: "multiclass", num_classes: 3 });
    acc.update(torch.tensor([0, 1], { dtype: "int64" }), torch.tensor([0, 2], { dtype: "int64" }));
    assert.throws(
      () => acc.update(torch.tensor([0, 1], { dtype: "int64" }), torch.tensor([0, 3], { dtype: "int64" })),
      /Detected more unique values in `target` than expected. Expected only 3 but found values in \[0, 3\]/,
    );
    assert.throws(
      () => acc.update(torch.tensor([5, 1], { dtype: "int64" }), torch.tensor([0, 1], { dtype: "int64" })),
      /in `preds`/,
    );
    assert.equal(acc.compute().item(), 0.5);
    acc.dispose();
  });
});
