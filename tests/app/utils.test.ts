// The template's utilities on their own: get_metric_value, the task wrapper's logger closing, the
// hyperparameters dict, the project root and .env, and the lazy target table.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { compose, listTargets, resolveTarget } from "../../src/config/index.js";
import { Logger } from "../../src/lightning/loggers/logger.js";
import { InterruptSignal, TerminateSignal } from "../../src/lightning/trainer/interrupt.js";
import { SimpleDenseNet } from "../../src/models/components/simple-dense-net.js";
import { collectHyperparameters } from "../../src/utils/log-hyperparameters.js";
import { getMetricValue } from "../../src/utils/metric-value.js";
import { findProjectRoot, parseDotenv, setupProjectRoot } from "../../src/utils/project-root.js";
import { KILN_TARGETS, registerKilnTargets } from "../../src/utils/targets.js";
import { taskWrapper } from "../../src/utils/task-wrapper.js";
import { CONFIG_DIR, ROOT, tempDir } from "./helpers.js";

test("getMetricValue: the value, null without a name, an error with a hint for a wrong name", () => {
  assert.equal(getMetricValue({ "val/acc": 0.5 }, "val/acc"), 0.5);
  assert.equal(getMetricValue({ "val/acc": { item: () => 0.25 } }, "val/acc"), 0.25);
  assert.equal(getMetricValue({ "val/acc": 0.5 }, null), null);
  assert.throws(
    () => getMetricValue({ "val/acc": 0.5, "val/loss": 1 }, "val/accc"),
    (e: Error) =>
      /Metric value not found! <metric_name=val\/accc>/.test(e.message) &&
      /Did you mean 'val\/acc'/.test(e.message) &&
      /Make sure `optimized_metric` name in `hparams_search` config is correct!/.test(e.message),
  );
});

class RecordingLogger extends Logger {
  statuses: string[] = [];
  get name() {
    return "rec";
  }
  get version() {
    return 0;
  }
  get experiment() {
    return null;
  }
  logHyperparams(): void {}
  logMetrics(): void {}
  override finalize(status: "success" | "failed" | "interrupted" | "killed"): void {
    this.statuses.push(status);
  }
}

test("the task wrapper closes loggers as failed and re-raises; as success otherwise", async () => {
  process.env.PROJECT_ROOT = ROOT;
  const cfg = compose({ configDir: CONFIG_DIR, configName: "train" });
  const logger = new RecordingLogger();
  const failing = taskWrapper(async (_cfg, objects) => {
    objects.logger = [logger];
    throw new Error("boom");
  });
  await assert.rejects(failing(cfg), /boom/);
  assert.deepEqual(logger.statuses, ["failed"]);
  const interrupted = taskWrapper(async (_cfg, objects) => {
    objects.logger = [logger];
    throw new InterruptSignal("stop");
  });
  await assert.rejects(interrupted(cfg), /stop/);
  const terminated = taskWrapper(async (_cfg, objects) => {
    objects.logger = [logger];
    throw new TerminateSignal("SIGTERM");
  });
  await assert.rejects(terminated(cfg), /SIGTERM/);
  assert.deepEqual(logger.statuses, ["failed", "interrupted", "interrupted"]);
  const ok = taskWrapper(async (_cfg, objects) => {
    objects.logger = [logger];
    return { "test/acc": 1 };
  });
  const result = await ok(cfg);
  assert.deepEqual(result.metricDict, { "test/acc": 1 });
  assert.deepEqual(logger.statuses, ["failed", "interrupted", "interrupted", "success"]);
});

test("hyperparameters: the template's keys, plain data, parameter counts", () => {
  process.env.PROJECT_ROOT = ROOT;
  const cfg = compose({ configDir: CONFIG_DIR, configName: "train", overrides: ["seed=7"] });
  const model = new SimpleDenseNet({ lin1_size: 4, lin2_size: 4, lin3_size: 4 });
  const h = collectHyperparameters({
    cfg,
    model,
    trainer: { loggers: [] },
    datamodule: { resolvedSource: "bundled" },
  });
  assert.deepEqual(Object.keys(h), [
    "model", "model/params/total", "model/params/trainable", "model/params/non_trainable", "data", "trainer",
    "callbacks", "extras", "task_name", "tags", "ckpt_path", "seed", "data/resolved_source",
  ]); // biome-ignore format: one list
  assert.equal(h["model/params/total"], h["model/params/trainable"]);
  assert.equal(h["model/params/non_trainable"], 0);
  assert.equal((h.data as Record<string, unknown>).batch_size, 128);
  assert.deepEqual(h.tags, ["dev"]);
  assert.equal(h.seed, 7);
  assert.equal(h["data/resolved_source"], "bundled");
  model.dispose();
});

test("project root: nearest marker upwards; .env loaded without overriding the environment", () => {
  const root = tempDir();
  const deep = join(root, "a", "b");
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(root, ".project-root"), "");
  assert.equal(findProjectRoot(deep), root);
  assert.deepEqual(parseDotenv("# c\nA=1\nexport B='two words'\nC=\"x\" \nD=4 # note\n"), {
    A: "1",
    B: "two words",
    C: "x",
    D: "4",
  });
  writeFileSync(join(root, ".env"), "KILN_TEST_DOTENV=from-file\nKILN_TEST_KEEP=from-file\n");
  const saved = process.env.PROJECT_ROOT;
  delete process.env.PROJECT_ROOT;
  process.env.KILN_TEST_KEEP = "from-env";
  try {
    assert.equal(setupProjectRoot(deep), root);
    assert.equal(process.env.PROJECT_ROOT, root);
    assert.equal(process.env.KILN_TEST_DOTENV, "from-file");
    assert.equal(process.env.KILN_TEST_KEEP, "from-env");
  } finally {
    process.env.PROJECT_ROOT = saved;
    delete process.env.KILN_TEST_DOTENV;
    delete process.env.KILN_TEST_KEEP;
  }
});

test("every Kiln target of the template is registered lazily and loads on first use", async () => {
  registerKilnTargets();
  const rows = new Map(listTargets().map((t) => [t.name, t]));
  for (const name of Object.values(KILN_TARGETS)) {
    assert.ok(rows.has(name), `${name} is not registered`);
    assert.equal(rows.get(name)!.lazy, true, name);
  }
  for (const name of Object.values(KILN_TARGETS)) {
    assert.equal(typeof (await resolveTarget(name)).value, "function", name);
  }
  const adam = await resolveTarget("torch.optim.Adam");
  assert.equal(adam.name, "kiln.torch.optim.Adam");
  assert.deepEqual(adam.positional, ["params"]);
  const plateau = await resolveTarget("torch.optim.lr_scheduler.ReduceLROnPlateau");
  assert.deepEqual(plateau.positional, ["optimizer"]);
});
