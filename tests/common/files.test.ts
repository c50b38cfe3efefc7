// The shared atomic writer and its explained file-system errors (src/common/files.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import {
  FileSystemError,
  makeDirs,
  removeStaleTemporaries,
  resetSweptFolders,
  writeAtomic,
  writeFileAtomic,
} from "../../src/common/files.js";
import { FILE_MODES_PREFIX, mountTmpfs, NO_FILE_MODES, NO_TMPFS } from "./fs-faults.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const fresh = () => mkdtempSync(join(tmpdir(), "kiln-files-"));

/** A pid that no process has: a child that already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(r.stdout);
}

test("writeFileAtomic replaces the file whole; a failing writer leaves the old one and no temporary", () => {
  const dir = fresh();
  const file = join(dir, "sub", "a.yaml");
  writeFileAtomic(file, "one\n");
  writeFileAtomic(file, "two\n");
  assert.equal(readFileSync(file, "utf8"), "two\n");
  assert.throws(
    () =>
      writeAtomic(file, () => {
        throw new TypeError("not serializable");
      }),
    /not serializable/, // a non-system error passes through unchanged
  );
  assert.equal(readFileSync(file, "utf8"), "two\n");
  assert.deepEqual(readdirSync(join(dir, "sub")), ["a.yaml"]);
});

test("temporary files of dead processes go at the next write into the folder; a live writer's stay", () => {
  resetSweptFolders();
  const dir = fresh();
  const dead = `last.ckpt.tmp-${deadPid()}-0badf00d`;
  const live = `last.ckpt.tmp-${process.ppid}-abcdef01`; // the test runner: alive
  const other = "notes.tmp-12-zz"; // not our naming: never touched
  for (const name of [dead, live, other]) writeFileSync(join(dir, name), "partial");
  writeFileAtomic(join(dir, "last.ckpt"), "complete");
  assert.deepEqual(readdirSync(dir).sort(), ["last.ckpt", live, other].sort());
  assert.deepEqual(removeStaleTemporaries(dir), [], "a folder is swept once per process");
});

test("makeDirs: a file in the way is EEXIST or ENOTDIR in words, with the setting that chose the place", () => {
  const dir = fresh();
  const file = join(dir, "taken");
  writeFileSync(file, "x");
  assert.throws(
    () => makeDirs(file, "hydra.run.dir"),
    (e: unknown) =>
      e instanceof FileSystemError &&
      e.code === "EEXIST" &&
      e.message.startsWith(`cannot create folder '${file}' (the place comes from hydra.run.dir): `) &&
      /a file already exists where a folder is needed \(EEXIST\)\. Fix: remove or rename it, or set hydra\.run\.dir to another folder\./.test(
        e.message,
      ),
  );
  assert.throws(
    () => makeDirs(join(file, "mlruns", ".trash"), "logger.mlflow.tracking_uri"),
    (e: unknown) =>
      e instanceof FileSystemError &&
      e.code === "ENOTDIR" &&
      e.message.includes(`'${join(file, "mlruns", ".trash")}'`) &&
      e.message.includes(`'${file}' is a file, not a folder (ENOTDIR)`) &&
      e.message.includes("set logger.mlflow.tracking_uri to another folder"),
  );
});

test("a full disk: ENOSPC named with the file, the target untouched, no temporary left", {
  skip: NO_TMPFS ?? false,
}, () => {
  const fs = mountTmpfs("8k");
  try {
    const file = join(fs.dir, "hydra.yaml");
    writeFileAtomic(file, "small: 1\n");
    assert.throws(
      () => writeFileAtomic(file, "x".repeat(64 * 1024), { place: "hydra.run.dir" }),
      (e: unknown) =>
        e instanceof FileSystemError &&
        e.code === "ENOSPC" &&
        e.message.includes(`cannot write '${file}' (the place comes from hydra.run.dir): the disk is full`),
    );
    assert.equal(readFileSync(file, "utf8"), "small: 1\n");
    assert.deepEqual(readdirSync(fs.dir), ["hydra.yaml"]);
  } finally {
    fs.dispose();
  }
});

test("a read-only file system is EROFS, not Node's misleading ENOENT of a recursive mkdir", {
  skip: NO_TMPFS ?? false,
}, () => {
  const fs = mountTmpfs("64k");
  try {
    fs.readOnly();
    const target = join(fs.dir, "logs", "train", "runs", "now");
    assert.throws(
      () => makeDirs(target, "hydra.run.dir"),
      (e: unknown) =>
        e instanceof FileSystemError &&
        e.code === "EROFS" &&
        e.message.includes(`cannot create folder '${join(fs.dir, "logs")}'`) &&
        e.message.includes("the file system is read-only (EROFS)"),
    );
  } finally {
    fs.dispose();
  }
});

test("a folder this user may not write to is EACCES, naming the folder", {
  skip: NO_FILE_MODES ?? false,
}, () => {
  const dir = fresh();
  const locked = join(dir, "locked");
  mkdirSync(locked);
  chmodSync(locked, 0o555);
  const script = `
    import { makeDirs } from ${JSON.stringify(join(ROOT, "src", "common", "files.ts"))};
    try { makeDirs(${JSON.stringify(join(locked, "run"))}, "paths.log_dir"); console.log("created"); }
    catch (e) { console.log(e.code + "|" + e.message); }`;
  const r = spawnSync(
    FILE_MODES_PREFIX![0] ?? process.execPath,
    [
      ...FILE_MODES_PREFIX!.slice(1),
      ...(FILE_MODES_PREFIX!.length > 0 ? [process.execPath] : []),
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  const [code, message] = r.stdout.trim().split("|");
  assert.equal(code, "EACCES", r.stdout + r.stderr);
  assert.match(message!, new RegExp(`may not write to '${locked}'`));
  assert.match(message!, /set paths\.log_dir to a folder this user owns/);
});
