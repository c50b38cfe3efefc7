// Every Trainer flag has an effect: a static check that each key `new Trainer({...})` accepts is read outside
// the options parser (so a new flag cannot be accepted and silently ignored), and the behaviour of the flags
// that once were ignored: reload_dataloaders_every_n_epochs (against real Lightning's counts), benchmark,
// barebones (Lightning's refusals and what it turns off), use_distributed_sampler, sync_batchnorm.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Callback } from "../../../src/lightning/callbacks/callback.js";
import { setInfoSink } from "../../../src/lightning/callbacks/messages.js";
import { DDPStrategy } from "../../../src/lightning/strategies/ddp.js";
import type { StrategyHost } from "../../../src/lightning/strategies/strategy.js";
import { TRAINER_FLAGS, type TrainerOptions } from "../../../src/lightning/trainer/options.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import { cudnn } from "../../../src/torch/deterministic.js";
import * as torch from "../../../src/torch/index.js";
import { LinearModule, loader, QUIET, regressionData } from "./helpers.js";

const SRC = join(import.meta.dirname, "../../../src");
const RELOAD = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures", "reload-dataloaders.json"), "utf8"),
) as Record<string, { train_loads: number[]; val_loads: number[] }>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/**
 * Flags accepted with no effect yet, each with its reason (docs/ARCHITECTURE.md, known differences). Keep this
 * list empty where possible: an entry here is a flag users can set and see nothing happen.
 */
const NO_EFFECT_YET: Record<string, string> = {
  inference_mode:
    "libtorch's InferenceMode is not bound: evaluation runs under no_grad either way (the same values; " +
    "inference mode only makes evaluation's tensors unusable in autograd afterwards)",
};

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

test("every flag the Trainer accepts is read outside the options parser (raw or resolved)", () => {
  const parser = join(SRC, "lightning", "trainer", "options.ts");
  const text = sourceFiles(SRC)
    .filter((f) => f !== parser)
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  const unread = TRAINER_FLAGS.filter((key) => !(key in NO_EFFECT_YET)).filter((key) => {
    const names = [key, camel(key)].map((n) => n.replace(/[$]/g, "\\$"));
    return !names.some((n) => new RegExp(`\\.${n}\\b`).test(text));
  });
  assert.deepEqual(
    unread,
    [],
    `flags nothing reads (implement them or refuse them clearly): ${unread.join(", ")}`,
  );
  // The list is the parser's: an unknown key is refused, a listed one accepted.
  assert.throws(
    () => new Trainer({ ...QUIET, no_such_flag: 1 } as TrainerOptions),
    /unexpected keyword argument 'no_such_flag'/,
  );
  assert.ok(TRAINER_FLAGS.includes("reload_dataloaders_every_n_epochs") && TRAINER_FLAGS.length >= 40);
});

/** A module whose loaders come from hooks that count the epochs they are called at. */
class Counting extends LinearModule {
  trainLoads: number[] = [];
  valLoads: number[] = [];
  constructor(readonly data: { x: torch.Tensor; y: torch.Tensor }) {
    super();
  }
  override trainDataloader() {
    this.trainLoads.push(this.currentEpoch);
    return loader(this.data, 4);
  }
  override valDataloader() {
    this.valLoads.push(this.currentEpoch);
    return loader(this.data, 4);
  }
}

test("reload_dataloaders_every_n_epochs asks for the loaders again at the epochs real Lightning does", async () => {
  const data = regressionData(8);
  for (const n of [0, 1, 2]) {
    const m = new Counting(data);
    await new Trainer({
      ...QUIET,
      num_sanity_val_steps: 2,
      max_epochs: 5,
      reload_dataloaders_every_n_epochs: n,
    }).fit(m);
    assert.deepEqual(m.trainLoads, RELOAD[`every_${n}`]!.train_loads, `train loads, n=${n}`);
    assert.deepEqual(m.valLoads, RELOAD[`every_${n}`]!.val_loads, `val loads, n=${n}`);
  }
  assert.throws(
    () => new Trainer({ reload_dataloaders_every_n_epochs: -1 }),
    /`reload_dataloaders_every_n_epochs` should be an int >= 0, got -1\./,
  );
  data.dispose();
});

function quietly<T>(fn: () => T): { result: T; warnings: string[]; info: string[] } {
  const warnings: string[] = [];
  const info: string[] = [];
  const original = process.emitWarning;
  process.emitWarning = ((m: string | Error) => warnings.push(String(m))) as typeof process.emitWarning;
  const sink = setInfoSink((line) => info.push(line));
  try {
    return { result: fn(), warnings, info };
  } finally {
    process.emitWarning = original;
    setInfoSink(sink);
  }
}

test("benchmark sets torch.backends.cudnn.benchmark (recorded on the CPU); deterministic turns it off", () => {
  const before = cudnn.benchmark;
  try {
    quietly(() => new Trainer({ ...QUIET, benchmark: true }));
    assert.equal(cudnn.benchmark, true);
    quietly(() => new Trainer({ ...QUIET, benchmark: false }));
    assert.equal(cudnn.benchmark, false);
    cudnn.benchmark = true;
    quietly(() => new Trainer({ ...QUIET })); // null leaves it alone
    assert.equal(cudnn.benchmark, true);
    quietly(() => new Trainer({ ...QUIET, deterministic: true }));
    assert.equal(cudnn.benchmark, false);
    const { warnings } = quietly(() => new Trainer({ ...QUIET, deterministic: true, benchmark: true }));
    assert.ok(warnings.some((w) => w.startsWith("You passed `deterministic=True` and `benchmark=True`.")));
    assert.throws(
      () => new Trainer({ benchmark: "yes" as never }),
      /Trainer\(benchmark=yes\): expected true or false/,
    );
  } finally {
    quietly(() => new Trainer({ ...QUIET, deterministic: false }));
    cudnn.benchmark = before;
  }
});

