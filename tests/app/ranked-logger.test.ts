// The template's RankedLogger: "[rank: N] " prefixes, rank-zero-only silence on other ranks, and Lightning's
// "Seed set to" line (prefixed only when a launcher set a rank variable).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { closeHandlers, configureLogging } from "../../src/config/run/logger.js";
import { currentRank, envRank, RankedLogger, rankPrefixed } from "../../src/utils/ranked-logger.js";
import { seedEverything } from "../../src/utils/seed.js";

const RANK_KEYS = ["RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK"];
let dir = "";
let saved: Record<string, string | undefined> = {};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kiln-ranked-"));
  saved = Object.fromEntries(RANK_KEYS.map((k) => [k, process.env[k]]));
  for (const k of RANK_KEYS) delete process.env[k];
  configureLogging(
    {
      formatters: { plain: { format: "%(name)s|%(message)s" } },
      handlers: { file: { class: "logging.FileHandler", formatter: "plain", filename: "out.log" } },
      root: { level: "INFO", handlers: ["file"] },
    } as never,
    false,
    dir,
  );
});

afterEach(() => {
  closeHandlers();
  for (const k of RANK_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(dir, { recursive: true, force: true });
});

const lines = () => readFileSync(join(dir, "out.log"), "utf8").trim().split("\n").filter(Boolean);

test("without a launcher every message is prefixed with [rank: 0]", () => {
  new RankedLogger("src.train", true).info("Instantiating datamodule <x>");
  assert.deepEqual(lines(), ["src.train|[rank: 0] Instantiating datamodule <x>"]);
});

test("rank-zero-only loggers are silent on other ranks; plain ones log with their rank", () => {
  process.env.LOCAL_RANK = "1";
  new RankedLogger("src.train", true).info("only rank zero");
  const all = new RankedLogger("src.any");
  all.warning("every rank");
  all.log(20, "rank one only", 1);
  all.log(20, "rank zero only", 0);
  assert.deepEqual(lines(), ["src.any|[rank: 1] every rank", "src.any|[rank: 1] rank one only"]);
});

test("the rank comes from RANK, LOCAL_RANK, SLURM_PROCID, JSM_NAMESPACE_RANK in Lightning's order", () => {
  assert.equal(envRank({}), undefined);
  assert.equal(currentRank({}), 0);
  assert.equal(envRank({ LOCAL_RANK: "3", SLURM_PROCID: "7" }), 3);
  assert.equal(envRank({ RANK: "2", LOCAL_RANK: "3" }), 2);
  assert.equal(envRank({ JSM_NAMESPACE_RANK: "5" }), 5);
  assert.equal(rankPrefixed("m", undefined), "m");
  assert.equal(rankPrefixed("m", 4), "[rank: 4] m");
});

test('seed_everything logs "Seed set to N", prefixed only when a rank variable is set', async () => {
  await seedEverything(7);
  process.env.LOCAL_RANK = "1";
  await seedEverything(8);
  assert.deepEqual(lines(), [
    "lightning.fabric.utilities.seed|Seed set to 7",
    "lightning.fabric.utilities.seed|[rank: 1] Seed set to 8",
  ]);
});
