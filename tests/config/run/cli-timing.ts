// A tiny Hydra-style app over the test configs, for timing `--help` and `--cfg job` through tsx:
//   time node --import tsx tests/config/run/cli-timing.ts --help
// On stderr it prints whether any libtorch / addon module was loaded, and the time spent importing the
// config layer and running the command (tsx's own start-up, ~0.9 s here, is not part of either).
import { createRequire } from "node:module";
import { join } from "node:path";

const t0 = performance.now();
const { runHydraApp } = await import("../../../src/config/index.js");
const t1 = performance.now();
const configDir =
  process.env.KILN_TIMING_CONFIG_DIR ?? join(import.meta.dirname, "..", "compose", "configs", "app");
const configName = process.env.KILN_TIMING_CONFIG_NAME ?? "config";
const result = await runHydraApp(process.argv.slice(2), () => 0, { configDir, configName, appName: "train" });
const t2 = performance.now();
const require = createRequire(import.meta.url);
const loaded = Object.keys(require.cache).some((p) => p.endsWith(".node") || p.includes("libtorch"));
process.stderr.write(`loaded native: ${loaded}\n`);
process.stderr.write(`import: ${(t1 - t0).toFixed(0)} ms, command: ${(t2 - t1).toFixed(0)} ms\n`);
process.exitCode = result.exitCode;
