// `kiln train` when the file system refuses (issue cases 5 and 6): a full disk while writing the run folder, a
// read-only log folder, an MLflow store path that is a file, a run dir that is a file, a checkpoint folder on a
// full disk. Each is a clear error naming the file, the cause in words and the setting that chose the place;
// no .hydra file is ever left cut off.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { mountTmpfs, NO_TMPFS } from "../common/fs-faults.js";
import { explain, NO_BUNDLED, runCli, tempDir } from "./helpers.js";

const QUICK = ["debug=fdr", "extras.print_config=false", "data.source=bundled"];

test("a full disk while writing .hydra: ENOSPC naming the file and hydra.run.dir; no file cut off", {
  skip: NO_TMPFS ?? false,
}, async () => {
  const fs = mountTmpfs("8k");
  try {
    const runDir = join(fs.dir, "run");
    const r = await runCli(["train", ...QUICK, `hydra.run.dir=${runDir}`]);
    assert.equal(r.code, 1, explain(r));
    assert.match(
      r.stderr,
      new RegExp(
        `cannot write '${runDir}/\\.hydra/(config|hydra|overrides)\\.yaml' \\(the place comes from hydra\\.run\\.dir and hydra\\.output_subdir\\): the disk is full \\(ENOSPC\\)`,
      ),
    );
    const hydraDir = join(runDir, ".hydra");
    for (const name of existsSync(hydraDir) ? readdirSync(hydraDir) : []) {
      assert.doesNotMatch(name, /\.tmp-/, "no temporary file is left");
      const text = readFileSync(join(hydraDir, name), "utf8");
      assert.ok(text.endsWith("\n"), `${name} is complete`);
      assert.doesNotThrow(() => parse(text), `${name} parses`);
    }
  } finally {
    fs.dispose();
  }
});

test("a read-only log folder is EROFS in words (not ENOENT), with the setting to change", {
  skip: NO_TMPFS ?? false,
}, async () => {
  const fs = mountTmpfs("64k");
  try {
    fs.readOnly();
    const r = await runCli(["train", ...QUICK, `paths.log_dir=${join(fs.dir, "logs")}`]);
    assert.equal(r.code, 1, explain(r));
    assert.match(
      r.stderr,
      new RegExp(
        `cannot create folder '${join(fs.dir, "logs")}' \\(the place comes from hydra\\.run\\.dir\\): the file system is read-only \\(EROFS\\)\\. Fix: set hydra\\.run\\.dir to a folder on a writable disk\\.`,
      ),
    );
    assert.doesNotMatch(r.stderr, /ENOENT/);
  } finally {
    fs.dispose();
  }
});

test("hydra.run.dir that is an existing file: EEXIST in words", async () => {
  const file = join(tempDir("kiln-app-eexist-"), "run");
  writeFileSync(file, "x");
  const r = await runCli(["train", ...QUICK, `hydra.run.dir=${file}`]);
  assert.equal(r.code, 1, explain(r));
  assert.match(
    r.stderr,
    new RegExp(
      `cannot create folder '${file}' \\(the place comes from hydra\\.run\\.dir\\): a file already exists where a folder is needed \\(EEXIST\\)`,
    ),
  );
});

test("logger.mlflow.tracking_uri naming a regular file: ENOTDIR with the key", {
  skip: NO_BUNDLED ?? false,
}, async () => {
  const dir = tempDir("kiln-app-enotdir-");
  const file = join(dir, "store");
  writeFileSync(file, "x");
  const r = await runCli([
    "train",
    "logger=mlflow",
    `logger.mlflow.tracking_uri=${file}`,
    "trainer.max_epochs=1",
    "+trainer.limit_train_batches=1",
    "+trainer.limit_val_batches=1",
    "+trainer.limit_test_batches=1",
    "extras.print_config=false",
    "data.source=bundled",
    `paths.log_dir=${join(dir, "logs")}`,
  ]);
  assert.equal(r.code, 1, explain(r));
  assert.match(
    r.stderr,
    new RegExp(
      `cannot create folder '${file}/\\.trash' \\(the place comes from logger\\.mlflow\\.tracking_uri\\): '${file}' is a file, not a folder \\(ENOTDIR\\)`,
    ),
  );
});

test("checkpoints on a full disk: ENOSPC naming the file and callbacks.model_checkpoint.dirpath", {
  skip: NO_TMPFS ?? NO_BUNDLED ?? false,
}, async () => {
  const fs = mountTmpfs("64k"); // a checkpoint of the template's model is ~0.8 MB
  try {
    const r = await runCli([
      "train",
      "trainer.max_epochs=1",
      "+trainer.limit_train_batches=1",
      "+trainer.limit_val_batches=1",
      "extras.print_config=false",
      "data.source=bundled",
      `callbacks.model_checkpoint.dirpath=${fs.dir}`,
      `paths.log_dir=${tempDir("kiln-app-ckpt-full-")}`,
    ]);
    assert.equal(r.code, 1, explain(r));
    assert.match(
      r.stderr,
      new RegExp(
        `cannot save checkpoint '${fs.dir}/[^']+\\.ckpt' \\(the place comes from callbacks\\.model_checkpoint\\.dirpath\\): the disk is full \\(ENOSPC\\)`,
      ),
    );
    assert.deepEqual(
      readdirSync(fs.dir).filter((n) => n.includes(".tmp-")),
      [],
      "the temporary file is removed",
    );
  } finally {
    fs.dispose();
  }
});
