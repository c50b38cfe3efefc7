import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  instantiate,
  instantiateSync,
  isModuleTarget,
  parseModuleTarget,
  resolveTarget,
} from "../../../src/config/instantiate/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, "fixtures", "my_model.ts");
// Relative file targets resolve from the working directory (the repo root when tests run).
const relativeFixture = `./${relative(process.cwd(), fixture)}`;

test("parseModuleTarget reads file:/module: forms", () => {
  assert.ok(isModuleTarget("file:./a.ts#A"));
  assert.ok(isModuleTarget("module:pkg#A"));
  assert.ok(!isModuleTarget("torch.optim.Adam"));
  assert.deepEqual(parseModuleTarget("file:./src/my_model.ts#MyModel"), {
    scheme: "file",
    specifier: "./src/my_model.ts",
    exportPath: ["MyModel"],
  });
  assert.deepEqual(parseModuleTarget("module:my-package/sub#models.Net"), {
    scheme: "module",
    specifier: "my-package/sub",
    exportPath: ["models", "Net"],
  });
  assert.deepEqual(parseModuleTarget("file:/abs/x.js").exportPath, ["default"]);
  assert.throws(() => parseModuleTarget("file:#X"), /has no file path/);
  assert.throws(() => parseModuleTarget("module:pkg#a..b"), /empty export name/);
});

test("file: targets load a user's class, a nested export and the default export", async () => {
  const model = await instantiate<{ options: unknown; constructor: { name: string } }>({
    _target_: `file:${relativeFixture}#MyModel`,
    hidden: 64,
  });
  assert.equal(model.constructor.name, "MyModel");
  assert.deepEqual(model.options, { hidden: 64 });

  const inner = await instantiate<{ constructor: { name: string } }>({
    _target_: `file:${fixture}#models.Inner`,
  });
  assert.equal(inner.constructor.name, "Inner");

  assert.deepEqual(await instantiate({ _target_: `file:${fixture}`, x: 1 }), { thing: { x: 1 } });
  assert.equal((await resolveTarget(`file:${fixture}#MyModel`)).kind, "class");
  // Loaded once, the synchronous path can use it.
  assert.equal(
    instantiateSync<{ constructor: { name: string } }>({ _target_: `file:${relativeFixture}#MyModel` })
      .constructor.name,
    "MyModel",
  );
});

test("module target errors say what is wrong", async () => {
  await assert.rejects(instantiate({ _target_: `file:${fixture}#Missing` }), (err: Error) => {
    assert.match(
      err.message,
      /^Error locating target 'file:.*#Missing':\nError: Module target '.*#Missing': 'Missing' is not exported\. Exports: /,
    );
    assert.match(err.message, /MyModel/);
    return true;
  });
  await assert.rejects(
    instantiate({ _target_: `file:${fixture}#notCallable` }),
    /is a number, not a class or function/,
  );
  await assert.rejects(instantiate({ m: { _target_: "file:./no/such/file.ts#X" } }), (err: Error) => {
    assert.match(err.message, /Cannot load module target 'file:\.\/no\/such\/file\.ts#X' from file:\/\//);
    assert.match(err.message, /full_key: m/);
    return true;
  });
  await assert.rejects(
    instantiate({ _target_: "module:kiln-no-such-package-xyz#X" }),
    /Cannot load module target/,
  );
  assert.throws(
    () => instantiateSync({ _target_: "file:./not/loaded/yet.ts#X" }),
    /loads asynchronously: use 'await instantiate/,
  );
});

test("module: targets resolve installed packages", async () => {
  // `yaml` is a dependency of Kiln, so it resolves from the working directory.
  const doc = await instantiate<{ toString(): string }>({
    _target_: "module:yaml#Document",
    _args_: [{ a: 1 }],
  });
  assert.equal(doc.toString().trim().split("\n")[0], "a: 1");
});

test("a syntax error in a user's module names the file, the line and the column, even in a module it imports", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-syntax-"));
  writeFileSync(join(dir, "net.mjs"), 'import { helper } from "./helper.mjs";\nexport class Net {}\n');
  writeFileSync(join(dir, "helper.mjs"), "export function helper() {\n  return 1 +;\n}\n");
  writeFileSync(join(dir, "open.mjs"), "export class Net { constructor( {\n");
  await assert.rejects(
    instantiate({ net: { _target_: `file:${join(dir, "net.mjs")}#Net` } }),
    (err: Error) => {
      assert.match(
        err.message,
        new RegExp(
          `SyntaxError: Unexpected token '?;'?\\n {2}at ${join(dir, "helper.mjs")}:2:13\\n {4} {2}return 1 \\+;\\n {4} {12}\\^`,
        ),
      );
      assert.match(err.message, /full_key: net/);
      return true;
    },
  );
  await assert.rejects(
    instantiate({ _target_: `file:${join(dir, "open.mjs")}#Net` }),
    new RegExp(`SyntaxError: Unexpected end of input\\n {2}at ${join(dir, "open.mjs")}:\\d+:\\d+`),
  );
});

test("a .ts target in a CommonJS package is refused with the fix; .mts is always an ES module", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-cjs-"));
  writeFileSync(join(dir, "package.json"), '{ "name": "cjs-project" }');
  const source = "export class Thing {\n  constructor(readonly options: object) {}\n}\n";
  writeFileSync(join(dir, "thing.ts"), source);
  writeFileSync(join(dir, "thing.mts"), source);
  await assert.rejects(
    instantiate({ _target_: `file:${join(dir, "thing.ts")}#Thing` }),
    new RegExp(
      `${join(dir, "thing.ts")} would load as CommonJS \\(${join(dir, "package.json")} has no "type": "module"\\), but Kiln's classes are ES modules.*add "type": "module" to .*or rename the file to \\.mts`,
    ),
  );
  const made = await instantiate<{ options: object }>({
    _target_: `file:${join(dir, "thing.mts")}#Thing`,
    a: 1,
  });
  assert.deepEqual(made.options, { a: 1 });
});
