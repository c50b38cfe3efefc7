import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkOptions,
  closestMatches,
  instantiate,
  instantiateSync,
  levenshtein,
  listAliases,
  listTargets,
  OptionsError,
  registerAlias,
  registerLazyTarget,
  registerTarget,
  resolveTarget,
  resolveTargetSync,
  UnknownTargetError,
} from "../../../src/config/instantiate/index.js";
import { KILN_TARGETS, registerTemplateAliases, TEMPLATE_ALIASES } from "../../../src/utils/targets.js";

// The template's aliases, declared as `kiln train` declares them (the registry itself starts empty).
registerTemplateAliases();

class Widget {
  constructor(readonly options: Record<string, unknown>) {}
}
function makeGadget(options: Record<string, unknown>) {
  return { gadget: options };
}

registerTarget("test.reg.Widget", Widget, { aliases: ["py.widgets.Widget"] });
registerTarget("test.reg.makeGadget", makeGadget);

test("levenshtein distances", () => {
  assert.equal(levenshtein("", "abc"), 3);
  assert.equal(levenshtein("kitten", "sitting"), 3);
  assert.equal(levenshtein("Adam", "Adam"), 0);
  assert.equal(levenshtein("Adamm", "Adam"), 1);
});

test("closestMatches looks at whole names and at the last segment", () => {
  const names = ["torch.optim.Adam", "torch.optim.AdamW", "torch.optim.SGD", "kiln.Trainer"];
  assert.deepEqual(closestMatches("torch.optim.Adamm", names), ["torch.optim.Adam", "torch.optim.AdamW"]);
  assert.deepEqual(closestMatches("Trainer", names), ["kiln.Trainer"]);
  assert.deepEqual(closestMatches("pytorch_lightning.Trainer", names), ["kiln.Trainer"]);
  assert.deepEqual(closestMatches("something.else.Entirely", names), []);
});

test("registerTarget detects class vs function and resolves names and aliases", () => {
  const cls = resolveTargetSync("test.reg.Widget");
  assert.equal(cls.kind, "class");
  assert.equal(cls.value, Widget);
  assert.equal(cls.options, true);
  assert.equal(resolveTargetSync("py.widgets.Widget").name, "test.reg.Widget");
  assert.equal(resolveTargetSync("test.reg.makeGadget").kind, "function");
  const info = listTargets().find((t) => t.name === "test.reg.Widget");
  assert.deepEqual(info, {
    name: "test.reg.Widget",
    kind: "class",
    lazy: false,
    loaded: true,
    aliases: ["py.widgets.Widget"],
  });
});

test("registration conflicts are errors", () => {
  assert.throws(() => registerTarget("test.reg.Widget", makeGadget), /already registered with another value/);
  registerTarget("test.reg.Widget", Widget); // the same value again is fine
  assert.throws(() => registerAlias("test.reg.Widget", "x.y"), /a target is registered under that name/);
  assert.throws(
    () => registerAlias("py.widgets.Widget", "other.Name"),
    /already points to 'test.reg.Widget'/,
  );
  assert.throws(() => registerTarget("py.widgets.Widget", Widget), /already an alias/);
  assert.throws(() => registerTarget("file:./x.ts#X", Widget), /reserved for module targets/);
  assert.throws(() => registerTarget("has space", Widget), /without spaces/);
  assert.throws(() => registerTarget("test.reg.notCallable", 42 as never), /must be a class or a function/);
});

