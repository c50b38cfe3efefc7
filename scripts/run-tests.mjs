#!/usr/bin/env node
// Runs the test suite with Node's own test runner on the TypeScript sources (through tsx).
// Node 20's `--test` does not expand globs, so the files are collected here.
// Usage: npm test [-- path-or-folder ...]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

function collect(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      if (name === "fixtures" || name === "node_modules") continue;
      collect(join(path, name), out);
    }
  } else if (/\.test\.ts$/.test(path)) {
    out.push(path);
  }
  return out;
}

const targets = process.argv.slice(2);
const files = (targets.length > 0 ? targets : ["tests"]).flatMap((t) => collect(resolve(root, t), []));
if (files.length === 0) {
  console.error("no test files found under", targets.join(" ") || "tests/");
  process.exit(1);
}
const env = {
  ...process.env,
  // libtorch on a shared 2-core machine: more threads than one oversubscribe (docs/ARCHITECTURE.md, "Facts").
  KILN_NUM_THREADS: process.env.KILN_NUM_THREADS ?? "1",
  OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? "1",
};
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${process.env.KILN_TEST_CONCURRENCY ?? "2"}`, ...files],
  { stdio: "inherit", env, cwd: root },
);
process.exit(r.status ?? 1);
