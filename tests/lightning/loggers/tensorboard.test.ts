// TensorBoardLogger against Lightning 2.6.6: the golden run replayed through Kiln's logger must give the same
// records (wall times aside), the same file pattern (a new file for test after fit) and the same hparams.yaml.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { TensorBoardLogger } from "../../../src/lightning/loggers/index.js";
import { decodeEvent } from "../../../src/lightning/loggers/tensorboard/event.js";
import {
  decodeHparamsPluginData,
  HparamDataType,
  SessionStatus,
} from "../../../src/lightning/loggers/tensorboard/hparams-plugin.js";
import { readRun } from "../../../src/lightning/loggers/tensorboard/reader.js";
import { readRecords } from "../../../src/lightning/loggers/tensorboard/tfrecord.js";
import {
  fixtures,
  goldenCalls,
  goldenFitEvents,
  goldenHparams,
  goldenTbDir,
  goldenTestEvents,
  tempDir,
  withoutWallTime,
} from "./replay.js";

const tmp = tempDir("kiln-tb-");

function payloads(file: string): Buffer[] {
  return readRecords(readFileSync(file), file).records.map((r) => r.payload);
}

/** session_start_info hparams as sorted entries (Python's protobuf writes the map in hash order). */
function sessionStartEntries(payload: Buffer): [string, unknown][] | undefined {
  const v = decodeEvent(payload).summary?.[0];
  if (v?.tag !== "_hparams_/session_start_info" || !v.plugin) return undefined;
  const hp = decodeHparamsPluginData(v.plugin.content).sessionStartInfo?.hparams ?? new Map();
  return [...hp].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Record-by-record equality, wall_time excluded; the hparams map compared as a set of entries. */
function assertSameRecords(actual: Buffer[], golden: Buffer[], label: string): void {
  assert.equal(actual.length, golden.length, `${label}: record count`);
  for (let i = 0; i < golden.length; i++) {
    const expectedEntries = sessionStartEntries(golden[i]);
    if (expectedEntries) {
      assert.deepEqual(sessionStartEntries(actual[i]), expectedEntries, `${label}: record ${i} hparams`);
      assert.equal(actual[i].length, golden[i].length, `${label}: record ${i} size`);
    } else {
      assert.deepEqual(withoutWallTime(actual[i]), withoutWallTime(golden[i]), `${label}: record ${i}`);
    }
  }
}

test("replaying the golden fit + test run gives Lightning's records, files and hparams.yaml", () => {
  const logger = new TensorBoardLogger({ save_dir: tmp, name: "tb" });
  // What Lightning's Trainer does: log_hyperparams + save at the start of each stage, save after log_metrics.
  logger.logHyperparams(goldenHparams);
  logger.save();
  for (const call of goldenCalls(goldenFitEvents)) {
    logger.logMetrics(call.metrics, call.step);
    logger.save();
  }
  logger.finalize("success");
  logger.logHyperparams(goldenHparams);
  logger.save();
  for (const call of goldenCalls(goldenTestEvents)) {
    logger.logMetrics(call.metrics, call.step);
    logger.save();
  }
  logger.finalize("success");

  assert.equal(logger.logDir, join(tmp, "tb", "version_0"));
  const names = readdirSync(logger.logDir).sort();
  assert.equal(names.length, 3);
  assert.equal(names[2], "hparams.yaml");
  const pattern = new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${hostname()}\\.${process.pid}\\.(\\d+)$`);
  const counters = names.slice(0, 2).map((n) => Number(pattern.exec(n)?.[1]));
  assert.equal(counters[1], counters[0] + 1, `file names: ${names.join(", ")}`);
  const [fit, testPhase] = names.slice(0, 2).map((n) => join(logger.logDir, n));
  assertSameRecords(payloads(fit), payloads(goldenFitEvents), "fit file");
  assertSameRecords(payloads(testPhase), payloads(goldenTestEvents), "test file");
  assert.equal(
    readFileSync(join(logger.logDir, "hparams.yaml"), "utf8"),
    readFileSync(join(goldenTbDir, "hparams.yaml"), "utf8"),
  );
});

test("the hparams plugin payloads (experiment, session end) are byte-identical to torch's", () => {
  const logger = new TensorBoardLogger({ save_dir: tmp, name: "plugin" });
  logger.logHyperparams(goldenHparams);
  logger.finalize("success");
  const [file] = readdirSync(logger.logDir).filter((n) => n.includes("tfevents"));
  const mine = payloads(join(logger.logDir, file));
  const golden = payloads(goldenFitEvents);
  for (const i of [2, 4]) assert.deepEqual(withoutWallTime(mine[i]), withoutWallTime(golden[i]));
});

interface PythonRecord {
  payload_hex: string;
  step: number;
  summary?: { tag: string; simple_value?: number; plugin?: Record<string, unknown> }[];
}

test("edge cases match Lightning: sub_dir, string version, explicit hp metrics, None/bool/list params, steps", () => {
  const edge = JSON.parse(readFileSync(join(fixtures, "edge", "tb.events.json"), "utf8")) as {
    records: PythonRecord[];
  };
  const logger = new TensorBoardLogger({
    save_dir: tmp,
    name: "tb",
    version: "run_a",
    sub_dir: "train",
    default_hp_metric: false,
  });
  const params = {
    lr: 0.001,
    layers: 3,
    use_bn: true,
    dropout: null,
    sizes: [64, 32],
    names: ["a", "b'c"],
    opt: { name: "adam", betas: { b1: 0.9, b2: 0.999 }, empty: {} },
    zero: 0.0,
    empty_str: "",
  };
  logger.logHyperparams(params, { "val/acc": 0.0, "val/loss": 1.0 }, 3);
  logger.logMetrics({ "val/acc": 0.5, epoch: 0 }, 7);
  logger.logMetrics({ neg_step: -2.5 }, -1);
  logger.logMetrics({ big_step: 1.0 }, 2 ** 40);
  logger.finalize("success");
  assert.equal(logger.logDir, join(tmp, "tb", "run_a", "train"));
  const [file] = readdirSync(logger.logDir).filter((n) => n.includes("tfevents"));
  const golden = edge.records.map((r) => Buffer.from(r.payload_hex, "hex"));
  assertSameRecords(payloads(join(logger.logDir, file)), golden, "edge file");
});

test("the decoder agrees with tensorboard's own protos on every edge record", () => {
  const edge = JSON.parse(readFileSync(join(fixtures, "edge", "tb.events.json"), "utf8")) as {
    records: PythonRecord[];
  };
  const typeNames = Object.fromEntries(Object.entries(HparamDataType).map(([k, v]) => [v, `DATA_TYPE_${k}`]));
  for (const rec of edge.records) {
    const ev = decodeEvent(Buffer.from(rec.payload_hex, "hex"));
    assert.equal(ev.step, rec.step);
    for (const [i, v] of (rec.summary ?? []).entries()) {
      const mine = ev.summary?.[i];
      assert.equal(mine?.tag, v.tag);
      if (v.simple_value !== undefined) assert.equal(mine?.simpleValue, v.simple_value);
      if (!v.plugin) continue;
      const data = decodeHparamsPluginData(mine?.plugin?.content ?? Buffer.alloc(0));
      if (data.experiment) {
        assert.deepEqual(v.plugin, {
          experiment: {
            hparamInfos: data.experiment.hparamInfos.map((h) => ({ name: h.name, type: typeNames[h.type] })),
            metricInfos: data.experiment.metricInfos.map((m) => ({ name: { tag: m.tag } })),
          },
        });
      } else if (data.sessionStartInfo) {
        assert.deepEqual(v.plugin, {
          sessionStartInfo: { hparams: Object.fromEntries(data.sessionStartInfo.hparams) },
        });
      } else {
        assert.deepEqual(v.plugin, { sessionEndInfo: { status: "STATUS_SUCCESS" } });
        assert.equal(data.sessionEndInfo?.status, SessionStatus.SUCCESS);
      }
    }
  }
});

test("readRun sums up the golden run: scalar series, hparams, metric tags, status", () => {
  const run = readRun(goldenTbDir);
  assert.equal(run.files.length, 2);
  assert.deepEqual(
    run.scalars.get("train/loss_step")?.map((p) => p.step),
    [0, 1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    run.scalars.get("val/acc")?.map((p) => [p.step, p.value]),
    [
      [2, 0.5],
      [5, 0.5],
    ],
  );
  assert.deepEqual(
    run.scalars.get("hp_metric")?.map((p) => p.value),
    [-1, -1],
  );
  assert.equal(run.scalars.get("epoch")?.length, 11);
  assert.deepEqual(Object.fromEntries(run.hparams ?? []), {
    lr: 0.05,
    "net/act": "relu",
    "net/hidden": 8,
    tag: "tiny",
  });
  assert.equal(run.hparamTypes?.get("net/act"), HparamDataType.STRING);
  assert.equal(run.hparamTypes?.get("lr"), HparamDataType.FLOAT64);
  assert.deepEqual(run.metricTags, ["hp_metric"]);
  assert.equal(run.sessionStatus, SessionStatus.SUCCESS);
});

test("versions: the next free version_N, prefix with `-`, no hp metric means no hparams records", () => {
  const save = join(tmp, "versions");
  for (const d of ["version_0", "version_4", "version_x", "other"])
    mkdirSync(join(save, "lightning_logs", d), { recursive: true });
  const logger = new TensorBoardLogger({ save_dir: save, prefix: "fit", default_hp_metric: false });
  assert.equal(logger.version, 5);
  assert.equal(logger.rootDir, join(save, "lightning_logs"));
  logger.logHyperparams({ a: 1 });
  logger.logMetrics({ loss: 0.5 }, 1);
  logger.finalize("failed");
  const run = readRun(logger.logDir);
  assert.deepEqual([...run.scalars.keys()], ["fit-loss"]);
  assert.equal(run.hparams, undefined);
  // finalize("failed") does not write hparams.yaml (Lightning saves it only on success).
  assert.deepEqual(
    readdirSync(logger.logDir).filter((n) => !n.includes("tfevents")),
    [],
  );
});

test("a non-number metric is refused with its name", () => {
  const logger = new TensorBoardLogger({ save_dir: join(tmp, "bad") });
  assert.throws(() => logger.logMetrics({ loss: "x" as unknown as number }), /'loss'/);
  logger.finalize("failed");
});
