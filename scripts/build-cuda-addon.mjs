#!/usr/bin/env node
// Builds the addon a second time against a CUDA libtorch (KILN_CUDA, default cu130: the torch 2.14.1 wheel and
// its nvidia_* wheels from the pip mirror) into build/cuda/, then loads it and reports what CUDA says. Outside
// CI: it proves that the same sources link libtorch_cuda (inside --no-as-needed) and load without a GPU.
// Usage: node scripts/build-cuda-addon.mjs
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "..");
const out = join(repo, "build", "cuda");
// Beside the output folder, not in it: cmake-js deletes the output folder when a build fails ("full rebuild").
const link = join(repo, "build", "cuda-libtorch");
const env = { ...process.env, KILN_CUDA: process.env.KILN_CUDA || "cu130" };
delete env.KILN_LIBTORCH_DIR;

function run(what, cmd, args, extraEnv = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: repo, stdio: "inherit", env: { ...env, ...extraEnv } });
  if (r.status !== 0) {
    console.error(`build-cuda-addon: ${what} failed (exit ${r.status})`);
    process.exit(1);
  }
  console.error(`build-cuda-addon: ${what} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

run("fetch", process.execPath, [join(repo, "scripts/fetch-libtorch.mjs"), "--link", link]);
// cmake-js from node_modules with this node (no npx: the GPU machine gets node and node_modules only).
const cmakeJs = createRequire(import.meta.url).resolve("cmake-js/bin/cmake-js");
run("compile", process.execPath, [cmakeJs, "compile", "--out", out], { KILN_LIBTORCH_DIR: link });

const addon = createRequire(import.meta.url)(join(out, "Release", "kiln_native.node"));
addon.init(Error);
const info = addon.buildInfo();
const available = addon.cudaIsAvailable();
let moved = "not tried";
try {
  addon.to(addon.ones([2]), undefined, "cuda");
  moved = "ok";
} catch (e) {
  moved = `throws: ${e.message}`;
}
console.log(
  JSON.stringify({
    torchVersion: info.torchVersion,
    cudaBuild: info.cuda,
    isAvailable: available,
    toCuda: moved,
  }),
);
