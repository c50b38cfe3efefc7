// The unclear messages of issue case 9, each now saying what is wrong, where it was set (the override or
// variable, not a config file line) and how to fix it. KILN_NUM_THREADS=abc: tests/torch/thread-limits.test.ts;
// labels out of range: tests/data/data-folder.test.ts.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { explain, runCli, tempDir } from "./helpers.js";

/** `kiln train` on the bundled digits, stopped by an error before training. */
async function failing(...overrides: string[]) {
  const dir = tempDir("kiln-app-msg-");
  const r = await runCli([
    "train",
    "debug=fdr",
    "data.source=bundled",
    "extras.print_config=false",
    `hydra.run.dir=${join(dir, "run")}`,
    ...overrides,
  ]);
  assert.equal(r.code, 1, explain(r));
  return { stderr: r.stderr, dir };
}

test("seed=abc: not an integer, pointing at the override", async () => {
  const { stderr } = await failing("seed=abc");
  assert.match(
    stderr,
    /seed=abc is not an integer: set seed to a whole number from 0 to 4294967295, or seed=null not to seed\n {2}full_key: seed\n {2}from override 'seed=abc'/,
  );
  assert.doesNotMatch(stderr, /NaN/);
});

test("trainer.max_epochs=abc: the option and the override, not the trainer's config line", async () => {
  const { stderr } = await failing("trainer.max_epochs=abc");
  assert.match(
    stderr,
    /OptionValueError: Trainer\(max_epochs=abc\): expected a number, got the string 'abc'\n {2}full_key: trainer\.max_epochs\n {2}from override 'trainer\.max_epochs=abc'/,
  );
  assert.doesNotMatch(stderr, /\.yaml:\d+/);
});

test("an unquoted file: target with '#': Hydra's error and a hint to quote it", async () => {
  const r = await runCli(["train", "model.net._target_=file:./x.mjs#Net", "--cfg", "job"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /token recognition error at: '#'\n/);
  assert.match(
    r.stderr,
    /Hint: a value holding '#' must be quoted: model\.net\._target_='file:\.\/x\.mjs#Net' \(on a shell command line, quote the whole override too: "model\.net\._target_='file:\.\/x\.mjs#Net'"\)/,
  );
});

test("a syntax error in a user's .mjs module: the file, the line and a caret", async () => {
  const dir = tempDir("kiln-app-syntax-");
  const file = join(dir, "net.mjs");
  writeFileSync(file, "export class Net {\n  constructor() {\n    this.x = ;\n  }\n}\n");
  const { stderr } = await failing(`model.net._target_="file:${file}#Net"`);
  assert.match(
    stderr,
    new RegExp(`SyntaxError: Unexpected token ';'\\n {2}at ${file}:3:14\\n {8}this\\.x = ;\\n {17}\\^`),
  );
  assert.match(stderr, /from override 'model\.net\._target_=/);
});

test("model.net naming a class that is not a Module: said at model.net, before any optimizer", async () => {
  const dir = tempDir("kiln-app-notnet-");
  const file = join(dir, "net.mjs");
  writeFileSync(file, "export class Net {\n  constructor(options) {\n    this.options = options;\n  }\n}\n");
  const { stderr } = await failing(`model.net._target_="file:${file}#Net"`);
  assert.match(stderr, /MNISTLitModule: net must be a torch nn\.Module .*got a Net \(not a Module\)/);
  assert.match(stderr, /full_key: model\.net\n {2}from override 'model\.net\._target_=/);
  assert.doesNotMatch(stderr, /empty parameter list/);
});
