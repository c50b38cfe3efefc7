// Files written by Python's torch.save (torch 2.13.0+cpu) load with the exact values Python saved.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { load, type RawTensor, saveToBuffer, Tuple } from "../../../src/torch/serialization/index.js";
import { describeValue, repoRoot, tensorValues } from "./describe_value.js";

const fixtures = join(import.meta.dirname, "../../fixtures");
const savedByPython = resolve(fixtures, "torch/saved_by_python.pt");
const tinyCkpt = resolve(fixtures, "lightning/tiny.ckpt");
const mixed = resolve(repoRoot, "tests/fixtures/serialization/python_mixed.pt");

type Dict = Record<string, unknown>;

test("saved_by_python.pt: every value, dtype, shape, stride and offset", () => {
  const v = load(savedByPython) as Dict;
  assert.deepEqual(Object.keys(v), ["w", "b", "step", "names", "nested"]);
  const w = v.w as RawTensor;
  assert.equal(w.dtype, "float32");
  assert.deepEqual([w.shape, w.stride, w.storageOffset, w.requiresGrad], [[2, 3], [3, 1], 0, false]);
  assert.deepEqual(tensorValues(w), [0, 0.25, 0.5, 0.75, 1, 1.25]);
  const b = v.b as RawTensor;
  assert.deepEqual([b.dtype, b.shape, b.stride], ["float64", [3], [1]]);
  assert.deepEqual(tensorValues(b), [0.5, 1.5, 2.5]);
  assert.equal(v.step, 7);
  assert.deepEqual(v.names, ["a", "b"]);
  const nested = v.nested as Dict;
  assert.deepEqual(Object.keys(nested), ["x", "flag", "none"]);
  const x = nested.x as RawTensor;
  assert.deepEqual([x.dtype, x.shape, x.stride], ["int64", [4], [1]]);
  assert.deepEqual(tensorValues(x), [-1n, 0n, 1n, 2n]);
  assert.equal(nested.flag, true);
  assert.equal(nested.none, null);
  // The raw storage bytes listed in saved_by_python.pt.txt.
  assert.equal(
    Buffer.from(w.storage.bytes).toString("hex"),
    "000000000000803e0000003f0000403f0000803f0000a03f",
  );
});

test("saved_by_python.pt is reproduced byte for byte by Kiln's writer", () => {
  const original = readFileSync(savedByPython);
  const again = saveToBuffer(load(savedByPython), {
    archiveName: "saved_by_python",
    serializationId: "0849488847965048735001462724328959626974",
  });
  assert.equal(Buffer.compare(Buffer.from(again), original), 0);
});

test("tiny.ckpt (Lightning 2.6.6): keys, nesting, shapes and values", () => {
  const c = load(tinyCkpt) as Dict;
  assert.deepEqual(Object.keys(c), [
    "epoch",
    "global_step",
    "pytorch-lightning_version",
    "state_dict",
    "loops",
    "callbacks",
    "optimizer_states",
    "lr_schedulers",
    "hparams_name",
    "hyper_parameters",
  ]);
  assert.equal(c.epoch, 1);
  assert.equal(c.global_step, 6);
  assert.equal(c["pytorch-lightning_version"], "2.6.6");
  const sd = c.state_dict as Record<string, RawTensor>;
  assert.deepEqual(Object.keys(sd), ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]);
  assert.deepEqual(
    Object.values(sd).map((t) => t.shape),
    [[8, 4], [8], [2, 8], [2]],
  );
  assert.deepEqual(
    tensorValues(sd["net.0.weight"]).slice(0, 4),
    [0.5318450331687927, 0.6349754333496094, -0.14275451004505157, 0.24413256347179413],
  );
  assert.deepEqual(tensorValues(sd["net.2.bias"]), [-0.09803567826747894, 0.203700453042984]);
  const loops = c.loops as Dict;
  const fit = loops.fit_loop as Dict;
  assert.equal(Object.keys(fit).length, 11);
  assert.deepEqual((fit["epoch_loop.state_dict"] as Dict)._batches_that_stepped, 6);
  assert.equal(((fit["epoch_loop.batch_progress"] as Dict).current as Dict).completed, 3);
  const callbacks = c.callbacks as Dict;
  const [cbKey] = Object.keys(callbacks);
  assert.equal(
    cbKey,
    "ModelCheckpoint{'monitor': None, 'mode': 'min', 'every_n_train_steps': 0, 'every_n_epochs': 1, 'train_time_interval': None}",
  );
  const cb = callbacks[cbKey] as Dict;
  assert.equal(cb.best_model_path, "pl/csv/version_0/checkpoints/epoch=1-step=6.ckpt");
  const kth = cb.kth_value as RawTensor;
  assert.deepEqual([kth.shape, tensorValues(kth)], [[], [Number.POSITIVE_INFINITY]]);
  const [opt] = c.optimizer_states as Dict[];
  const state = opt.state as Map<number, Dict>;
  assert.ok(state instanceof Map, "int-keyed optimizer state loads as a Map");
  assert.deepEqual([...state.keys()], [0, 1, 2, 3]);
  const s0 = state.get(0) as Record<string, RawTensor>;
  assert.deepEqual([s0.step.shape, tensorValues(s0.step)], [[], [6]]);
  assert.deepEqual(tensorValues(s0.exp_avg_sq).slice(0, 2), [3.8534395571332425e-5, 9.433570085093379e-6]);
  assert.deepEqual(
    tensorValues(state.get(3)?.exp_avg as RawTensor),
    [0.04370233044028282, -0.043702322989702225],
  );
  const [group] = opt.param_groups as Dict[];
  assert.ok(group.betas instanceof Tuple);
  assert.deepEqual([...(group.betas as number[])], [0.9, 0.999]);
  assert.deepEqual(
    [group.lr, group.eps, group.weight_decay, group.amsgrad, group.foreach],
    [0.05, 1e-8, 0, false, null],
  );
  assert.deepEqual(group.params, [0, 1, 2, 3]);
  assert.deepEqual(c.lr_schedulers, []);
  assert.equal(c.hparams_name, "kwargs");
  assert.deepEqual(c.hyper_parameters, { lr: 0.05, net: { hidden: 8, act: "relu" }, tag: "tiny" });
});

test("python_mixed.pt: every dtype, views, shared storage, parameters, big ints, unicode", () => {
  const expected = JSON.parse(readFileSync(mixed.replace(/\.pt$/, ".json"), "utf8"));
  const loaded = load(mixed, { preserveFloats: true }) as Dict;
  assert.deepEqual(describeValue(loaded), expected);
  // Views of one storage share one RawStorage object, as they share memory in PyTorch.
  const [base, view, transposed] = [loaded.base, loaded.view, loaded.transposed] as RawTensor[];
  assert.equal(view.storage, base.storage);
  assert.equal(transposed.storage, base.storage);
  assert.deepEqual([view.storageOffset, view.stride], [6, [6, 2]]);
});
