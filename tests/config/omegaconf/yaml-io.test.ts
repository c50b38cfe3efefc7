import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ConfigError,
  DictNode,
  fromPlain,
  getNode,
  type ListNode,
  parseYamlConfig,
  toContainer,
  toYaml,
} from "../../../src/config/omegaconf/index.js";
import { dumpYaml } from "../../../src/config/omegaconf/to-yaml.js";
import { comparable, loadCases, untag } from "./helpers.js";

interface LoadCase {
  name: string;
  text: string;
  expected?: unknown;
  error?: string;
  line?: number;
}

for (const c of loadCases<LoadCase[]>("yaml-load.json")) {
  test(`yaml load (PyYAML + OmegaConf loader): ${c.name}`, () => {
    if (c.error !== undefined) {
      assert.throws(
        () => parseYamlConfig(c.text, { file: "x.yaml" }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.message, new RegExp(c.error as string));
          assert.match(e.message, new RegExp(`at x\\.yaml:${c.line}:`));
          return true;
        },
      );
      return;
    }
    const { node } = parseYamlConfig(c.text, { file: "x.yaml" });
    const got = toContainer(node as DictNode | ListNode, { keepFloats: true });
    assert.deepEqual(comparable(got), comparable(untag(c.expected)));
  });
}

interface DumpCase {
  name: string;
  data: unknown;
  yaml: string;
  sortKeys?: boolean;
}

for (const c of loadCases<DumpCase[]>("to-yaml.json")) {
  test(`toYaml matches PyYAML: ${c.name}`, () => {
    const data = untag(c.data);
    assert.equal(dumpYaml(data, c.sortKeys ?? false), c.yaml);
    // The same through the node tree, as OmegaConf.to_yaml does it.
    const node = fromPlain(data);
    if (node instanceof DictNode || Array.isArray(data)) {
      assert.equal(toYaml(node as DictNode, { sortKeys: c.sortKeys ?? false }), c.yaml);
    }
  });
}

test("provenance records file, line and column of each value", () => {
  const { node } = parseYamlConfig("a: 1\nb:\n  c: [1, 2]\n  d:\n    - x\n    - y: 3\n", {
    file: "conf/a.yaml",
  });
  assert.deepEqual(getNode(node, "a")?.provenance, [{ file: "conf/a.yaml", line: 1, col: 1 }]);
  assert.deepEqual(getNode(node, "b.c")?.provenance, [{ file: "conf/a.yaml", line: 3, col: 3 }]);
  assert.equal(getNode(node, "b.c[1]")?.provenance[0].line, 3);
  assert.equal(getNode(node, "b.d[1].y")?.provenance[0].line, 6);
  assert.equal(getNode(node, "b.d.0")?.provenance[0].line, 5);
});

test("header: @package and other @ keys are read from leading comment lines only", () => {
  assert.deepEqual(parseYamlConfig("# @package _global_\na: 1\n", {}).header, { package: "_global_" });
  assert.deepEqual(parseYamlConfig("\n  # @package foo.bar\n# @other x\na: 1\n", {}).header, {
    package: "foo.bar",
    other: "x",
  });
  // Hydra stops at the first line that is not a `# @` header line.
  assert.deepEqual(parseYamlConfig("# a comment\n# @package foo\na: 1\n", {}).header, {});
  assert.deepEqual(parseYamlConfig("a: 1\n# @package foo\n", {}).header, {});
  assert.throws(
    () => parseYamlConfig("# @package\n", { file: "f.yaml" }),
    /Expected header format: KEY VALUE/,
  );
  assert.throws(() => parseYamlConfig("# @package a b\n", {}), /Too many components/);
});

test("YAML errors name the file and line", () => {
  assert.throws(
    () => parseYamlConfig("a: [1, 2\nb: 3\n", { file: "bad.yaml" }),
    /YAML syntax error[\s\S]*at bad\.yaml:\d+/,
  );
  assert.throws(
    () => parseYamlConfig("a: !foo x\n", { file: "t.yaml" }),
    /could not determine a constructor for the tag '!foo'[\s\S]*t\.yaml:1/,
  );
  assert.throws(() => parseYamlConfig("5\n", { file: "s.yaml" }), /must hold a mapping or a sequence/);
  assert.throws(() => parseYamlConfig("a: 1\n---\nb: 2\n", { file: "m.yaml" }), /YAML syntax error/);
});

test("floats keep float-ness through load and dump", () => {
  const { node } = parseYamlConfig("a: 1.0\nb: 1\nc: 1e-5\nd: 1e16\n", {});
  assert.equal(toYaml(node), "a: 1.0\nb: 1\nc: 1.0e-05\nd: 1.0e+16\n");
});

test("CRLF line endings, a BOM and tabs inside values load like PyYAML", () => {
  const { node } = parseYamlConfig("\ufeffa: 1\r\nb:\r\n  c: 'x\ty'\r\n", { file: "w.yaml" });
  assert.deepEqual(toContainer(node), { a: 1, b: { c: "x\ty" } });
  assert.equal(getNode(node, "b.c")?.provenance[0].line, 3);
});

test("loadYamlConfigFile reads a file and names it in errors", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { loadYamlConfigFile } = await import("../../../src/config/omegaconf/index.js");
  const dir = mkdtempSync(join(tmpdir(), "kiln-oc-"));
  const path = join(dir, "c.yaml");
  writeFileSync(path, "# @package db\nx: 1\nx: 2\n");
  assert.throws(
    () => loadYamlConfigFile(path),
    new RegExp(`found duplicate key x[\\s\\S]*at ${path.replace(/[.]/g, "\\.")}:3:1`),
  );
  writeFileSync(path, "# @package db\nx: 1\n");
  const loaded = loadYamlConfigFile(path);
  assert.deepEqual(loaded.header, { package: "db" });
  assert.deepEqual(getNode(loaded.node, "x")?.provenance, [{ file: path, line: 2, col: 1 }]);
  assert.throws(() => loadYamlConfigFile(join(dir, "missing.yaml")), /Cannot read config file: ENOENT/);
});
