// LightningModule.loadFromCheckpoint / LightningDataModule.loadFromCheckpoint as Lightning's load_from_checkpoint:
// a real Lightning 2.6.6 checkpoint (fixtures/lightning/tiny.ckpt) rebuilds a module from its hyper_parameters
// with its weights; overrides win over saved values; configs saved for objects (the net, `_partial_`
// optimizer factories) are instantiated again; a checkpoint that does not fit names the missing and unexpected
// keys (strict) or warns with Lightning's messages (strict=false); module targets need trust.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { instantiate, isPartialTarget } from "../../src/config/index.js";
import { LightningDataModule } from "../../src/lightning/datamodule.js";
import { LightningModule } from "../../src/lightning/module.js";
import { MNISTLitModule } from "../../src/models/mnist-module.js";
import * as torch from "../../src/torch/index.js";
import { Linear, ReLU, Sequential } from "../../src/torch/nn/index.js";
import { registerKilnTargets } from "../../src/utils/targets.js";

const TINY = new URL("../fixtures/lightning/tiny.ckpt", import.meta.url).pathname;

interface TinyOptions {
  lr: number;
  net: { hidden: number; act: string };
  tag: string;
}

/** The module that wrote tiny.ckpt: Linear(4, hidden) -> ReLU -> Linear(hidden, 2). */
class TinyModule extends LightningModule {
  net: Sequential;
  constructor(readonly options: TinyOptions) {
    super();
    this.saveHyperparameters({ ...options });
    this.net = new Sequential(
      new Linear(4, options.net.hidden),
      new ReLU(),
      new Linear(options.net.hidden, 2),
    );
  }
}

/** The same weights under other names: body.0 / head. */
class RenamedModule extends LightningModule {
  body: Sequential;
  head: Linear;
  constructor(options: TinyOptions) {
    super();
    this.saveHyperparameters({ ...options });
    this.body = new Sequential(new Linear(4, options.net.hidden));
    this.head = new Linear(options.net.hidden, 2);
  }
}

test("Lightning's tiny.ckpt rebuilds the module from its hyper_parameters, with its weights", async () => {
  const model = await TinyModule.loadFromCheckpoint(TINY);
  assert.ok(model instanceof TinyModule);
  assert.deepEqual(model.hparams, { lr: 0.05, net: { hidden: 8, act: "relu" }, tag: "tiny" });
  const w = model.stateDict().get("net.0.weight")!;
  assert.deepEqual(w.shape, [8, 4]);
  assert.deepEqual(
    Array.from(w.toTypedArray() as Float32Array).slice(0, 4),
    [0.5318450331687927, 0.6349754333496094, -0.14275451004505157, 0.24413256347179413].map(Math.fround),
  );
  const bias = model.stateDict().get("net.2.bias")!;
  assert.deepEqual(
    Array.from(bias.toTypedArray() as Float32Array),
    [-0.09803567826747894, 0.203700453042984].map(Math.fround),
  );
  model.dispose();
});

test("keyword overrides win over the saved hyperparameters", async () => {
  const model = await TinyModule.loadFromCheckpoint(TINY, { lr: 0.1, tag: "new" });
  assert.equal(model.hparams.lr, 0.1);
  assert.equal(model.hparams.tag, "new");
  assert.deepEqual(model.hparams.net, { hidden: 8, act: "relu" });
  model.dispose();
});