test("unknown targets suggest near registered names and aliases", () => {
  assert.throws(
    () => resolveTargetSync("test.reg.Widgett"),
    (err: unknown) => {
      assert.ok(err instanceof UnknownTargetError);
      assert.match(err.message, /^Unknown target 'test.reg.Widgett': it is not in Kiln's target registry\./);
      assert.match(err.message, /Did you mean 'test.reg.Widget'\?/);
      assert.match(err.message, /file:\.\/path\/to\/module\.ts#ExportName/);
      return true;
    },
  );
});

test("an alias to a target that is not registered says which Kiln name is missing", () => {
  assert.throws(
    () => resolveTargetSync("torch.optim.Adam"),
    /Target 'torch.optim.Adam' is an alias of 'kiln.torch.optim.Adam', which is not registered/,
  );
});

test("the template alias table covers the lightning-hydra-template names", () => {
  const required = [
    "lightning.pytorch.callbacks.ModelCheckpoint",
    "lightning.pytorch.callbacks.EarlyStopping",
    "lightning.pytorch.callbacks.RichModelSummary",
    "lightning.pytorch.callbacks.RichProgressBar",
    "lightning.pytorch.trainer.Trainer",
    "lightning.pytorch.loggers.csv_logs.CSVLogger",
    "lightning.pytorch.loggers.tensorboard.TensorBoardLogger",
    "lightning.pytorch.loggers.mlflow.MLFlowLogger",
    "torch.optim.Adam",
    "torch.optim.lr_scheduler.ReduceLROnPlateau",
    "src.models.mnist_module.MNISTLitModule",
    "src.models.components.simple_dense_net.SimpleDenseNet",
    "src.data.mnist_datamodule.MNISTDataModule",
  ];
  const declared = new Map(listAliases());
  for (const name of required) {
    assert.ok(TEMPLATE_ALIASES[name], `${name} is in the table`);
    assert.equal(declared.get(name), TEMPLATE_ALIASES[name], `${name} is declared`);
  }
  assert.equal(TEMPLATE_ALIASES["torch.optim.Adam"], KILN_TARGETS.Adam);
  assert.equal(TEMPLATE_ALIASES["lightning.pytorch.trainer.Trainer"], "kiln.Trainer");
});

test("a template alias works once its Kiln target is registered", async () => {
  class FakeDataModule {
    constructor(readonly options: Record<string, unknown>) {}
  }
  registerTarget(KILN_TARGETS.MNISTDataModule, FakeDataModule);
  const dm = await instantiate<FakeDataModule>({
    _target_: "src.data.mnist_datamodule.MNISTDataModule",
    data_dir: "data/",
    batch_size: 128,
  });
  assert.ok(dm instanceof FakeDataModule);
  assert.deepEqual(dm.options, { data_dir: "data/", batch_size: 128 });
});

test("lazy targets load on first use, once, and only when a config names them", async () => {
  let loads = 0;
  class Lazy {
    constructor(readonly options: Record<string, unknown>) {}
  }
  registerLazyTarget("test.reg.Lazy", async () => {
    loads++;
    return Lazy;
  });
  let otherLoads = 0;
  registerLazyTarget("test.reg.NeverUsed", async () => {
    otherLoads++;
    return Lazy;
  });
  const before = listTargets().find((t) => t.name === "test.reg.Lazy");
  assert.equal(before?.lazy, true);
  assert.equal(before?.loaded, false);
  assert.throws(() => resolveTargetSync("test.reg.Lazy"), /registered lazily and not loaded yet/);
  assert.throws(() => instantiateSync({ _target_: "test.reg.Lazy" }), /registered lazily and not loaded yet/);

  const [a, b] = await Promise.all([
    instantiate<Lazy>({ _target_: "test.reg.Lazy", x: 1 }),
    instantiate<Lazy>({ _target_: "test.reg.Lazy", x: 2 }),
  ]);
  assert.deepEqual([a.options, b.options], [{ x: 1 }, { x: 2 }]);
  assert.equal(loads, 1);
  assert.equal(otherLoads, 0);
  // Once loaded, the synchronous path works too.
  assert.ok(instantiateSync({ _target_: "test.reg.Lazy" }) instanceof Lazy);
  assert.equal(listTargets().find((t) => t.name === "test.reg.Lazy")?.loaded, true);
});

test("a lazy target whose module registers itself on import keeps that registration", async () => {
  class SelfRegistering {
    constructor(
      readonly params: unknown,
      readonly options: Record<string, unknown>,
    ) {}
  }
  registerLazyTarget("test.reg.SelfRegistering", async () => {
    // What a module like src/torch/optim.ts does at import time.
    registerTarget("test.reg.SelfRegistering", SelfRegistering, { kind: "class", positional: ["params"] });
    return SelfRegistering;
  });
  const resolved = await resolveTarget("test.reg.SelfRegistering");
  assert.deepEqual(resolved.positional, ["params"]);
  const opt = await instantiate<SelfRegistering>(
    { _target_: "test.reg.SelfRegistering", lr: 0.1 },
    { params: [1, 2] },
  );
  assert.deepEqual(opt.params, [1, 2]);
  assert.deepEqual(opt.options, { lr: 0.1 });
  // A lazy declaration after an eager registration is a no-op.
  registerLazyTarget("test.reg.Widget", async () => makeGadget);
  assert.equal(resolveTargetSync("test.reg.Widget").value, Widget);
});

test("a failing lazy loader is reported with the target and can be retried", async () => {
  let attempt = 0;
  registerLazyTarget("test.reg.Flaky", async () => {
    attempt++;
    if (attempt === 1) throw new Error("addon not built");
    return Widget;
  });
  await assert.rejects(instantiate({ model: { _target_: "test.reg.Flaky" } }), (err: Error) => {
    assert.match(
      err.message,
      /^Error locating target 'test.reg.Flaky':\nError: Loading target 'test.reg.Flaky' failed: addon not built/,
    );
    assert.match(err.message, /full_key: model/);
    return true;
  });
  assert.ok((await instantiate({ _target_: "test.reg.Flaky" })) instanceof Widget);
});

test("checkOptions names the bad key, a near match and the allowed keys", () => {
  const allowed = ["lr", "betas", "eps", "weight_decay", "amsgrad"];
  assert.deepEqual(checkOptions({ lr: 0.1, eps: undefined }, allowed, "Adam"), { lr: 0.1, eps: undefined });
  assert.throws(
    () => checkOptions({ lr: 0.1, lrr: 0.2 }, allowed, "Adam"),
    (err: unknown) => {
      assert.ok(err instanceof OptionsError);
      assert.ok(err instanceof TypeError);
      assert.deepEqual(err.badKeys, ["lrr"]);
      assert.equal(
        err.message,
        "unexpected option 'lrr' for Adam. Did you mean 'lr'?\nAllowed options: lr, betas, eps, weight_decay, amsgrad",
      );
      return true;
    },
  );
  assert.throws(
    () => checkOptions({ weightDecay: 0 }, allowed, "Adam"),
    /unexpected option 'weightDecay' for Adam\. Did you mean 'weight_decay'\? \(options use the YAML's snake_case names\)/,
  );
  assert.throws(
    () => checkOptions({ zzz: 1, qqq: 2 }, new Set(allowed), "Adam"),
    (err: unknown) => {
      assert.ok(err instanceof OptionsError);
      assert.deepEqual(err.badKeys, ["zzz", "qqq"]);
      return true;
    },
  );
  assert.throws(() => checkOptions([1] as never, allowed, "Adam"), /Adam expects one options object/);
  assert.deepEqual(checkOptions(undefined, allowed, "Adam"), {});
});
