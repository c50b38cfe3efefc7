#!/usr/bin/env node
// Finds or fetches libtorch for the native addon and points the repo's ignored `.libtorch` link at it
// (README.md, "How libtorch is found"). Sources, in order: LIBTORCH=/path, LIBTORCH_USE_PYTORCH=1, the cache, the official archive,
// a torch wheel through the configured pip index. Usage: node scripts/fetch-libtorch.mjs [--print] [--link PATH]
import { existsSync, lstatSync, mkdirSync, readlinkSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { cacheBase, isLibtorchRoot, MARKER, readCacheEntry } from "./libtorch-fetch/cache.mjs";
import {
  detectVersion,
  fromArchive,
  fromEnvPath,
  fromPipWheel,
  fromPythonTorch,
  selectedVariant,
  selectedVersion,
} from "./libtorch-fetch/sources.mjs";

const repo = resolve(import.meta.dirname, "..");
// --link PATH makes the link elsewhere (e.g. a second, CUDA build next to the main one).
const linkArg = process.argv.indexOf("--link");
const link =
  linkArg > 0 && process.argv[linkArg + 1] ? resolve(process.argv[linkArg + 1]) : join(repo, ".libtorch");

/** Resolves libtorch through every source in order; throws one message listing each failure. */
async function resolveLibtorch(env) {
  const variant = selectedVariant(env);
  const version = selectedVersion(variant, env);
  const cacheDir = join(cacheBase(env), `${version}-${variant}`);
  const failures = [];
  const explicit = [
    ["LIBTORCH", () => fromEnvPath(env)],
    ["LIBTORCH_USE_PYTORCH", () => fromPythonTorch(env)],
  ];
  for (const [name, source] of explicit) {
    if (name === "LIBTORCH" && !env.LIBTORCH) continue;
    if (name === "LIBTORCH_USE_PYTORCH" && env.LIBTORCH_USE_PYTORCH !== "1") continue;
    try {
      const found = source();
      return { ...found, version: detectVersion(found.root), variant: variantOf(found.root) };
    } catch (e) {
      failures.push([name, e.message]);
    }
  }
  const cached = readCacheEntry(cacheDir);
  if (cached) return { ...cached, cached: true };
  const fetchers = [
    ["official archive", () => fromArchive({ version, variant, cacheDir, env })],
    ["pip wheel", () => fromPipWheel({ version, variant, cacheDir, env })],
  ];
  for (const [name, fetcher] of fetchers) {
    const t0 = performance.now();
    try {
      const entry = await fetcher();
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      for (const [n, why] of failures) console.error(`fetch-libtorch: ${n} not used: ${why}`);
      console.error(`fetch-libtorch: fetched libtorch ${version}-${variant} from ${name} in ${secs} s`);
      return entry;
    } catch (e) {
      failures.push([name, e.message]);
    }
  }
  throw new Error(failureMessage(version, variant, cacheDir, failures));
}

function variantOf(root) {
  return existsSync(join(root, "lib/libtorch_cuda.so")) ? "cuda" : "cpu";
}

function failureMessage(version, variant, cacheDir, failures) {
  return [
    `could not find or fetch libtorch ${version} (${variant}). Tried, in order:`,
    ...failures.map(([name, why], i) => `  ${i + 1}. ${name}: ${why}`),
    `  (cache: ${cacheDir} is empty)`,
    "Fix it with one of:",
    "  LIBTORCH=/path/to/libtorch          an unpacked libtorch (lib/, include/, share/)",
    "  LIBTORCH_USE_PYTORCH=1              use the libtorch inside the Python torch that python3 imports",
    "  a pip index or --find-links folder holding torch==" + version + " (pip config), then rerun",
    "  KILN_LIBTORCH_URL=<zip url>         another mirror of the official archive",
    "  KILN_CUDA=cu130                     pick a CUDA variant (unset = cpu)",
  ].join("\n");
}

/** Points `.libtorch` at `root` unless it already does. */
function pointLink(root) {
  const target = realpathSync(root);
  mkdirSync(dirname(link), { recursive: true });
  let current = null;
  try {
    if (lstatSync(link).isSymbolicLink()) current = readlinkSync(link);
    else throw new Error(`${link} exists and is not a symlink: remove it`);
  } catch (e) {
    if (e.code !== "ENOENT") throw e;
  }
  if (current === target) return;
  if (current !== null) rmSync(link);
  symlinkSync(target, link);
}

/** Describes the libtorch the build uses: KILN_LIBTORCH_DIR or the `.libtorch` link. */
function describeInUse(env) {
  const dir = env.KILN_LIBTORCH_DIR || link;
  const why = isLibtorchRoot(dir);
  if (why)
    return { ok: false, text: `no libtorch in use: ${dir} ${why}; run node scripts/fetch-libtorch.mjs` };
  const real = realpathSync(dir);
  const entry = readCacheEntry(resolve(real, "..")) ?? {};
  const via = env.KILN_LIBTORCH_DIR ? "KILN_LIBTORCH_DIR" : ".libtorch";
  const lines = [
    `libtorch ${entry.version ?? detectVersion(real)} (${variantOf(real)}) at ${real}`,
    `  selected by: ${via}`,
    `  source: ${entry.source ? `${entry.source} (${entry.detail})` : "outside the kiln cache"}`,
  ];
  if (entry.fetchedAt)
    lines.push(`  fetched: ${entry.fetchedAt} (marker ${join(resolve(real, ".."), MARKER)})`);
  return { ok: true, text: lines.join("\n") };
}

async function main() {
  const env = process.env;
  if (process.argv.includes("--print")) {
    const { ok, text } = describeInUse(env);
    console.log(text);
    process.exit(ok ? 0 : 1);
  }
  if (env.KILN_LIBTORCH_DIR) {
    // The build reads KILN_LIBTORCH_DIR before .libtorch: nothing to fetch, only check it.
    const { ok, text } = describeInUse(env);
    console.error(`fetch-libtorch: ${text}`);
    process.exit(ok ? 0 : 1);
  }
  const found = await resolveLibtorch(env);
  pointLink(found.root);
  const how = found.cached ? "cached" : found.source;
  console.error(`fetch-libtorch: libtorch ${found.version} (${found.variant}) from ${how}: ${found.root}`);
}

main().catch((e) => {
  console.error(`fetch-libtorch: ${e.message}`);
  process.exit(1);
});
