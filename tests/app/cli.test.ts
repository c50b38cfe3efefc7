// The `kiln` CLI itself: Hydra's flags reach the config layer, config-only commands load no native code,
// failures exit nonzero with the cause, and the commander shell dispatches the subcommands.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { explain, ROOT, runCli } from "./helpers.js";

test("kiln train --help lists the config groups and their options", async () => {
  const r = await runCli(["train", "--help"]);
  assert.equal(r.code, 0, explain(r));
  assert.match(r.stdout, /== Configuration groups ==/);
  assert.match(r.stdout, /^data: fashion_mnist, mnist$/m);
  assert.match(r.stdout, /^debug: default, fdr, limit, overfit, profiler$/m);
  assert.match(r.stdout, /^logger: csv, many_loggers, mlflow, tensorboard$/m);
  assert.match(r.stdout, /^trainer: cpu, ddp, ddp_sim, default, gpu, mps$/m);
});

test("kiln train --cfg job prints the composed config; -cn picks another primary config", async () => {
  const r = await runCli(["train", "--cfg", "job", "model.optimizer.lr=0.01"]);
  assert.equal(r.code, 0, explain(r));
  assert.match(r.stdout, /^task_name: train$/m);
  assert.match(r.stdout, /^ {4}lr: 0\.01$/m);
  const e = await runCli(["train", "-cn", "eval", "-c", "job", "ckpt_path=a.ckpt"]);
  assert.equal(e.code, 0, explain(e));
  assert.match(e.stdout, /^task_name: eval$/m);
  assert.match(e.stdout, /^ckpt_path: a\.ckpt$/m);
});

test("--help, --cfg and --info load no native code", () => {
  const script = [
    "import { createRequire } from 'node:module';",
    `const { runTask } = await import(${JSON.stringify(join(ROOT, "src", "cli.ts"))});`,
    "for (const args of [['--help'], ['--cfg', 'job', '--resolve'], ['--info', 'defaults']]) await runTask('train', args);",
    "const cache = createRequire(import.meta.url).cache;",
    "console.error('NATIVE=' + Object.keys(cache).some((k) => k.endsWith('.node')));",
  ].join("\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /NATIVE=false/);
  assert.match(r.stdout, /== Defaults List ==|Defaults List/);
});

test("a bad override exits nonzero with the override and a caret", async () => {
  const r = await runCli(["train", "trainer.max_epochs=[1"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /trainer\.max_epochs=\[1/);
  assert.match(r.stderr, /\^/);
  const missing = await runCli(["train", "data=imagenet"]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /imagenet/);
  assert.match(missing.stderr, /fashion_mnist/); // lists what exists
});

test("the commander shell: unknown commands fail, `kiln --help` lists train and eval", async () => {
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /train/);
  assert.match(help.stdout, /eval/);
  const bad = await runCli(["fit"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /unknown command 'fit'/);
});
