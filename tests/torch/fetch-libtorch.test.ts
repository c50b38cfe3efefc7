// scripts/fetch-libtorch.mjs: source order, cache reuse, the link, --print, and the failure report.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";

const script = resolve(import.meta.dirname, "../../scripts/fetch-libtorch.mjs");
const work = mkdtempSync(join(tmpdir(), "kiln-fetch-"));
after(() => rmSync(work, { recursive: true, force: true }));

function fetchLibtorch(args: string[], env: Record<string, string>) {
  const clean = { ...process.env };
  for (const k of [
    "LIBTORCH",
    "LIBTORCH_USE_PYTORCH",
    "KILN_CUDA",
    "KILN_LIBTORCH_DIR",
    "KILN_TORCH_VERSION",
  ]) {
    delete clean[k];
  }
  return spawnSync(process.execPath, [script, ...args], { encoding: "utf8", env: { ...clean, ...env } });
}

// A stand-in libtorch: the files the script checks for (it never loads them).
function fakeLibtorch(root: string): void {
  for (const dir of ["lib", "include/ATen"]) mkdirSync(join(root, dir), { recursive: true });
  for (const f of ["lib/libtorch.so", "lib/libtorch_cpu.so", "lib/libc10.so", "include/ATen/ATen.h"]) {
    writeFileSync(join(root, f), "");
  }
}

test("when every source fails, one message lists each with its reason and what to set", () => {
  const r = fetchLibtorch(["--link", join(work, "none")], {
    LIBTORCH: "/nonexistent/libtorch",
    LIBTORCH_USE_PYTORCH: "1",
    PYTHON: "/bin/false",
    KILN_LIBTORCH_URL: "http://127.0.0.1:9/libtorch.zip",
    XDG_CACHE_HOME: join(work, "empty-cache"),
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /could not find or fetch libtorch 2\.13\.0 \(cpu\)/);
  assert.match(r.stderr, /1\. LIBTORCH: LIBTORCH=\/nonexistent\/libtorch: does not exist/);
  assert.match(r.stderr, /2\. LIBTORCH_USE_PYTORCH: \/bin\/false -c 'import torch' failed/);
  assert.match(r.stderr, /3\. official archive: http:\/\/127\.0\.0\.1:9\/libtorch\.zip: fetch failed/);
  assert.match(r.stderr, /4\. pip wheel: pip download torch==2\.13\.0/);
  assert.match(r.stderr, /LIBTORCH=\/path\/to\/libtorch/);
});

test("LIBTORCH wins and the link points at it; --print describes it", () => {
  const root = join(work, "given");
  fakeLibtorch(root);
  const link = join(work, "link-given");
  const r = fetchLibtorch(["--link", link], { LIBTORCH: root, XDG_CACHE_HOME: join(work, "empty-cache") });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readlinkSync(link), realpathSync(root));
  const p = fetchLibtorch(["--print"], { KILN_LIBTORCH_DIR: link });
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, new RegExp(`at ${realpathSync(root)}`));
  assert.match(p.stdout, /selected by: KILN_LIBTORCH_DIR/);
});

test("a complete cache entry is reused without fetching", () => {
  const cache = join(work, "cache");
  const entry = join(cache, "kiln", "libtorch", "2.13.0-cpu");
  fakeLibtorch(join(entry, "torch"));
  const marker = {
    root: "torch",
    source: "pip-wheel",
    detail: "test.whl",
    version: "2.13.0",
    variant: "cpu",
  };
  writeFileSync(join(entry, "kiln-libtorch.json"), JSON.stringify(marker));
  const link = join(work, "link-cached");
  // No source could work: only the cache can satisfy this run.
  const r = fetchLibtorch(["--link", link], { XDG_CACHE_HOME: cache, PYTHON: "/bin/false" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /from cached/);
  assert.equal(readlinkSync(link), realpathSync(join(entry, "torch")));
  const p = fetchLibtorch(["--print"], { KILN_LIBTORCH_DIR: link });
  assert.match(p.stdout, /source: pip-wheel \(test\.whl\)/);
});

test("a bad KILN_CUDA is refused with the expected form", () => {
  const r = fetchLibtorch(["--link", join(work, "cuda")], { KILN_CUDA: "cuda13" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /KILN_CUDA=cuda13 is not a CUDA variant like cu130/);
});
