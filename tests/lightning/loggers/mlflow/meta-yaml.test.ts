// meta.yaml writing must give PyYAML's bytes: the golden store's files re-dumped are identical, and string
// quoting follows PyYAML 6.0.3 on the vectors in tests/fixtures/mlflow/pyyaml-scalars.json (made by PyYAML).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  dumpMetaYaml,
  type MetaValue,
  parseMetaYaml,
} from "../../../../src/lightning/loggers/mlflow/meta-yaml.js";

const fixtures = join(import.meta.dirname, "..", "..", "..", "fixtures", "mlflow");
const store = join(fixtures, "store-3.6");
const golden = [
  "0/meta.yaml",
  "672155485861034537/meta.yaml",
  "672155485861034537/77cbb6b07409414088fc0cf75285a293/meta.yaml",
  "672155485861034537/11611ec5bdf44bef8a52149a4941c8ce/meta.yaml",
];

test("every meta.yaml of the golden store parses and dumps back to the same bytes", () => {
  for (const rel of golden) {
    const text = readFileSync(join(store, rel), "utf8");
    const data = parseMetaYaml(text, rel) as Record<string, MetaValue>;
    assert.equal(typeof data.experiment_id, "string", `${rel}: the quoted id stays a string`);
    assert.equal(dumpMetaYaml(data), text, rel);
  }
});

test("string scalars are quoted exactly where PyYAML quotes them (plain, '', double quotes, folding)", () => {
  const vectors = JSON.parse(readFileSync(join(fixtures, "pyyaml-scalars.json"), "utf8")) as {
    value: string;
    dump: string;
  }[];
  let checked = 0;
  for (const { value, dump } of vectors) {
    // Strings with line breaks use PyYAML's folded single-quoted form; Kiln writes double quotes (same value).
    if (/[\n\u2028]/.test(value)) continue;
    assert.equal(dumpMetaYaml({ name: value }), dump, JSON.stringify(value));
    checked++;
  }
  assert.ok(checked >= 60, `${checked} vectors`);
});

test("keys come out sorted; null, ints and the empty tags list as PyYAML writes them", () => {
  assert.equal(
    dumpMetaYaml({ z: "a", end_time: null, tags: [], a: 1795721765452, experiment_id: "0" }),
    "a: 1795721765452\nend_time: null\nexperiment_id: '0'\ntags: []\nz: a\n",
  );
});

test("a line break survives the round trip through the double-quoted form", () => {
  const text = dumpMetaYaml({ name: "two\nlines\tand tab" });
  assert.equal(parseMetaYaml(text, "x").name, "two\nlines\tand tab");
});