test("barebones refuses the features Lightning refuses, with its messages, and turns the rest off", async () => {
  const refused: [Partial<TrainerOptions>, RegExp][] = [
    [
      { enable_checkpointing: true },
      /`Trainer\(barebones=True, enable_checkpointing=True\)` was passed\. Checkpointing/,
    ],
    [{ logger: true }, /`Trainer\(barebones=True, logger=True\)` was passed\. Logging can impact raw speed/],
    [{ enable_progress_bar: true }, /enable_progress_bar=True\)` was passed\. The progress bar/],
    [{ log_every_n_steps: 10 }, /log_every_n_steps=10\)` was passed\. Logging/],
    [{ enable_model_summary: true }, /enable_model_summary=True\)` was passed\. Model summary/],
    [{ num_sanity_val_steps: 2 }, /num_sanity_val_steps=2\)` was passed\. Sanity checking/],
    [{ fast_dev_run: true }, /fast_dev_run=True\)` was passed\. Development run is not meant/],
    [{ detect_anomaly: true }, /detect_anomaly=True\)` was passed\. Anomaly detection/],
    [{ profiler: "simple" }, /profiler='simple'\)` was passed\. Profiling/],
  ];
  for (const [flags, message] of refused)
    assert.throws(() => new Trainer({ barebones: true, ...flags }), message);

  const data = regressionData(8);
  const logged: string[] = [];
  const m = new LinearModule({ trainingStep: (mod) => mod.log("train/x", 1) });
  class Seen extends Callback {
    override onTrainEpochEnd(trainer: Trainer): void {
      logged.push(...Object.keys(trainer.callbackMetrics));
    }
  }
  const { result: trainer, info } = quietly(
    () => new Trainer({ barebones: true, max_epochs: 1, callbacks: [new Seen()] }),
  );
  assert.match(info.join("\n"), /You are running in `Trainer\(barebones=True\)` mode\./);
  assert.deepEqual(trainer.loggers, []);
  assert.deepEqual(
    trainer.callbacks.map((c) => c.constructor.name),
    ["Seen"],
  );
  assert.deepEqual(
    [trainer.logEveryNSteps, trainer.numSanityValSteps, trainer.shouldUpdateLogs],
    [0, 0, false],
  );
  const warnings: string[] = [];
  const original = process.emitWarning;
  process.emitWarning = ((w: string | Error) => warnings.push(String(w))) as typeof process.emitWarning;
  try {
    await trainer.fit(m, { trainDataloaders: loader(data, 4) });
  } finally {
    process.emitWarning = original;
  }
  assert.deepEqual(logged, [], "self.log is disabled");
  assert.ok(warnings.some((w) => w.includes("You are trying to `self.log()` but `Trainer(barebones=True)`")));
  assert.equal(trainer.globalStep, 2);
  data.dispose();
});

test("use_distributed_sampler: DDP gives each rank its share, or with false leaves the loaders as they are", () => {
  const data = regressionData(8);
  const ddp = new DDPStrategy(2);
  const host = (use: boolean) =>
    ({
      state: { fn: "fit" },
      fitLoop: { epochProgress: { current: { processed: 0 } } },
      options: {
        overfitBatches: { value: 0 },
        numThreads: null,
        useDistributedSampler: use,
        syncBatchnorm: false,
      },
    }) as unknown as StrategyHost;
  const plain = loader(data, 2);
  const [sharded] = ddp.distributedLoaders(host(true), "train", [plain]);
  assert.notEqual(sharded, plain);
  assert.equal([...(sharded as Iterable<unknown>)].length, 2, "rank 0 of 2 gets 4 of 8 samples: 2 batches");
  const [kept] = ddp.distributedLoaders(host(false), "train", [plain]);
  assert.equal(kept, plain);
  assert.equal([...(kept as Iterable<unknown>)].length, 4);
  assert.throws(
    () => new Trainer({ use_distributed_sampler: 1 as never }),
    /use_distributed_sampler=1\): expected true or false/,
  );
  data.dispose();
});

test("sync_batchnorm is a no-op on one device, as in Lightning: the same training with and without it", async () => {
  const data = regressionData(16);
  const fitBn = async (sync: boolean) => {
    torch.manualSeed(3);
    const m = new LinearModule();
    const bn = new torch.nn.BatchNorm1d(3);
    const base = m.forward.bind(m);
    Object.assign(m, { bn });
    m.forward = (x: torch.Tensor) => base(bn.call(x) as torch.Tensor);
    const t = new Trainer({ ...QUIET, max_epochs: 2, sync_batchnorm: sync });
    await t.fit(m, { trainDataloaders: loader(data, 4) });
    return m.parameters().flatMap((p) => Array.from(p.toTypedArray() as Float32Array));
  };
  assert.deepEqual(await fitBn(true), await fitBn(false));
  data.dispose();
});
