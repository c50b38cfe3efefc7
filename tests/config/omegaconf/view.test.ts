// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OmegaConf interpolation strings are the test data.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import {
  ConfigKeyError,
  type DictNode,
  getNode,
  type ListNode,
  MissingMandatoryValue,
  nodeOfView,
  parseYamlConfig,
  provenanceOf,
  ReadonlyConfigError,
  setReadonly,
  setStruct,
  toContainer,
  toView,
} from "../../../src/config/omegaconf/index.js";

const load = () =>
  parseYamlConfig(
    "trainer:\n  max_epochs: 10\n  lr: 1.0\n  name: run_${trainer.max_epochs}\n  devices: [0, 1]\nmodel: ???\nref: ${trainer}\n",
    { file: "v.yaml" },
  ).node as DictNode;

test("DictConfig view: attribute and index access resolve, floats are numbers", () => {
  const cfg = toView(load());
  assert.equal(cfg.trainer.max_epochs, 10);
  assert.equal(cfg.trainer.lr, 1);
  assert.equal(typeof cfg.trainer.lr, "number");
  assert.equal(cfg.trainer.name, "run_10");
  const [section, key] = ["trainer", "devices"];
  assert.equal(cfg[section][key][1], 1);
  assert.equal(cfg.ref.max_epochs, 10);
  assert.deepEqual(Object.keys(cfg), ["trainer", "model", "ref"]);
  assert.deepEqual(Object.keys(cfg.trainer), ["max_epochs", "lr", "name", "devices"]);
  assert.ok("trainer" in cfg);
  assert.ok(!("nope" in cfg));
  assert.equal(cfg.trainer, cfg.trainer, "views are cached per node");
});

test("DictConfig view: ??? throws on access, unknown keys throw, Object.keys does not resolve", () => {
  const cfg = toView(load());
  assert.throws(
    () => cfg.model,
    (e: unknown) =>
      e instanceof MissingMandatoryValue && e.keyPath === "model" && /at v\.yaml:6/.test(e.message),
  );
  assert.throws(
    () => cfg.trainer.nope,
    (e: unknown) =>
      e instanceof ConfigKeyError && /Missing key nope\n {2}full_key: trainer\.nope/.test(e.message),
  );
  assert.equal(Object.keys(cfg).length, 3);
  assert.equal(cfg.then, undefined, "a view is not a thenable");
  assert.equal(typeof cfg.toString, "function");
});

test("DictConfig view: assignment goes through struct and read-only checks", () => {
  const root = load();
  const cfg = toView(root);
  cfg.trainer.max_epochs = 20;
  assert.equal(cfg.trainer.name, "run_20");
  cfg.model = { hidden: [64, 128], dropout: 0.5 };
  assert.deepEqual(
    cfg.model.hidden.map((x: number) => x * 2),
    [128, 256],
  );
  cfg.extra = 1;
  setStruct(root, true);
  assert.throws(() => {
    cfg.trainer.max_epoch = 5;
  }, /Key 'max_epoch' is not in struct\n {2}full_key: trainer\.max_epoch/);
  assert.throws(() => {
    delete cfg.extra;
  }, /DictConfig in struct mode does not support deletion/);
  setStruct(root, false);
  delete cfg.extra;
  assert.ok(!("extra" in cfg));
  setReadonly(root, true);
  assert.throws(() => {
    cfg.trainer.max_epochs = 1;
  }, ReadonlyConfigError);
});

test("ListConfig view: array-like behaviour", () => {
  const cfg = toView(load());
  const devices = cfg.trainer.devices;
  assert.ok(Array.isArray(devices));
  assert.equal(devices.length, 2);
  assert.deepEqual([...devices], [0, 1]);
  assert.deepEqual(
    devices.map((d: number) => d + 1),
    [1, 2],
  );
  devices.push(2);
  devices[0] = 7;
  assert.deepEqual(toContainer(getNode(toViewRoot(cfg), "trainer.devices") as ListNode), [7, 1, 2]);
  devices.length = 1;
  assert.deepEqual(JSON.parse(JSON.stringify(devices)), [7]);
});

function toViewRoot(view: object): DictNode {
  return nodeOfView(view) as DictNode;
}

test("views serialize to JSON (resolved) and print as plain data", () => {
  const root = load();
  const cfg = toView(root);
  cfg.model = "m";
  assert.deepEqual(JSON.parse(JSON.stringify(cfg.trainer)), {
    max_epochs: 10,
    lr: 1,
    name: "run_10",
    devices: [0, 1],
  });
  assert.match(inspect(cfg.trainer), /max_epochs: 10/);
  assert.equal(nodeOfView(cfg), root);
  assert.equal(nodeOfView({}), undefined);
  assert.deepEqual({ ...cfg.trainer }.devices, [0, 1]);
});

test("assignment through a view records no provenance of its own but keeps the old chain", () => {
  const root = load();
  toView(root).trainer.max_epochs = 3;
  assert.deepEqual(
    provenanceOf(root, "trainer.max_epochs").map((p) => p.line),
    [2],
  );
});
