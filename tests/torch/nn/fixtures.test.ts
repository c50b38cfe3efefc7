// Seeded default initialisation, forward values and BatchNorm running statistics against Python torch 2.13
// (tests/fixtures/nn/nn.json, made by scripts/fixtures/make_nn_fixtures.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../devices.js";
import { assertClose, assertExact, type FixtureTensor, fromFixture, Outer } from "./models.js";

const { nn } = torch;
type State = Record<string, FixtureTensor>;
const fx = JSON.parse(readFileSync(new URL("../../fixtures/nn/nn.json", import.meta.url), "utf8")) as {
  inputs: { x4: FixtureTensor; ximg: FixtureTensor; idx: number[][]; xbn: FixtureTensor[] };
  init: Record<string, State>;
  repr: Record<string, string>;
  forward: Record<string, FixtureTensor & FixtureTensor[] & State>;
  init_fns: Record<string, FixtureTensor>;
  gains: Record<string, number>;
};

// The fixture ran libtorch on one thread (as the test runner does): the CPU kernels then agree bitwise.
// Other thread counts may reorder reductions (1 ulp), and GPU kernels differ more.
function forwardTolerance(device: string): number {
  if (device !== "cpu") return 1e-5;
  return torch.getNumThreads() === 1 ? 0 : 1e-6;
}

/** The fixture's modules, built in the same order after the same seed. */
function buildAll() {
  torch.manualSeed(0);
  return {
    lin: new nn.Linear(4, 3),
    conv: new nn.Conv2d(2, 3, 3),
    emb: new nn.Embedding(5, 2),
    bn: new nn.BatchNorm1d(3),
    mlp: new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2)),
    conv2: new nn.Conv2d(2, 4, [3, 2], { stride: 2, padding: 1, bias: false }),
    emb_pad: new nn.Embedding(5, 3, { padding_idx: 1 }),
    outer: new Outer(),
  };
}

function assertState(module: torch.nn.Module, want: State, what: string, tol = 0): void {
  torch.tidy(() => {
    const sd = module.stateDict();
    assert.deepEqual([...sd.keys()], Object.keys(want), `${what}: state_dict keys`);
    for (const [key, t] of sd) {
      if (want[key]!.dtype) assert.equal(t.dtype, want[key]!.dtype, `${what}.${key} dtype`);
      assertClose(t, want[key]!, `${what}.${key}`, tol);
    }
  });
}

test("same seed, same parameters as PyTorch: every default init matches bitwise", () => {
  const models = buildAll();
  for (const [name, m] of Object.entries(models)) assertState(m, fx.init[name]!, name);
  for (const m of Object.values(models)) m.dispose();
});

test("printouts match PyTorch's repr", () => {
  const models = buildAll();
  for (const [name, text] of Object.entries(fx.repr)) {
    assert.equal(String(models[name as keyof typeof models]), text, name);
  }
  for (const m of Object.values(models)) m.dispose();
});

testOnDevices("forward values match PyTorch", (device) => {
  const models = buildAll();
  const tol = forwardTolerance(device);
  for (const m of Object.values(models)) m.to(device);
  torch.tidy(() => {
    const x4 = fromFixture(fx.inputs.x4).to(device);
    const ximg = fromFixture(fx.inputs.ximg).to(device);
    const idx = torch.tensor(fx.inputs.idx, { device });
    torch.noGrad(() => {
      assertClose(models.lin.call(x4), fx.forward.lin, "lin", tol);
      assertClose(models.conv.call(ximg), fx.forward.conv, "conv", tol);
      assertClose(models.conv2.call(ximg), fx.forward.conv2, "conv2", tol);
      assertClose(models.emb.call(idx), fx.forward.emb, "emb", tol);
      assertClose(models.mlp.call(x4), fx.forward.mlp, "mlp", tol);
    });
  });
  for (const m of Object.values(models)) m.dispose();
});

