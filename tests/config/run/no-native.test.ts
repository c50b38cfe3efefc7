// The config layer must never load libtorch: no module under src/config statically imports src/torch,
// native/ or a .node addon (lazy `import()` of targets is allowed), and a `--cfg job` run loads none,
// so `--help`, `--cfg` and `--info` start fast (docs/ARCHITECTURE.md, "Layers").
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "..", "..", "..", "src", "config");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

test("src/config statically imports nothing from src/torch, native/ or .node addons", () => {
  const offenders: string[] = [];
  for (const f of files(root)) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/(?:from\s+|^import\s+|require\s*\(\s*)["']([^"']+)["']/gm)) {
      const spec = m[1];
      if (/(^|\/)torch(\/|\.js$)|(^|\/)native(\/|$)|\.node$|bindings/.test(spec))
        offenders.push(`${f}: ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test("--cfg job through the config layer loads no native module", () => {
  const script = join(import.meta.dirname, "cli-timing.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", script, "--cfg", "job"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^model:\n {2}hidden: 8\n/);
  assert.match(r.stderr, /loaded native: false/);
});
