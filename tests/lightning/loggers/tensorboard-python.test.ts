// Real TensorBoard (its EventAccumulator, in a Python subprocess) reads Kiln's event files exactly as it reads
// the ones Lightning wrote for the same run. Skipped when no Python with tensorboard is found.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { TensorBoardLogger } from "../../../src/lightning/loggers/index.js";
import { findPythonWith, noPythonReason } from "./python.js";
import {
  fixtures,
  goldenCalls,
  goldenFitEvents,
  goldenHparams,
  goldenTbDir,
  goldenTestEvents,
  tempDir,
} from "./replay.js";

const python = findPythonWith("tensorboard");

const SCRIPT = `
import json, sys
from google.protobuf.json_format import MessageToDict
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2
ea = EventAccumulator(sys.argv[1])
ea.Reload()
scalars = {t: [[e.step, e.value] for e in ea.Scalars(t)] for t in sorted(ea.Tags()["scalars"])}
hparams = {
    tag: MessageToDict(plugin_data_pb2.HParamsPluginData.FromString(content))
    for tag, content in sorted(ea.PluginTagToContent("hparams").items())
}
print(json.dumps({"scalars": scalars, "hparams": hparams}, sort_keys=True))
`;

function accumulate(dir: string): {
  scalars: Record<string, [number, number][]>;
  hparams: Record<string, unknown>;
} {
  const r = spawnSync(python ?? "python3", ["-c", SCRIPT, dir], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("TensorBoard's EventAccumulator reads Kiln's run the same as Lightning's", {
  skip: python ? false : noPythonReason("tensorboard"),
}, () => {
  const logger = new TensorBoardLogger({ save_dir: tempDir("kiln-tb-py-"), name: "tb" });
  for (const [calls, hparams] of [
    [goldenCalls(goldenFitEvents), goldenHparams],
    [goldenCalls(goldenTestEvents), goldenHparams],
  ] as const) {
    logger.logHyperparams(hparams);
    logger.save();
    for (const call of calls) {
      logger.logMetrics(call.metrics, call.step);
      logger.save();
    }
    logger.finalize("success");
  }
  const mine = accumulate(logger.logDir);
  const golden = accumulate(goldenTbDir);
  assert.ok(Object.keys(golden.scalars).length >= 8, JSON.stringify(golden));
  assert.deepEqual(mine, golden);
});

test("EventAccumulator reads Kiln's edge-case run (hparams kinds, negative and large steps) as Lightning's", {
  skip: python ? false : noPythonReason("tensorboard"),
}, () => {
  const logger = new TensorBoardLogger({
    save_dir: tempDir("kiln-tb-py-edge-"),
    version: "e",
    default_hp_metric: false,
  });
  const params = { lr: 0.001, layers: 3, use_bn: true, dropout: null, sizes: [64, 32], names: ["a", "b'c"] };
  logger.logHyperparams(
    { ...params, opt: { name: "adam", betas: { b1: 0.9, b2: 0.999 }, empty: {} }, zero: 0.0, empty_str: "" },
    { "val/acc": 0.0, "val/loss": 1.0 },
    3,
  );
  logger.logMetrics({ "val/acc": 0.5, epoch: 0 }, 7);
  logger.logMetrics({ neg_step: -2.5 }, -1);
  logger.logMetrics({ big_step: 1.0 }, 2 ** 40);
  logger.finalize("success");
  const golden = accumulate(join(fixtures, "edge", "tb", "run_a", "train"));
  assert.ok(Object.keys(golden.hparams).length === 3, JSON.stringify(golden));
  assert.deepEqual(accumulate(logger.logDir), golden);
});
