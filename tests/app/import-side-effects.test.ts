// Importing Kiln changes nothing: no environment variable (PROJECT_ROOT, a .env file's), no process listener,
// no global, no registered `_target_` or alias. The CLI and trainMain do the template's set-up themselves.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "./helpers.js";

/** Imports `entries` in a fresh process (cwd: a project root whose .env sets a variable); returns what changed. */
function importChanges(entries: string[], useTsx: boolean): Record<string, unknown> {
  const project = mkdtempSync(join(tmpdir(), "kiln-import-"));
  writeFileSync(join(project, ".project-root"), "");
  writeFileSync(join(project, ".env"), "KILN_IMPORT_PROBE=from-dotenv\n");
  const registry = join(ROOT, useTsx ? "src/config/index.ts" : "dist/bundle/index.js");
  const script = `
    const events = ["SIGINT", "SIGTERM", "exit", "beforeExit", "uncaughtException", "unhandledRejection"];
    const env = { ...process.env };
    const listeners = Object.fromEntries(events.map((e) => [e, process.listenerCount(e)]));
    const globals = new Set(Object.getOwnPropertyNames(globalThis));
    const mods = [];
    for (const entry of ${JSON.stringify(entries)}) mods.push(await import(entry));
    const config = ${useTsx ? `await import(${JSON.stringify(registry)})` : "mods[0].config"};
    const changedEnv = Object.keys({ ...env, ...process.env }).filter((k) => env[k] !== process.env[k]);
    console.log(JSON.stringify({
      env: changedEnv,
      listeners: events.filter((e) => process.listenerCount(e) !== listeners[e]),
      globals: Object.getOwnPropertyNames(globalThis).filter((g) => !globals.has(g)),
      targets: config.listTargets().map((t) => t.name),
      aliases: config.listAliases().map(([a]) => a),
    }));`;
  const args = [
    ...(useTsx ? ["--import", import.meta.resolve("tsx")] : []),
    "--input-type=module",
    "-e",
    script,
  ];
  const env = { ...process.env };
  delete env.PROJECT_ROOT;
  delete env.KILN_IMPORT_PROBE;
  const r = spawnSync(process.execPath, args, { cwd: project, encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

const NOTHING = { env: [], listeners: [], globals: [], targets: [], aliases: [] };

test("importing kiln and kiln/template (the sources) has no side effects", () => {
  const entries = ["src/index.ts", "src/template.ts"].map((f) => join(ROOT, f));
  assert.deepEqual(importChanges(entries, true), NOTHING);
});

test("importing the bundled kiln and kiln/template has no side effects", {
  skip: existsSync(join(ROOT, "dist/bundle/template.js"))
    ? false
    : "dist/bundle is not built (npm run build)",
}, () => {
  const entries = ["dist/bundle/index.js", "dist/bundle/template.js"].map((f) => join(ROOT, f));
  assert.deepEqual(importChanges(entries, false), NOTHING);
});
