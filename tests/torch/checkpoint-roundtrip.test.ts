// Issue 3's stateDict round trip: a BatchNorm + Dropout MLP trained with Adam (weight decay) and an LR
// scheduler on seeded, shuffled data is checkpointed after 5 steps with torch.save, resumed in fresh objects
// from torch.load, and the next 10 steps are bitwise equal to an uninterrupted 15-step run: every parameter,
// buffer, optimizer state tensor, loss and lr. Python reads the same checkpoint with weights_only=True into real
// PyTorch objects; a truncated copy fails with an error naming the file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import * as torch from "../../src/torch/index.js";
import { findTorchPython } from "./serialization/describe_value.js";

const { nn, optim } = torch;
const dir = mkdtempSync(join(tmpdir(), "kiln-ckpt-roundtrip-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const STEPS_PER_EPOCH = 5; // 80 samples / batch 16: the checkpoint falls on an epoch boundary
const FEATURES = 12;
const CLASSES = 4;

/** SimpleDenseNet-like: keys `model.0.weight`, `model.1.running_mean`, ... */
class DenseNet extends nn.Module {
  model = new nn.Sequential(
    new nn.Linear(FEATURES, 16),
    new nn.BatchNorm1d(16),
    new nn.ReLU(),
    new nn.Dropout(0.25),
    new nn.Linear(16, 16),
    new nn.BatchNorm1d(16),
    new nn.ReLU(),
    new nn.Linear(16, CLASSES),
  );

  override forward(x: torch.Tensor): torch.Tensor {
    return this.model.call(x);
  }
}

type Scheduler = torch.optim.StepLR | torch.optim.ReduceLROnPlateau;

interface SchedulerCase {
  name: string;
  make: (opt: torch.optim.Optimizer) => Scheduler;
  /** Advances the scheduler after an optimizer step that had this loss. */
  step: (sched: Scheduler, loss: number) => void;
}

const CASES: SchedulerCase[] = [
  {
    name: "StepLR",
    make: (opt) => new optim.StepLR(opt, { step_size: 3, gamma: 0.5 }),
    step: (sched) => (sched as torch.optim.StepLR).step(),
  },
  {
    name: "ReduceLROnPlateau fed the loss",
    make: (opt) => new optim.ReduceLROnPlateau(opt, { factor: 0.5, patience: 1, threshold: 0.05 }),
    step: (sched, loss) => (sched as torch.optim.ReduceLROnPlateau).step(loss),
  },
];

/** One training run's objects; `lrs` and `losses` record every step. */
interface Run {
  model: DenseNet;
  optimizer: torch.optim.Adam;
  scheduler: Scheduler;
  loaderGenerator: torch.Generator;
  loader: torch.data.DataLoader<torch.Tensor[], torch.Tensor[]>;
  lrs: number[];
  losses: number[];
}

/** Fixed data from its own seeded generator: labels are the argmax of the first CLASSES features (learnable). */
function makeDataset(): torch.data.TensorDataset {
  const g = new torch.Generator().manualSeed(1234);
  const [x, y] = torch.tidy(() => {
    const features = torch.randn([80, FEATURES], { generator: g });
    return [features, features.narrow(1, 0, CLASSES).argmax(1)];
  });
  return new torch.data.TensorDataset(x!, y!);
}

function newRun(dataset: torch.data.TensorDataset, c: SchedulerCase, initSeed: number): Run {
  torch.manualSeed(initSeed);
  const model = new DenseNet();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01, weight_decay: 1e-3 });
  const loaderGenerator = new torch.Generator().manualSeed(7);
  const loader = new torch.data.DataLoader({
    dataset,
    batch_size: 16,
    shuffle: true,
    generator: loaderGenerator,
  });
  assert.equal(loader.length, STEPS_PER_EPOCH);
  return { model, optimizer, scheduler: c.make(optimizer), loaderGenerator, loader, lrs: [], losses: [] };
}

/** Whole epochs of training: forward, backward, Adam step, scheduler step; every temporary freed per step. */
function train(run: Run, c: SchedulerCase, epochs: number): void {
  run.model.train();
  for (let e = 0; e < epochs; e++) {
    for (const [x, y] of run.loader) {
      const loss = torch.tidy(() => {
        run.optimizer.zeroGrad();
        const l = torch.crossEntropy(run.model.call(x!), y!);
        l.backward();
        run.optimizer.step();
        return l.item() as number;
      });
      x!.dispose();
      y!.dispose();
      c.step(run.scheduler, loss);
      run.losses.push(loss);
      run.lrs.push(run.optimizer.paramGroups[0]!.lr);
    }
  }
}

