// Checkpoint file names and Python's format mini-language, against what Lightning 2.6.6 itself produced
// (fixtures/lightning.json, made by make_callback_fixtures.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { NameMetrics } from "../../../src/lightning/callbacks/checkpoint-name.js";
import { ModelCheckpoint } from "../../../src/lightning/callbacks/model-checkpoint.js";
import { pyFormatNumber } from "../../../src/lightning/callbacks/pyformat.js";

interface NameCase {
  filename: string | null;
  auto_insert_metric_name: boolean;
  metrics: Record<string, number>;
  ver: number | null;
  explicit: string | null;
  expected: string;
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/lightning.json", import.meta.url), "utf8")) as {
  names: NameCase[];
};

function candidates(metrics: Record<string, number>): NameMetrics {
  const out: NameMetrics = new Map();
  for (const [k, v] of Object.entries(metrics))
    out.set(k, { value: v, isInt: k === "epoch" || k === "step" });
  return out;
}

test("format_checkpoint_name matches Lightning for every fixture template", () => {
  assert.ok(fixture.names.length >= 20);
  for (const c of fixture.names) {
    const ckpt = new ModelCheckpoint({
      filename: c.filename,
      auto_insert_metric_name: c.auto_insert_metric_name,
    });
    const got = ckpt.formatCheckpointName(candidates(c.metrics), c.explicit, c.ver ?? undefined);
    assert.equal(got, c.expected, `template ${JSON.stringify(c.filename)}`);
  }
});

test("with a dirpath the name is joined to it; a missing metric formats as 0", () => {
  const ckpt = new ModelCheckpoint({ dirpath: "/tmp/ckpts", filename: "{epoch}-{val/acc:.3f}" });
  assert.equal(ckpt.formatCheckpointName(candidates({ epoch: 4 })), "/tmp/ckpts/epoch=4-val/acc=0.000.ckpt");
});

test("Python format specs: widths, alignment, signs, grouping, precision, types", () => {
  const f = (value: number, spec: string, isInt = false) => pyFormatNumber({ value, isInt }, spec);
  assert.equal(f(5, "03d", true), "005");
  assert.equal(f(-5, "03d", true), "-05");
  assert.equal(f(42, ">6", true), "    42");
  assert.equal(f(42, "*^7", true), "**42***");
  assert.equal(f(1234567, ",", true), "1,234,567");
  assert.equal(f(0.125, ".2f"), "0.12"); // round-half-even on an exact tie, as Python
  assert.equal(f(0.375, ".2f"), "0.38");
  assert.equal(f(2.5, ".0f"), "2");
  assert.equal(f(1e-7, ""), "1e-07");
  assert.equal(f(1, ""), "1.0");
  assert.equal(f(0.1, ""), "0.1");
  assert.equal(f(123456789, ".3g"), "1.23e+08");
  assert.equal(f(0.5, "g"), "0.5");
  assert.equal(f(100, ".2e"), "1.00e+02");
  assert.equal(f(Number.NaN, ".2f"), "nan");
  assert.equal(f(Number.POSITIVE_INFINITY, ".2f"), "inf");
  assert.equal(f(0.25, ".0%"), "25%");
  assert.equal(f(1.23456, "+08.3f"), "+001.235");
  assert.throws(() => f(0.5, "d"), /Unknown format code 'd' for object of type 'float'/);
});
