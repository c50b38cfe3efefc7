// The installed `kiln` command (bin/kiln.js, the esbuild bundle) with a user's model and callback that import
// "kiln": the bundle and the package API share their classes, so the Trainer accepts them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { NO_BUNDLED, ROOT, tempDir } from "./helpers.js";

const BUNDLE = join(ROOT, "dist", "bundle", "cli.js");
const SKIP = !existsSync(BUNDLE) ? "dist/bundle is not built (npm run build)" : NO_BUNDLED;

test('bin/kiln.js trains a user\'s file: model and callback that extend the classes of "kiln"', {
  skip: SKIP ?? false,
}, () => {
  const classes = join(ROOT, "tests", "fixtures", "app", "user-classes.mjs");
  const dir = tempDir();
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, "bin", "kiln.js"), "train", "debug=fdr", "data.source=bundled", `hydra.run.dir=${dir}`,
      `paths.data_dir=${join(dir, "data")}`, `model._target_="file:${classes}#UserModel"`,
      `+callbacks.user._target_="file:${classes}#UserCallback"`,
    ], // biome-ignore format: an argv
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, KILN_NUM_THREADS: "1", NO_COLOR: "1" } },
  );
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, out.slice(-3000));
  assert.match(r.stdout, /USER MODEL: train start/);
  assert.match(r.stdout, /USER CALLBACK: train end/);
});
