// CSVLogger against Lightning 2.6.6: the golden run's log_metrics calls replayed through Kiln's logger must
// write the same metrics.csv and hparams.yaml byte for byte; plus versions, header growth and flushing.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseCsv } from "../../../src/lightning/loggers/csv-writer.js";
import { CSVLogger } from "../../../src/lightning/loggers/index.js";
import {
  fixtures,
  goldenCalls,
  goldenFitEvents,
  goldenHparams,
  goldenTestEvents,
  tempDir,
} from "./replay.js";

const tmp = tempDir("kiln-csv-");
const goldenCsvDir = join(fixtures, "csv", "version_0");
const goldenMetrics = readFileSync(join(goldenCsvDir, "metrics.csv"), "utf8");

/** The rows of the golden metrics.csv as log_metrics calls: non-empty cells, numbers, step apart. */
function callsFromGoldenRows(): { metrics: Record<string, number>; step: number }[] {
  const [header, ...rows] = parseCsv(goldenMetrics);
  return rows.map((cells) => {
    const metrics: Record<string, number> = {};
    header.forEach((key, i) => {
      if (key !== "step" && cells[i] !== "") metrics[key] = Number(cells[i]);
    });
    return { metrics, step: Number(cells[header.indexOf("step")]) };
  });
}

test("the golden rows replayed with a save after every call (as the Trainer does) give the same bytes", () => {
  const logger = new CSVLogger({ save_dir: tmp, name: "csv" });
  logger.logHyperparams(goldenHparams);
  logger.save();
  const calls = [...goldenCalls(goldenFitEvents), ...goldenCalls(goldenTestEvents)];
  assert.equal(calls.length, 11);
  for (const call of calls) {
    logger.logMetrics(call.metrics, call.step);
    logger.save();
  }
  logger.finalize("success");
  assert.equal(logger.logDir, join(tmp, "csv", "version_0"));
  assert.equal(readFileSync(join(logger.logDir, "metrics.csv"), "utf8"), goldenMetrics);
  assert.equal(
    readFileSync(join(logger.logDir, "hparams.yaml"), "utf8"),
    readFileSync(join(goldenCsvDir, "hparams.yaml"), "utf8"),
  );
  assert.deepEqual(readdirSync(logger.logDir).sort(), ["hparams.yaml", "metrics.csv"]);
});

test("the golden rows buffered until finalize give the same bytes", () => {
  const logger = new CSVLogger({ save_dir: tmp, name: "buffered" });
  for (const call of callsFromGoldenRows()) logger.logMetrics(call.metrics, call.step);
  assert.equal(existsSync(join(logger.logDir, "metrics.csv")), false);
  logger.finalize("success");
  assert.equal(readFileSync(join(logger.logDir, "metrics.csv"), "utf8"), goldenMetrics);
});

test("edge cases match Lightning: prefix, flush every 2 steps, a new quoted key, nan, exponents, no step", () => {
  const logger = new CSVLogger({ save_dir: tmp, name: "csv", prefix: "fit", flush_logs_every_n_steps: 2 });
  assert.equal(logger.version, 1); // version_0 exists from the first test
  logger.logMetrics({ loss: 0.5, epoch: 0 }, 0);
  assert.equal(existsSync(join(logger.logDir, "metrics.csv")), false);
  logger.logMetrics({ loss: 0.25, epoch: 0 }, 1);
  assert.equal(existsSync(join(logger.logDir, "metrics.csv")), true);
  logger.logMetrics({ acc: 0.75, loss: 0.125, epoch: 1 }, 2);
  logger.logMetrics({ "a,b": 1.5, epoch: 1 }, 3);
  logger.logMetrics({ loss: Number.NaN, big: 1e20, tiny: 1e-7, epoch: 2 });
  logger.finalize("success");
  assert.equal(
    readFileSync(join(logger.logDir, "metrics.csv"), "utf8"),
    readFileSync(join(fixtures, "edge", "csv", "version_0", "metrics.csv"), "utf8"),
  );
});

test("a key that appears later widens the header and rewrites the earlier rows", () => {
  const logger = new CSVLogger({ save_dir: tmp, name: "widen" });
  logger.logMetrics({ "val/loss": 0.5, epoch: 0 }, 0);
  logger.save();
  logger.logMetrics({ acc: 1, epoch: 1 }, 1);
  logger.save();
  assert.equal(
    readFileSync(join(logger.logDir, "metrics.csv"), "utf8"),
    "acc,epoch,step,val/loss\r\n,0,0,0.5\r\n1.0,1,1,\r\n",
  );
  assert.deepEqual(readdirSync(logger.logDir), ["metrics.csv"]); // no temporary file left
});

test("versions: next free version_N, string versions as is, no name folder, a reused folder loses its metrics.csv", async () => {
  const save = join(tmp, "versions");
  for (const d of ["version_0", "version_2", "version_3_old", "version_a"]) {
    mkdirSync(join(save, "lightning_logs", d), { recursive: true });
  }
  writeFileSync(join(save, "lightning_logs", "version_9"), "a file, not a version folder");
  assert.equal(new CSVLogger({ save_dir: save }).version, 4);
  assert.equal(new CSVLogger({ save_dir: save, name: "fresh" }).version, 0);
  const named = new CSVLogger({ save_dir: save, version: "final" });
  assert.equal(named.logDir, join(save, "lightning_logs", "final"));
  const flat = new CSVLogger({ save_dir: save, name: "" });
  assert.equal(flat.logDir, join(save, "version_0"));
  assert.equal(new CSVLogger({ save_dir: save, name: null }).rootDir, save);

  const reused = join(save, "lightning_logs", "version_2");
  writeFileSync(join(reused, "metrics.csv"), "old\r\n");
  writeFileSync(join(reused, "keep.txt"), "x");
  const warning = new Promise<string>((resolve) => process.once("warning", (w) => resolve(w.message)));
  const logger = new CSVLogger({ save_dir: save, version: 2 });
  void logger.experiment;
  assert.equal(existsSync(join(reused, "metrics.csv")), false);
  assert.equal(existsSync(join(reused, "keep.txt")), true);
  assert.match(await warning, /version_2 exists and is not empty/);
});

test("steps without explicit step count the buffered rows, and every 100th step is flushed", () => {
  const logger = new CSVLogger({ save_dir: tmp, name: "flush" });
  for (let s = 0; s < 99; s++) logger.logMetrics({ x: s / 4 }, s);
  assert.equal(existsSync(join(logger.logDir, "metrics.csv")), false);
  logger.logMetrics({ x: 1 }, 99);
  const lines = readFileSync(join(logger.logDir, "metrics.csv"), "utf8").split("\r\n");
  assert.equal(lines.length, 102); // header, 100 rows, the empty string after the last CRLF
  assert.equal(lines[1], "0,0.0");
  assert.equal(lines[100], "99,1.0");
});

test("finalize without anything logged writes nothing; bad options are explained", () => {
  const logger = new CSVLogger({ save_dir: join(tmp, "nothing") });
  logger.finalize("success");
  assert.equal(existsSync(join(tmp, "nothing")), false);
  assert.throws(() => new CSVLogger({} as never), /save_dir/);
  assert.throws(
    () => new CSVLogger({ save_dir: tmp, flush_logs_every_n_steps: 0 }),
    /flush_logs_every_n_steps/,
  );
  assert.throws(() => logger.logMetrics({ a: "1" as unknown as number }, 0), /'a'/);
});
