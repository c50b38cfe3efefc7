// extras(): the tags prompt (driven through an injected TTY-like stream), the non-TTY and multirun errors,
// tags.log and config_tree.log contents, the print order, and ignore_warnings.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { before, test } from "node:test";
import { compose, type DictConfig } from "../../src/config/index.js";
import { extras } from "../../src/utils/extras.js";
import { CONFIG_DIR, ROOT, tempDir } from "./helpers.js";

before(() => {
  process.env.PROJECT_ROOT = ROOT;
});

function composeIn(dir: string, overrides: string[]): DictConfig {
  return compose({
    configDir: CONFIG_DIR,
    configName: "train",
    overrides: [`hydra.run.dir=${dir}`, ...overrides],
  });
}

/** A stdin stand-in that says it is a terminal and answers `answer`. */
function terminal(answer: string): {
  input: PassThrough & { isTTY: boolean };
  output: PassThrough;
  asked: () => string;
} {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = new PassThrough();
  let asked = "";
  output.on("data", (d) => {
    asked += d;
  });
  setImmediate(() => input.end(`${answer}\n`));
  return { input, output, asked: () => asked };
}

const quiet = { write: () => {} };

test("enforce_tags asks on a terminal, splits on commas, and writes tags.log", async () => {
  const dir = tempDir();
  const cfg = composeIn(dir, ["tags=[]", "extras.print_config=false"]);
  const io = terminal(" mnist , simple_dense_net ");
  await extras(cfg, { ...quiet, input: io.input, output: io.output });
  assert.match(io.asked(), /Enter a list of comma separated tags \(dev\): /);
  assert.deepEqual([...cfg.tags], ["mnist", "simple_dense_net"]);
  assert.equal(readFileSync(join(dir, "tags.log"), "utf8"), "['mnist', 'simple_dense_net']\n");
});

test("an empty answer gives the default tag `dev`", async () => {
  const dir = tempDir();
  const cfg = composeIn(dir, ["tags=[]", "extras.print_config=false"]);
  const io = terminal("");
  await extras(cfg, { ...quiet, input: io.input, output: io.output });
  assert.deepEqual([...cfg.tags], ["dev"]);
  assert.equal(readFileSync(join(dir, "tags.log"), "utf8"), "['dev']\n");
});

test("tags in the config: no prompt, tags.log still written", async () => {
  const dir = tempDir();
  const cfg = composeIn(dir, ["tags=[a,b]", "extras.print_config=false"]);
  const input = Object.assign(new PassThrough(), { isTTY: false });
  await extras(cfg, { ...quiet, input });
  assert.equal(readFileSync(join(dir, "tags.log"), "utf8"), "['a', 'b']\n");
});

test("no tags and stdin is not a terminal: a clear error that says how to pass them", async () => {
  const cfg = composeIn(tempDir(), ["tags=[]"]);
  const input = Object.assign(new PassThrough(), { isTTY: false });
  await assert.rejects(extras(cfg, { ...quiet, input }), (e: Error) => {
    assert.match(e.message, /stdin is not a terminal/);
    assert.match(e.message, /`tags=\[dev\]`/);
    assert.match(e.message, /extras\.enforce_tags=false/);
    return true;
  });
});

test("no tags in a multirun: an error even on a terminal", async () => {
  const cfg = composeIn(tempDir(), ["tags=[]", "hydra.mode=MULTIRUN"]);
  const io = terminal("x");
  await assert.rejects(
    extras(cfg, { ...quiet, input: io.input, output: io.output }),
    /Specify tags before launching a multirun!/,
  );
});

test("print_config: the tree in the template's order, plain in config_tree.log, coloured on a terminal", async () => {
  const dir = tempDir();
  const cfg = composeIn(dir, ["logger=csv"]);
  let printed = "";
  await extras(cfg, {
    write: (t) => (printed += t),
    colorOut: true,
    input: Object.assign(new PassThrough(), { isTTY: false }),
  });
  const tree = readFileSync(join(dir, "config_tree.log"), "utf8");
  assert.ok(
    tree.startsWith("CONFIG\n├── data\n│   └── _target_: kiln.data.MNISTDataModule\n"),
    tree.slice(0, 200),
  );
  assert.ok(!tree.includes("\x1b["));
  const fields = [...tree.matchAll(/^(?:├|└)── (\S+)$/gm)].map((m) => m[1]);
  assert.deepEqual(fields, [
    "data", "model", "callbacks", "logger", "trainer", "paths", "extras",
    "task_name", "tags", "train", "test", "ckpt_path", "seed",
  ]); // biome-ignore format: one list
  assert.match(tree, /├── tags\n│ {3}└── \['dev'\]\n/);
  assert.match(tree, /└── seed\n {4}└── None\n$/);
  assert.match(tree, new RegExp(`output_dir: ${dir}`)); // resolved
  assert.ok(printed.includes("\x1b["));
  assert.equal(printed.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), ""), tree);
});

test("no extras config: a warning and nothing else", async () => {
  const dir = tempDir();
  const cfg = composeIn(dir, ["~extras", "tags=[]"]);
  await extras(cfg, quiet);
  assert.ok(!existsSync(join(dir, "tags.log")));
  assert.ok(!existsSync(join(dir, "config_tree.log")));
});

test("ignore_warnings removes Node's warning printer (Kiln's warnings go through it too)", async (t) => {
  const saved = process.listeners("warning");
  const savedNoDeprecation = process.noDeprecation;
  t.after(() => {
    process.removeAllListeners("warning");
    for (const l of saved) process.on("warning", l);
    process.noDeprecation = savedNoDeprecation;
  });
  process.on("warning", () => {});
  assert.ok(process.listenerCount("warning") > 0);
  const cfg = composeIn(tempDir(), [
    "extras.ignore_warnings=true",
    "extras.print_config=false",
    "extras.enforce_tags=false",
  ]);
  await extras(cfg, quiet);
  assert.equal(process.listenerCount("warning"), 0);
  assert.equal(process.noDeprecation, true);
});
