import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "..", "..");
const cli = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(root, "src", "cli.ts"), ...args], {
    encoding: "utf8",
    cwd: root,
  });

test("kiln runs lists the runs of an MLflow store with status and last metrics", () => {
  const r = cli(["runs", join(root, "tests", "fixtures", "mlflow", "store-3.6")]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /experiment kiln-fixture/);
  assert.match(r.stdout, /run-a\s+77cbb6b0\s+FINISHED.*val\/acc=nan/);
  assert.match(r.stdout, /run-b\s+11611ec5\s+FAILED.*train\/loss=2\.5/);
});

test("kiln runs on a missing store fails with the cause and exit code 1", () => {
  const r = cli(["runs", join(root, "no-such-store")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /kiln runs: no MLflow store at '.*no-such-store'/);
});