function bits(t: torch.Tensor): Buffer {
  const a = t.toTypedArray();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Asserts same dtype, shape and bits. */
function assertBitwise(actual: torch.Tensor, expected: torch.Tensor, what: string): void {
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.ok(bits(actual).equals(bits(expected)), `${what}: values differ`);
}

/** Disposes every tensor in a loaded checkpoint tree. */
function disposeTree(value: unknown): void {
  if (value instanceof torch.Tensor) value.dispose();
  else if (value instanceof Map) for (const v of value.values()) disposeTree(v);
  else if (Array.isArray(value)) for (const v of value) disposeTree(v);
  else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) disposeTree(v);
}

function disposeRun(run: Run): void {
  run.model.zeroGrad({ setToNone: true });
  run.model.dispose();
  run.optimizer.dispose();
}

/** Saves everything a resume needs; the model's state dict aliases are freed once written. */
function saveCheckpoint(run: Run, file: string): void {
  const model = run.model.stateDict();
  const rng = torch.getRngState();
  const loader = run.loaderGenerator.getState();
  try {
    torch.save(
      {
        model,
        optimizer: run.optimizer.stateDict(),
        scheduler: run.scheduler.stateDict(),
        rng,
        loader_generator: loader,
        epoch: 1,
      },
      file,
    );
  } finally {
    for (const t of [...model.values(), rng, loader]) t.dispose();
  }
}

interface Checkpoint {
  model: Record<string, torch.Tensor>;
  optimizer: Record<string, unknown>;
  scheduler: Record<string, unknown>;
  rng: torch.Tensor;
  loader_generator: torch.Tensor;
}

/** Fresh objects (initialised from another seed) with the checkpoint loaded and every RNG restored. */
function resume(dataset: torch.data.TensorDataset, c: SchedulerCase, file: string): Run {
  const run = newRun(dataset, c, 999);
  const ckpt = torch.load(file) as Checkpoint;
  try {
    const before = run.model.model.stateDict();
    const changed = bits(before.get("0.weight")!).equals(bits(ckpt.model["model.0.weight"]!)) === false;
    for (const t of before.values()) t.dispose();
    assert.ok(changed, "the fresh model starts from different weights than the checkpoint");
    run.model.loadStateDict(ckpt.model);
    run.optimizer.loadStateDict(ckpt.optimizer);
    run.scheduler.loadStateDict(ckpt.scheduler);
    torch.setRngState(ckpt.rng); // dropout masks continue where the saved run stopped
    run.loaderGenerator.setState(ckpt.loader_generator);
  } finally {
    disposeTree(ckpt); // everything above copies what it loads
  }
  return run;
}

function assertSameState(resumed: Run, straight: Run): void {
  const a = resumed.model.stateDict();
  const b = straight.model.stateDict();
  try {
    assert.deepEqual([...a.keys()], [...b.keys()]);
    assert.ok(a.has("model.1.running_var") && a.has("model.5.num_batches_tracked"), "buffers are compared");
    for (const [key, t] of b) assertBitwise(a.get(key)!, t, `model ${key}`);
  } finally {
    for (const t of [...a.values(), ...b.values()]) t.dispose();
  }
  const sa = resumed.optimizer.stateDict();
  const sb = straight.optimizer.stateDict();
  assert.deepEqual(sa.param_groups, sb.param_groups);
  assert.deepEqual([...sa.state.keys()], [...sb.state.keys()]);
  for (const [index, state] of sb.state) {
    assert.deepEqual(Object.keys(sa.state.get(index)!), ["step", "exp_avg", "exp_avg_sq"]);
    for (const [key, t] of Object.entries(state)) {
      assertBitwise(
        sa.state.get(index)![key] as torch.Tensor,
        t as torch.Tensor,
        `optimizer state[${index}].${key}`,
      );
    }
  }
  assert.deepEqual(resumed.scheduler.stateDict(), straight.scheduler.stateDict());
}

describe("checkpoint round trip: resuming from torch.save equals an uninterrupted run, bit for bit", () => {
  for (const c of CASES) {
    test(`Adam(weight_decay) + ${c.name}`, () => {
      const live = torch.memoryStats().liveTensors;
      const dataset = makeDataset();
      const straight = newRun(dataset, c, 0);
      train(straight, c, 3);
      assert.ok(new Set(straight.lrs).size > 1, `the lr changes during the run: ${straight.lrs}`);

      const first = newRun(dataset, c, 0);
      train(first, c, 1);
      const file = join(dir, `${c.name.split(" ")[0]}.pt`);
      saveCheckpoint(first, file);
      disposeRun(first);

      const resumed = resume(dataset, c, file);
      train(resumed, c, 2);
      assert.deepEqual(resumed.losses, straight.losses.slice(STEPS_PER_EPOCH), "losses of steps 6..15");
      assert.deepEqual(resumed.lrs, straight.lrs.slice(STEPS_PER_EPOCH), "lrs of steps 6..15");
      assertSameState(resumed, straight);

      disposeRun(resumed);
      disposeRun(straight);
      for (const t of dataset.tensors) t.dispose();
      assert.equal(torch.memoryStats().liveTensors, live, "no tensor outlives the test");
    });
  }
});