testOnDevices("BatchNorm1d: train-mode outputs, running stats and eval output match PyTorch", (device) => {
  const { bn, outer, ...rest } = buildAll();
  const tol = forwardTolerance(device);
  bn.to(device);
  outer.to(device);
  torch.tidy(() => {
    const xbn = fx.inputs.xbn.map((x) => fromFixture(x).to(device));
    torch.noGrad(() => {
      for (const [i, x] of xbn.entries()) {
        assertClose(bn.call(x), fx.forward.bn_train[i]!, `bn train ${i}`, tol);
      }
      assertState(bn, fx.forward.bn_after_train, "bn after 3 train steps", tol);
      bn.eval();
      assertClose(bn.call(xbn[0]!), fx.forward.bn_eval, "bn eval", tol);

      const cumulative = new nn.BatchNorm1d(3, { momentum: null }).to(device);
      for (const x of xbn) cumulative.call(x);
      assertState(cumulative, fx.forward.bn_cumulative, "bn momentum=None", tol);
      cumulative.dispose();

      const x4 = fromFixture(fx.inputs.x4).to(device);
      outer.train();
      assertClose(outer.call(x4), fx.forward.outer_train, "outer train", tol);
      assertState(outer, fx.forward.outer_after_train, "outer after train", tol);
      outer.eval();
      assertClose(outer.call(x4), fx.forward.outer_eval, "outer eval", tol);
    });
  });
  for (const m of [bn, outer, ...Object.values(rest)]) m.dispose();
});

test("nn.init functions draw PyTorch's numbers for the same seed", () => {
  const { init } = nn;
  const fns: Record<string, (w: torch.Tensor) => torch.Tensor> = {
    uniform: (w) => init.uniform_(w, -0.5, 2.0),
    normal: (w) => init.normal_(w, 1.0, 0.5),
    constant: (w) => init.constant_(w, 0.3),
    kaiming_uniform_default: (w) => init.kaiming_uniform_(w),
    kaiming_uniform_sqrt5: (w) => init.kaiming_uniform_(w, { a: Math.sqrt(5) }),
    kaiming_normal_fan_out_relu: (w) => init.kaiming_normal_(w, { mode: "fan_out", nonlinearity: "relu" }),
    xavier_uniform_gain2: (w) => init.xavier_uniform_(w, 2.0),
    xavier_normal: (w) => init.xavier_normal_(w),
    trunc_normal: (w) => init.trunc_normal_(w, 0.1, 0.5, -0.4, 0.9),
    trunc_normal_tail: (w) => init.trunc_normal_(w, 0.0, 1.0, 1.5, 3.0),
  };
  assert.deepEqual(
    Object.keys(fns).sort(),
    Object.keys(fx.init_fns)
      .filter((k) => k in fns)
      .sort(),
  );
  torch.tidy(() => {
    for (const [name, fn] of Object.entries(fns)) {
      torch.manualSeed(7);
      assertExact(fn(torch.empty([3, 4])), fx.init_fns[name]!, name);
    }
    torch.manualSeed(7);
    assertExact(
      init.xavier_uniform_(torch.empty([4, 3, 2, 2])),
      fx.init_fns.xavier_uniform_conv!,
      "conv fan",
    );
  });
});

test("calculateGain and fan computation follow PyTorch", () => {
  const { init } = nn;
  for (const [name, gain] of Object.entries(fx.gains)) {
    const value =
      name === "leaky_relu_0.2" ? init.calculateGain("leaky_relu", 0.2) : init.calculateGain(name as never);
    assert.equal(value, gain, name);
  }
  torch.tidy(() => {
    assert.deepEqual(init.calculateFanInAndFanOut(torch.empty([4, 3, 2, 5])), { fanIn: 30, fanOut: 40 });
    assert.throws(() => init.calculateFanInAndFanOut(torch.empty([4])), /fewer than 2 dimensions/);
    assert.throws(
      () => init.kaiming_uniform_(torch.empty([2, 2]), { mode: "fan_avg" as never }),
      /fan_in, fan_out/,
    );
  });
});
