// LightningModule and LightningDataModule: hyperparameters, trainer access, optimizers(), predict/validate
// entry points, datamodule state in checkpoints, configureCallbacks, batch transfer.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { PyFloat } from "../../src/common/pyvalue.js";
import { Callback } from "../../src/lightning/callbacks/callback.js";
import { LightningModule, moveToDevice } from "../../src/lightning/module.js";
import { Trainer } from "../../src/lightning/trainer/trainer.js";
import * as torch from "../../src/torch/index.js";
import { LinearModule, loader, MemoryLogger, QUIET, regressionData, tempDir } from "./trainer/helpers.js";
import { TinyDataModule, TinyModule } from "./trainer/tiny.js";

test("saveHyperparameters keeps given values (not modules, not ignored keys); hparamsInitial is a copy", () => {
  const m = new LightningModule();
  m.saveHyperparameters(
    { lr: new PyFloat(1), net: { hidden: 8 }, layer: new torch.nn.Linear(1, 1), seed: 3 },
    { ignore: ["seed"] },
  );
  assert.deepEqual(Object.keys(m.hparams), ["lr", "net"]);
  assert.ok(m.hparams.lr instanceof PyFloat, "PyFloat survives");
  (m.hparams.net as { hidden: number }).hidden = 16;
  assert.equal((m.hparamsInitial.net as { hidden: number }).hidden, 8);
  assert.equal(m.hparamsName, "kwargs");
});

test("without a trainer: trainer throws, log is a no-op, counters are 0, device follows the parameters", () => {
  const m = new LinearModule();
  assert.throws(() => m.trainer, /LinearModule is not attached to a `Trainer`/);
  m.log("x", 1);
  assert.equal(m.currentEpoch, 0);
  assert.equal(m.globalStep, 0);
  assert.equal(m.device, "cpu");
  assert.equal(new LightningModule().device, "cpu");
});

test("optimizers() and lrSchedulers() unwrap a single entry; freeze/unfreeze toggle grads and mode", async () => {
  const data = regressionData(8);
  const m = new LinearModule();
  const sched: unknown[] = [];
  m.configureOptimizers = (() => {
    const optimizer = new torch.optim.SGD(m.parameters(), { lr: 0.1 });
    return { optimizer, lrScheduler: new torch.optim.StepLR(optimizer, { step_size: 1 }) };
  }) as never;
  m.onTrainStart = () => {
    sched.push(m.optimizers(), m.lrSchedulers());
  };
  await new Trainer({ ...QUIET, max_epochs: 1 }).fit(m, { trainDataloaders: loader(data, 4) });
  assert.ok(sched[0] instanceof torch.optim.SGD);
  assert.ok(sched[1] instanceof torch.optim.StepLR);
  m.freeze();
  assert.equal(m.training, false);
  assert.ok(m.parameters().every((p) => !p.requiresGrad));
  m.unfreeze();
  assert.ok(m.training && m.parameters().every((p) => p.requiresGrad));
  data.dispose();
});

test("hyperparameters go to every logger at the start of each stage; fit(model, dm) works", async () => {
  const logger = new MemoryLogger();
  const dm = new TinyDataModule();
  dm.saveHyperparameters({ batch_size: 4 });
  const trainer = new Trainer({ ...QUIET, max_epochs: 1, logger });
  const model = new TinyModule();
  await trainer.fit(model, dm); // Lightning accepts the datamodule as the second argument
  await trainer.test(model, { datamodule: dm, verbose: false });
  assert.equal(logger.hparams.length, 2);
  assert.deepEqual(Object.keys(logger.hparams[0]!), ["lr", "net", "tag", "batch_size"]);
  assert.deepEqual(logger.finalized, ["success", "success"]);
  dm.dispose();
});

test("validate() returns the logged epoch metrics; predict() returns predictStep outputs per batch", async () => {
  const data = regressionData(10);
  const m = new LinearModule({ validationStep: (mod) => mod.log("v", 2) });
  const trainer = new Trainer({ ...QUIET });
  const results = await trainer.validate(m, { dataloaders: loader(data, 4), verbose: false });
  assert.deepEqual(results, [{ v: 2 }]);
  const preds = (await trainer.predict(m, { dataloaders: loader(data, 4) })) as torch.Tensor[];
  assert.deepEqual(
    preds.map((p) => p.shape),
    [
      [4, 1],
      [4, 1],
      [2, 1],
    ],
  );
  for (const p of preds) p.dispose();
  assert.equal(m.training, true, "the module's mode is restored after evaluation");
  await assert.rejects(
    trainer.test(m, { verbose: false }),
    /No `testDataloader\(\)` method defined to run `Trainer.test`/,
  );
  data.dispose();
});

test("datamodule state goes into checkpoints under its class name and is restored", async () => {
  class StatefulDM extends TinyDataModule {
    counter = 0;
    override stateDict() {
      return { counter: this.counter };
    }
    override loadStateDict(state: Record<string, unknown>) {
      this.counter = state.counter as number;
    }
  }
  const dm = new StatefulDM();
  dm.counter = 7;
  const trainer = new Trainer({ ...QUIET, max_epochs: 1 });
  await trainer.fit(new TinyModule(), { datamodule: dm });
  const path = join(tempDir(), "dm.ckpt");
  await trainer.saveCheckpoint(path);
  assert.deepEqual((torch.load(path) as Record<string, unknown>).StatefulDM, { counter: 7 });
  const dm2 = new StatefulDM();
  await new Trainer({ ...QUIET, max_epochs: 1 }).validate(new TinyModule(), {
    datamodule: dm2,
    ckptPath: path,
    verbose: false,
  });
  assert.equal(dm2.counter, 7);
  dm.dispose();
  dm2.dispose();
});

test("configureCallbacks replaces trainer callbacks of the same class", async () => {
  class Tagged extends Callback {
    constructor(readonly tag: string) {
      super();
    }
  }
  const data = regressionData(8);
  const m = new LinearModule();
  m.configureCallbacks = () => [new Tagged("model")];
  const trainer = new Trainer({ ...QUIET, max_epochs: 1, callbacks: [new Tagged("trainer")] });
  await trainer.fit(m, { trainDataloaders: loader(data, 4) });
  const tags = trainer.callbacks.filter((c) => c instanceof Tagged).map((c) => (c as Tagged).tag);
  assert.deepEqual(tags, ["model"]);
  data.dispose();
});

test("moveToDevice moves tensors inside arrays and objects and leaves other values", () => {
  torch.tidy(() => {
    const t = torch.ones([2]);
    const moved = moveToDevice({ a: [t, 3], b: "x" }, "cpu") as { a: [torch.Tensor, number]; b: string };
    assert.equal(moved.a[0], t, "already on the device: same tensor");
    assert.equal(moved.a[1], 3);
    assert.equal(moved.b, "x");
  });
});