// Loads each checkpoint (argv: file, scheduler name, ...) into real PyTorch objects of the same shape and
// prints what they hold.
const PY_READER = `
import json, sys, torch
from torch import nn
F, C = ${FEATURES}, ${CLASSES}
SCHEDULERS = {
    "StepLR": lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
    "ReduceLROnPlateau": lambda opt: torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, factor=0.5, patience=1, threshold=0.05),
}
class DenseNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(F, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.25),
                                   nn.Linear(16, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, C))
out = []
for file, scheduler in zip(sys.argv[1::2], sys.argv[2::2]):
    ckpt = torch.load(file, weights_only=True)
    model = DenseNet()
    model.load_state_dict(ckpt["model"], strict=True)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-3)
    opt.load_state_dict(ckpt["optimizer"])
    sched = SCHEDULERS[scheduler](opt)
    sched.load_state_dict(ckpt["scheduler"])
    torch.set_rng_state(ckpt["rng"])
    torch.Generator().set_state(ckpt["loader_generator"])
    out.append({
        "model": {k: v.flatten().tolist() for k, v in model.state_dict().items()},
        "exp_avg_sq": {str(i): s["exp_avg_sq"].flatten().tolist() for i, s in opt.state_dict()["state"].items()},
        "lr": opt.param_groups[0]["lr"],
        "weight_decay": opt.param_groups[0]["weight_decay"],
        "last_lr": sched.get_last_lr(),
        "epoch": ckpt["epoch"],
    })
print(json.dumps(out))
`;

const { python, reason } = findTorchPython();

/** Asserts that what Python loaded from one checkpoint equals the Kiln objects that saved it. */
function assertPythonSaw(
  seen: Record<string, unknown> & { model: Record<string, number[]> },
  run: Run,
): void {
  const sd = run.model.stateDict();
  for (const [key, t] of sd) {
    const values = Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number);
    assert.deepEqual(seen.model[key], values, `Python's ${key}`);
    t.dispose();
  }
  assert.deepEqual(Object.keys(seen.model), [...sd.keys()]);
  const expAvgSq: Record<string, number[]> = {};
  for (const [index, s] of run.optimizer.stateDict().state) {
    expAvgSq[String(index)] = Array.from((s.exp_avg_sq as torch.Tensor).toTypedArray() as Float32Array);
  }
  assert.deepEqual(seen.exp_avg_sq, expAvgSq, "Python's exp_avg_sq");
  assert.equal(seen.lr, run.optimizer.paramGroups[0]!.lr);
  assert.equal(seen.weight_decay, 1e-3);
  assert.deepEqual(seen.last_lr, run.scheduler.getLastLr());
  assert.equal(seen.epoch, 1);
}

test("Python torch.load(weights_only=True) reads the checkpoint into nn / Adam / the scheduler", {
  skip: python ? false : reason,
}, () => {
  const live = torch.memoryStats().liveTensors;
  const dataset = makeDataset();
  const runs = CASES.map((c) => {
    const run = newRun(dataset, c, 0);
    train(run, c, 1);
    return run;
  });
  const args = CASES.flatMap((c, i) => {
    const file = join(dir, `for-python-${i}.pt`);
    saveCheckpoint(runs[i]!, file);
    return [file, c.name.split(" ")[0]!];
  });
  const r = spawnSync(python!, ["-c", PY_READER, ...args], { encoding: "utf8", maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, `Python could not read the checkpoints ${args}:\n${r.stderr}`);
  const seen = JSON.parse(r.stdout);
  runs.forEach((run, i) => {
    assertPythonSaw(seen[i], run);
    disposeRun(run);
  });
  for (const t of dataset.tensors) t.dispose();
  assert.equal(torch.memoryStats().liveTensors, live);
});

test("a truncated checkpoint fails to load with an error naming the file; the original still loads", () => {
  const dataset = makeDataset();
  const run = newRun(dataset, CASES[0]!, 0);
  train(run, CASES[0]!, 1);
  const good = join(dir, "good.pt");
  saveCheckpoint(run, good);
  disposeRun(run);
  for (const t of dataset.tensors) t.dispose();

  const bytes = readFileSync(good);
  for (const keep of [Math.floor(bytes.length / 2), bytes.length - 10]) {
    const truncated = join(dir, `truncated-${keep}.pt`);
    writeFileSync(truncated, bytes.subarray(0, keep));
    assert.throws(
      () => torch.load(truncated),
      (e: Error) => e.message.includes(truncated) && /corrupt or truncated/.test(e.message),
    );
  }
  const copy = join(dir, "copy.pt");
  copyFileSync(good, copy);
  const live = torch.memoryStats().liveTensors;
  const ckpt = torch.load(copy) as Checkpoint;
  assert.ok(ckpt.model["model.0.weight"] instanceof torch.Tensor);
  disposeTree(ckpt);
  assert.equal(torch.memoryStats().liveTensors, live);
});
