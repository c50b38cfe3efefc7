// Runs the composition conformance cases in cases/*.yaml (see the header of defaults-basic.yaml).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { unwrapPy } from "../../../src/common/pyvalue.js";
import { composeNodes } from "../../../src/config/compose/compose.js";
import { getNode, isContainer, toContainer, ValueNode } from "../../../src/config/omegaconf/index.js";

interface Case {
  name: string;
  dir?: string;
  config: string | null;
  overrides?: string[];
  extra_dir?: string;
  expect?: unknown;
  expect_subset?: Record<string, unknown>;
  /** Top-level keys that must not exist. */
  absent?: string[];
  resolve?: boolean;
  defaults?: string[][];
  error?: string;
  /** Substring of the `at ...` location line of the error (file:line or override). */
  where?: string;
  warning?: string;
  hydra?: Record<string, unknown>;
}

const here = import.meta.dirname;
// The template's paths/default.yaml reads PROJECT_ROOT (only resolved cases need it).
process.env.PROJECT_ROOT ??= "/project";
const casesDir = join(here, "cases");
const configsDir = join(here, "configs");

function unresolved(root: Parameters<typeof getNode>[0], path: string): unknown {
  const node = getNode(root, path);
  if (node === undefined) return "<absent>";
  if (node instanceof ValueNode) return unwrapPy(node.value);
  if (isContainer(node)) return toContainer(node);
  return node;
}

let count = 0;
for (const file of readdirSync(casesDir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()) {
  const cases = parse(readFileSync(join(casesDir, file), "utf8")) as Case[];
  for (const c of cases) {
    count++;
    test(`${file}: ${c.name}`, () => {
      const warnings: string[] = [];
      const run = () =>
        composeNodes({
          configDir: join(configsDir, c.dir ?? "basic"),
          configName: c.config,
          overrides: c.overrides ?? [],
          extraConfigDir: c.extra_dir ? join(configsDir, c.extra_dir) : null,
          warn: (m) => warnings.push(m),
        });
      if (c.error !== undefined) {
        assert.throws(run, (e: unknown) => {
          const full = e instanceof Error ? e.message : String(e);
          // The location line (`    at file:line`) sits under the first line; the cause is checked without it.
          const msg = full.replace(/\n {4}at [^\n]*/g, "");
          assert.ok(
            msg.includes(c.error as string),
            `error message:\n${full}\n--- does not contain ---\n${c.error}`,
          );
          if (c.where !== undefined) {
            const at = full.match(/\n {4}at ([^\n]*)/)?.[1] ?? "";
            assert.ok(at.includes(c.where), `location '${at}' does not contain '${c.where}'`);
          }
          return true;
        });
        return;
      }
      const composed = run();
      const task = toContainer(composed.task, { resolve: c.resolve ?? false });
      if (c.expect !== undefined) assert.deepEqual(task, c.expect);
      if (c.expect_subset !== undefined) {
        for (const [k, v] of Object.entries(c.expect_subset))
          assert.deepEqual((task as Record<string, unknown>)[k], v, k);
      }
      for (const k of c.absent ?? []) assert.ok(!(k in (task as object)), `${k} should be absent`);
      if (c.defaults !== undefined) {
        const got = composed.defaultsList.defaults
          .filter((d) => !d.configPath.startsWith("hydra/"))
          .map((d) => (d.isSelf ? [d.configPath, d.package, "self"] : [d.configPath, d.package]));
        assert.deepEqual(got, c.defaults);
      }
      if (c.warning !== undefined) {
        assert.ok(
          warnings.some((w) => w.includes(c.warning as string)),
          `warnings ${JSON.stringify(warnings)} lack ${c.warning}`,
        );
      }
      for (const [path, want] of Object.entries(c.hydra ?? {})) {
        assert.deepEqual(unresolved(composed.cfg, path), want, path);
      }
    });
  }
}

test("there are at least 80 composition cases", () => {
  assert.ok(count >= 80, `only ${count} cases`);
});