test("a checkpoint that does not fit names the missing and unexpected keys", async () => {
  await assert.rejects(RenamedModule.loadFromCheckpoint(TINY), (e: Error) => {
    assert.match(e.message, /^Error\(s\) in loading state_dict for RenamedModule:/);
    assert.match(
      e.message,
      /Missing key\(s\) in state_dict: "body\.0\.weight", "body\.0\.bias", "head\.weight", "head\.bias"\./,
    );
    assert.match(
      e.message,
      /Unexpected key\(s\) in state_dict: "net\.0\.weight", "net\.0\.bias", "net\.2\.weight", "net\.2\.bias"\./,
    );
    return true;
  });
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  try {
    const model = await RenamedModule.loadFromCheckpoint(TINY, { strict: false });
    await new Promise((resolve) => setImmediate(resolve));
    model.dispose();
  } finally {
    process.off("warning", onWarning);
  }
  assert.ok(
    warnings.includes(
      "Found keys that are in the model state dict but not in the checkpoint: ['body.0.weight', 'body.0.bias', 'head.weight', 'head.bias']",
    ),
    warnings.join("\n"),
  );
  assert.ok(
    warnings.includes(
      "Found keys that are not in the model state dict but in the checkpoint: ['net.0.weight', 'net.0.bias', 'net.2.weight', 'net.2.bias']",
    ),
  );
  class Lenient extends RenamedModule {
    override strictLoading = false;
  }
  await assert.rejects(
    Lenient.loadFromCheckpoint(TINY, { strict: true }),
    /in conflict with `Lenient.strictLoading=False/,
  );
});

test("the template's module rebuilds its net and its _partial_ optimizer from the configs it saved", async () => {
  registerKilnTargets();
  const dir = mkdtempSync(join(tmpdir(), "kiln-saving-"));
  try {
    const model = (await instantiate({
      _target_: "src.models.mnist_module.MNISTLitModule",
      net: {
        _target_: "src.models.components.simple_dense_net.SimpleDenseNet",
        input_size: 784,
        lin1_size: 16,
        lin2_size: 16,
        lin3_size: 16,
        output_size: 10,
      },
      optimizer: { _target_: "torch.optim.Adam", _partial_: true, lr: 0.002, weight_decay: 0.0 },
      scheduler: null,
    })) as MNISTLitModule;
    assert.deepEqual(
      (model.hparams.net as Record<string, unknown>)._target_,
      "src.models.components.simple_dense_net.SimpleDenseNet",
    );
    const path = join(dir, "m.ckpt");
    const stateDict = Object.fromEntries(model.stateDict());
    torch.save(
      { state_dict: stateDict, hparams_name: "kwargs", hyper_parameters: { ...model.hparams } },
      path,
    );
    const loaded = await MNISTLitModule.loadFromCheckpoint(path);
    assert.equal(
      isPartialTarget(loaded.hparams.optimizer),
      false,
      "hparams keep the config, not the factory",
    );
    for (const [key, value] of model.stateDict()) {
      assert.deepEqual(loaded.stateDict().get(key)!.toArray(), value.toArray(), key);
    }
    const optimizer = loaded.configureOptimizers() as unknown as
      | { optimizer: { paramGroups: { lr: number }[] } }
      | { paramGroups: { lr: number }[] };
    const groups = "optimizer" in optimizer ? optimizer.optimizer.paramGroups : optimizer.paramGroups;
    assert.equal(groups[0]!.lr, 0.002);
    model.dispose();
    loaded.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("module targets in a checkpoint are blocked unless trusted", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-saving-"));
  try {
    const path = join(dir, "evil.ckpt");
    torch.save({ state_dict: {}, hyper_parameters: { net: { _target_: "file:./evil.ts#Run" } } }, path);
    await assert.rejects(
      TinyModule.loadFromCheckpoint(path),
      /blocked to prevent running code from a checkpoint.*trust_module_targets/s,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

class CountingDataModule extends LightningDataModule {
  seen = 0;
  constructor(readonly options: { batch_size: number }) {
    super();
    this.saveHyperparameters({ ...options });
  }
  override stateDict(): Record<string, unknown> {
    return { seen: this.seen };
  }
  override loadStateDict(state: Record<string, unknown>): void {
    this.seen = state.seen as number;
  }
}

test("LightningDataModule.loadFromCheckpoint rebuilds from datamodule_hyper_parameters and loads its state", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-saving-"));
  try {
    const path = join(dir, "dm.ckpt");
    torch.save(
      {
        state_dict: {},
        datamodule_hparams_name: "kwargs",
        datamodule_hyper_parameters: { batch_size: 32 },
        CountingDataModule: { seen: 7 },
      },
      path,
    );
    const dm = await CountingDataModule.loadFromCheckpoint(path);
    assert.deepEqual(dm.hparams, { batch_size: 32 });
    assert.equal(dm.seen, 7);
    const other = await CountingDataModule.loadFromCheckpoint(path, { batch_size: 8 });
    assert.equal(other.options.batch_size, 8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
