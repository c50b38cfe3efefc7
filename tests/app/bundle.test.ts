// The installed `kiln` command (bin/kiln.js, the esbuild bundle) with a user's model and callback that import
// "kiln": the bundle and the package API share their classes, so the Trainer accepts them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
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

/** A user's project as the README describes it: "type": "module", kiln installed, a .ts model and its config. */
function readmeProject(): string {
  const dir = tempDir("kiln-readme-");
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, "configs", "model"), { recursive: true });
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "kiln"));
  writeFileSync(join(dir, "package.json"), '{ "name": "my-project", "type": "module", "private": true }\n');
  writeFileSync(
    join(dir, "src", "my_model.ts"),
    [
      'import { MNISTLitModule } from "kiln";',
      'import { banner } from "./banner.js";',
      "",
      "export class MyModel extends MNISTLitModule {",
      "  override onTrainStart(): void {",
      '    const line: string = banner("train start");',
      "    console.log(line);",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "src", "banner.ts"),
    'export const banner = (what: string): string => "MY TS MODEL: " + what;\n',
  );
  const mnist = readFileSync(join(ROOT, "configs", "model", "mnist.yaml"), "utf8");
  writeFileSync(
    join(dir, "configs", "model", "my_model.yaml"),
    mnist.replace("_target_: kiln.models.MNISTLitModule", '_target_: "file:./src/my_model.ts#MyModel"'),
  );
  return dir;
}

test("the README's example: a model in a .ts file, named by _target_ in the user's config, trains with kiln train", {
  skip: SKIP ?? false,
}, () => {
  const dir = readmeProject();
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, "bin", "kiln.js"), "train", "-cd", "configs", "model=my_model", "debug=fdr", "data.source=bundled",
      `hydra.run.dir=${join(dir, "run")}`, "extras.print_config=false",
    ], // biome-ignore format: an argv
    { cwd: dir, encoding: "utf8", env: { ...process.env, KILN_NUM_THREADS: "1", NO_COLOR: "1" } },
  );
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, out.slice(-3000));
  assert.match(r.stdout, /MY TS MODEL: train start/);
});
