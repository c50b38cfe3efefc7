// The installed `kiln` command (bin/kiln.js, the esbuild bundle): a user's model and callback that import "kiln"
// extend the classes the bundled Trainer checks; class names survive bundling, so a checkpoint written by the CLI
// has the keys of one written through the API.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { compose, trainMain } from "../../src/index.js";
import { load } from "../../src/torch/serialization/index.js";
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

/** A checkpoint's structure: its keys, nested, in order (run folders replaced by <run>); leaves as their type. */
function keyTree(value: unknown, runDir: string): unknown {
  if (Array.isArray(value)) return value.map((v) => keyTree(v, runDir));
  const entries =
    value instanceof Map
      ? [...value.entries()]
      : value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype
        ? Object.entries(value)
        : null;
  if (entries === null) return typeof value;
  return entries.map(([k, v]) => [String(k).replaceAll(runDir, "<run>"), keyTree(v, runDir)]);
}

test("a checkpoint written by the bundled CLI has the keys of one written through the API", {
  skip: SKIP ?? false,
}, async () => {
  const dir = tempDir();
  const overrides = [
    "trainer.max_epochs=1", "+trainer.limit_train_batches=2", "+trainer.limit_val_batches=1", "test=false",
    "data.source=bundled", "logger=mlflow", "extras.print_config=false", `paths.log_dir=${join(dir, "logs")}`,
    `paths.data_dir=${join(dir, "data")}`,
  ]; // biome-ignore format: an argv
  const cliDir = join(dir, "cli");
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "bin", "kiln.js"), "train", ...overrides, `hydra.run.dir=${cliDir}`],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, KILN_NUM_THREADS: "1", NO_COLOR: "1" } },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-3000));
  const apiDir = join(dir, "api");
  const cfg = compose({
    configDir: join(ROOT, "configs"),
    configName: "train",
    overrides: [...overrides, `paths.output_dir=${apiDir}`],
  });
  await trainMain(cfg);
  const fromCli = load(join(cliDir, "checkpoints", "last.ckpt"), { raw: true });
  const fromApi = load(join(apiDir, "checkpoints", "last.ckpt"), { raw: true });
  const cliTree = keyTree(fromCli, cliDir);
  assert.deepEqual(cliTree, keyTree(fromApi, apiDir));
  // The class names in keys came through the bundle unchanged.
  const flat = JSON.stringify(cliTree);
  for (const name of ["ModelCheckpoint{", "EarlyStopping{", "0:MLFlowLogger"])
    assert.ok(flat.includes(name), name);
});

test("every class the bundled package exports keeps its own name", { skip: SKIP ?? false }, async () => {
  const bundle = (await import(join(ROOT, "dist", "bundle", "index.js"))) as Record<string, unknown>;
  const renamed: string[] = [];
  const visit = (mod: Record<string, unknown>, where: string, depth: number) => {
    for (const [key, value] of Object.entries(mod)) {
      const isClass =
        typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
      // Exported under its own name (tables keyed by target names, such as "kiln.loggers.MLFlowLogger", aside).
      if (isClass && /^[A-Za-z_$][\w$]*$/.test(key)) {
        if (value.name !== key) renamed.push(`${where}${key} is named ${value.name}`);
      } else if (depth < 2 && value !== null && typeof value === "object" && !Array.isArray(value)) {
        visit(value as Record<string, unknown>, `${where}${key}.`, depth + 1);
      }
    }
  };
  visit(bundle, "", 0);
  assert.deepEqual(renamed, []);
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
      'import { MNISTLitModule } from "kiln/template";',
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
