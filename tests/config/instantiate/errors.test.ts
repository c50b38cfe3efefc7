// biome-ignore-all lint/suspicious/noTemplateCurlyInString: OmegaConf interpolations are plain strings.
// Error messages: Hydra's layout (what failed, the cause, full_key) plus the YAML file:line Kiln knows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { InstantiationError, instantiate, instantiateSync } from "../../../src/config/instantiate/index.js";
import { type DictConfig, parseYamlConfig, toView } from "../../../src/config/omegaconf/index.js";
import "./helpers.js";

const MODEL_YAML = `model:
  _target_: src.models.mnist_module.MNISTLitModule
  optimizer:
    _target_: tests.instantiate.Adam
    _partial_: true
    lr: 0.001
    lrr: 0.1
  net:
    _target_: tests.instantiate.Adamm
`;

/** An assert.throws/rejects validator that matches the message (not `String(err)`, which starts with the name). */
function msg(re: RegExp) {
  return (err: unknown) => {
    assert.match((err as Error).message, re);
    return true;
  };
}

function yamlCfg(text: string): DictConfig {
  return toView(parseYamlConfig(text, { file: "configs/model/mnist.yaml" }).node) as DictConfig;
}

test("test_instantiate_adam: a missing positional argument names the target and the cause", async () => {
  await assert.rejects(instantiate({ _target_: "tests.instantiate.Adam" }), (err: unknown) => {
    assert.ok(err instanceof InstantiationError);
    assert.equal(
      err.message,
      "Error in call to target 'tests.instantiate.Adam':\nTypeError: Adam() missing required argument: 'params'",
    );
    assert.ok(err.cause instanceof TypeError);
    return true;
  });
});

test("an unknown option names the key path and the YAML line of the bad key", async () => {
  const cfg = yamlCfg(MODEL_YAML);
  const make = await instantiate<(o: object) => unknown>(cfg.model.optimizer);
  assert.throws(
    () => make({ params: [1] }),
    (err: unknown) => {
      assert.ok(err instanceof InstantiationError);
      assert.equal(
        err.message,
        "Error in call to target 'tests.instantiate.Adam':\n" +
          "OptionsError: unexpected option 'lrr' for Adam. Did you mean 'lr'?\n" +
          "Allowed options: lr, betas, eps, weight_decay, amsgrad\n" +
          "  full_key: model.optimizer\n" +
          "  at configs/model/mnist.yaml:7:5",
      );
      assert.equal(err.keyPath, "model.optimizer");
      return true;
    },
  );
});

test("test_cannot_locate_target: unknown targets give near matches, full_key and file:line", async () => {
  const cfg = yamlCfg(MODEL_YAML);
  await assert.rejects(instantiate(cfg.model.net), (err: unknown) => {
    assert.ok(err instanceof InstantiationError);
    const lines = err.message.split("\n");
    assert.equal(lines[0], "Error locating target 'tests.instantiate.Adamm':");
    assert.match(
      lines[1],
      /^UnknownTargetError: Unknown target 'tests.instantiate.Adamm': .*Did you mean 'tests.instantiate.Adam'/,
    );
    assert.ok(lines.includes("  full_key: model.net"));
    assert.match(lines.at(-1)!, /^ {2}at configs\/model\/mnist\.yaml:9:/);
    return true;
  });
  await assert.rejects(
    instantiate({ foo: { _target_: "not_found" } }),
    msg(
      /^Error locating target 'not_found':\nUnknownTargetError: Unknown target 'not_found'[\s\S]*\n {2}full_key: foo$/,
    ),
  );
});

test("test_instantiate_target_raising_exception_taking_no_arguments(_nested)", async () => {
  const target = "tests.instantiate.raise_exception_taking_no_argument";
  assert.throws(
    () => instantiateSync({}, { _target_: target }),
    msg(new RegExp(`^Error in call to target '${target}':\\nExceptionTakingNoArgument: Err message$`)),
  );
  assert.throws(
    () => instantiateSync({ foo: { _target_: target } }),
    msg(
      new RegExp(
        `^Error in call to target '${target}':\\nExceptionTakingNoArgument: Err message\\n  full_key: foo$`,
      ),
    ),
  );
});

test("test_toplevel_list_partial_not_allowed", async () => {
  await assert.rejects(
    instantiate([{ _target_: "tests.instantiate.AClass", a: 10 }], { _partial_: true }),
    /The _partial_ keyword is not compatible with top-level list instantiation/,
  );
  await assert.rejects(instantiate([], { a: 1 }), /cannot be merged into a top-level list config/);
});

test("test_instantiate_unsupported_args_type (and nested)", async () => {
  await assert.rejects(
    instantiate({ _target_: "tests.instantiate.ArgsClass", _args_: { foo: "bar" } }),
    msg(
      /^Error in collecting args and kwargs for 'tests.instantiate.ArgsClass':\nInstantiationError: Unsupported _args_ type: 'dict'/,
    ),
  );
  await assert.rejects(
    instantiate({ foo: { _target_: "tests.instantiate.ArgsClass", _args_: 5 } }),
    /Unsupported _args_ type: 'number'. value: '5'\n {2}full_key: foo$/,
  );
  await assert.rejects(
    instantiate({ _target_: "tests.instantiate.pair", _args_: [1, 2, 3] }),
    /takes at most 2 \(a, b\) but 3 were given in _args_/,
  );
  await assert.rejects(
    instantiate({ _target_: "tests.instantiate.pair", _args_: [1], a: 2 }),
    /got multiple values for argument 'a'/,
  );
  await assert.rejects(
    instantiate({ _target_: "tests.instantiate.pair", _args_: [1, 2], c: 3 }),
    /takes positional arguments only; unexpected key\(s\): c/,
  );
});

test("bad flags and non-callable targets", async () => {
  await assert.rejects(
    instantiate({ a: { _target_: "tests.instantiate.AClass", _recursive_: "yes" } }),
    msg(
      /^Instantiation: _recursive_ flag must be a bool, got string 'yes' \(write _recursive_: true or false\)\n {2}full_key: a$/,
    ),
  );
  await assert.rejects(
    instantiate({ _target_: "tests.instantiate.AClass", _partial_: 1 }),
    /_partial_ flag must be a bool, got number '1'/,
  );
  await assert.rejects(
    instantiate({ _target_: "tests.instantiate.AClass", _convert_: "everything" }),
    /_convert_ must be one of none, partial, all, object, got 'everything'/,
  );
  await assert.rejects(
    instantiate({ foo: { _target_: 42 } }),
    msg(/^Expected a callable target, got '42' of type 'number'\n {2}full_key: foo$/),
  );
  await assert.rejects(instantiate(5), /Cannot instantiate config of type number\./);
  await assert.rejects(instantiate("x"), /Cannot instantiate config of type string\./);
});

test("a mandatory ??? value names its key and YAML line", async () => {
  const cfg = yamlCfg("model:\n  _target_: tests.instantiate.AClass\n  a: ???\n");
  await assert.rejects(
    instantiate(cfg.model),
    msg(
      /^Missing mandatory value: model\.a\nSet it in the config or on the command line \(model\.a=\.\.\.\)\.\n {2}full_key: model\n {2}at configs\/model\/mnist\.yaml:3:/,
    ),
  );
});

test("an error inside a nested target keeps the nested key path", async () => {
  await assert.rejects(
    instantiate({
      _target_: "tests.instantiate.Tree",
      value: 1,
      left: { _target_: "tests.instantiate.Tree", value: 2, right: { _target_: "tests.instantiate.Adam" } },
    }),
    /full_key: left\.right$/,
  );
});
