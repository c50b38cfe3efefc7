// Hydra's callbacks (`hydra.callbacks`) in Hydra 1.3's order and with its arguments, in a run and in a multirun:
// two user callbacks from a `file:` target record every hook (start hooks in config order, end hooks reversed;
// onJobStart after the .hydra files, inside hydra.job.env_set; onJobEnd after it). Hydra's own
// LogJobReturnCallback prints what Hydra prints; PickleJobInfoCallback is refused clearly; a hook that throws
// is a warning, not a failed run.
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { DictConfig } from "../../../src/config/omegaconf/index.js";
import { runHydraApp } from "../../../src/config/run/hydra-app.js";

const configDir = join(import.meta.dirname, "..", "compose", "configs", "app");
const RECORDER = `file:${join(import.meta.dirname, "fixtures", "recorder-callback.ts")}#RecorderCallback`;
const tmp = mkdtempSync(join(tmpdir(), "kiln-hydra-callbacks-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (what: string) => join(tmp, `${what}-${++n}`);

async function app(argv: string[], task: (cfg: DictConfig) => unknown) {
  let stdout = "";
  let stderr = "";
  const warnings: string[] = [];
  const result = await runHydraApp(argv, async (cfg) => task(cfg), {
    configDir,
    configName: "config",
    appName: "train",
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    warn: (m) => warnings.push(m),
  });
  return { result, stdout, stderr, warnings };
}

/** Two recorders `a` then `b` writing to `events` (quoted: '#' is not allowed unquoted in an override). */
function recorders(events: string, extra: string[] = []): string[] {
  return ["a", "b"]
    .flatMap((name) => [
      `+hydra.callbacks.${name}._target_='${RECORDER}'`,
      `+hydra.callbacks.${name}.path=${events}`,
      `+hydra.callbacks.${name}.name=${name}`,
    ])
    .concat(extra);
}

function readEvents(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

test("run: onRunStart, onJobStart (a, b), the task, onJobEnd (b, a), onRunEnd (b, a), with Hydra's arguments", async () => {
  const events = fresh("events.jsonl");
  const dir = fresh("run");
  const argv = [
    `hydra.run.dir=${dir}`,
    "lr=0.3",
    "+hydra.job.env_set.KILN_CALLBACK_TEST=inside",
    ...recorders(events),
  ];
  const { result, warnings } = await app(argv, (cfg) => {
    appendFileSync(events, `${JSON.stringify({ hook: "task", lr: cfg.lr })}\n`);
    return 0.75;
  });
  assert.equal(result.exitCode, 0);
  assert.deepEqual(warnings, []);
  assert.deepEqual(readEvents(events), [
    { cb: "a", hook: "onRunStart", configName: "config", mode: "RUN" },
    { cb: "b", hook: "onRunStart", configName: "config", mode: "RUN" },
    ...["a", "b"].map((cb) => ({
      cb,
      hook: "onJobStart",
      num: null,
      lr: 0.3,
      hydraFilesWritten: true,
      task: "function",
      env: "inside",
    })),
    { hook: "task", lr: 0.3 },
    ...["b", "a"].map((cb) => ({
      cb,
      hook: "onJobEnd",
      num: null,
      status: "COMPLETED",
      returnValue: 0.75,
      env: null,
    })),
    { cb: "b", hook: "onRunEnd", configName: "config", status: "COMPLETED" },
    { cb: "a", hook: "onRunEnd", configName: "config", status: "COMPLETED" },
  ]);
});

test("multirun: onMultirunStart once, the job hooks around each job, onMultirunEnd once (reversed)", async () => {
  const events = fresh("events.jsonl");
  const dir = fresh("sweep");
  const { result, warnings } = await app(
    ["-m", `hydra.sweep.dir=${dir}`, "lr=0.1,0.2", ...recorders(events)],
    (cfg) => {
      if (cfg.lr === 0.2) throw new Error("job 1 fails");
      return cfg.lr;
    },
  );
  assert.equal(result.exitCode, 1, "a failed job fails the multirun");
  assert.deepEqual(warnings, []);
  const seen = readEvents(events).map((e) => `${e.cb}.${e.hook}${e.num === undefined ? "" : `#${e.num}`}`);
  assert.deepEqual(seen, [
    "a.onMultirunStart",
    "b.onMultirunStart",
    "a.onJobStart#0",
    "b.onJobStart#0",
    "b.onJobEnd#0",
    "a.onJobEnd#0",
    "a.onJobStart#1",
    "b.onJobStart#1",
    "b.onJobEnd#1",
    "a.onJobEnd#1",
    "b.onMultirunEnd",
    "a.onMultirunEnd",
  ]);
  const ends = readEvents(events).filter((e) => e.hook === "onJobEnd" && e.cb === "a");
  assert.deepEqual(
    ends.map((e) => [e.status, e.returnValue]),
    [
      ["COMPLETED", 0.1],
      ["FAILED", null],
    ],
  );
  assert.equal(readEvents(events)[0]!.mode, "MULTIRUN");
});

test("a hook that throws is a warning naming the callback and hook; the run and the other callbacks go on", async () => {
  const events = fresh("events.jsonl");
  const { result, warnings } = await app(
    [`hydra.run.dir=${fresh("run")}`, ...recorders(events, ["+hydra.callbacks.b.fail_in=onJobEnd"])],
    () => 1,
  );
  assert.equal(result.exitCode, 0);
  assert.deepEqual(warnings, ["Callback RecorderCallback.onJobEnd raised RangeError: b fails in onJobEnd"]);
  const hooks = readEvents(events).map((e) => `${e.cb}.${e.hook}`);
  assert.deepEqual(hooks.slice(-4), ["b.onJobEnd", "a.onJobEnd", "b.onRunEnd", "a.onRunEnd"]);
});

test("hydra.experimental.callbacks.LogJobReturnCallback logs the return value, or the error with its stack", async () => {
  const cb = ["+hydra.callbacks.log_job_return._target_=hydra.experimental.callbacks.LogJobReturnCallback"];
  const dir = fresh("run");
  const ok = await app([`hydra.run.dir=${dir}`, ...cb], () => 0.75);
  assert.equal(ok.result.exitCode, 0);
  const log = readFileSync(join(dir, "train.log"), "utf8");
  assert.match(
    log,
    /\]\[hydra\.experimental\.callbacks\.LogJobReturnCallback\]\[INFO\] - Succeeded with return value: 0\.75$/m,
  );
  const none = fresh("run");
  await app([`hydra.run.dir=${none}`, ...cb], () => undefined);
  assert.match(readFileSync(join(none, "train.log"), "utf8"), /Succeeded with return value: None$/m);
  const failed = fresh("run");
  const bad = await app([`hydra.run.dir=${failed}`, ...cb], () => {
    throw new TypeError("the task broke");
  });
  assert.equal(bad.result.exitCode, 1);
  const text = readFileSync(join(failed, "train.log"), "utf8");
  assert.match(
    text,
    /\]\[hydra\.experimental\.callbacks\.LogJobReturnCallback\]\[ERROR\] - \nTypeError: the task broke\n\s+at /,
  );
});

test("PickleJobInfoCallback is refused before the run starts, saying why and what to use", async () => {
  const dir = fresh("run");
  let ran = false;
  const r = await app(
    [
      `hydra.run.dir=${dir}`,
      "+hydra.callbacks.p._target_=hydra.experimental.callbacks.PickleJobInfoCallback",
    ],
    () => {
      ran = true;
    },
  );
  assert.equal(r.result.exitCode, 1);
  assert.equal(ran, false);
  assert.match(r.stderr, /PickleJobInfoCallback is not available in Kiln: it pickles the job's DictConfig/);
  assert.match(r.stderr, /LogJobReturnCallback/);
});

test("a callback with Python's snake_case hooks only is an error that names them", async () => {
  const target = RECORDER.replace("#RecorderCallback", "#SnakeCaseCallback");
  const r = await app([`hydra.run.dir=${fresh("run")}`, `+hydra.callbacks.py._target_='${target}'`], () => 1);
  assert.equal(r.result.exitCode, 1);
  assert.match(
    r.stderr,
    /hydra\.callbacks\.py has none of the callback hooks \(onRunStart, .*\); it defines on_job_end: Kiln's hooks are camelCase/,
  );
});
