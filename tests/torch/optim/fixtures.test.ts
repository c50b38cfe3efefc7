/**
 * Kiln's optimizers against runs recorded from PyTorch 2.13 (scripts/fixtures/make_optimizer_fixtures.py): after
 * every step the parameters and the whole state dict (every state tensor, the param groups) within 1e-12
 * relative for float64 and 1e-5 for float32. The fixtures cover weight decay, momentum/Nesterov, dampening,
 * amsgrad, maximize, centered RMSprop, Adagrad's lr decay, two param groups, lr changes through paramGroups and
 * a parameter without a gradient at one step (skipped: its state does not advance).
 */
import assert from "node:assert/strict";
import { describe } from "node:test";
import * as torch from "../../../src/torch/index.js";
import { testOnDevices } from "../devices.js";
import {
  assertTensorClose,
  fromJson,
  loadFixtures,
  makeOptimizer,
  makeParams,
  type OptimizerFixture,
  toleranceFor,
} from "./helpers.js";

const fixtures = loadFixtures();

function runFixture(fx: OptimizerFixture, device: string): void {
  const rtol = toleranceFor(fx.dtype);
  const params = makeParams(fx, device);
  const optimizer = makeOptimizer(fx, params);
  try {
    fx.steps.forEach((record, step) => {
      const lrs = fx.lr_changes[String(step)];
      lrs?.forEach((lr, g) => {
        optimizer.paramGroups[g]!.lr = lr;
      });
      torch.tidy(() => {
        params.forEach((p, i) => {
          const grad = fx.grads[step]![i];
          p.grad = grad === null ? null : fromJson(grad!, device);
        });
        optimizer.step();
      });
      const where = `${fx.name} step ${step + 1}`;
      record.params.forEach((want, i) => {
        assertTensorClose(params[i]!, want, rtol, `${where} param ${i}`);
      });

      const sd = optimizer.stateDict();
      const wantState = record.state_dict.state;
      assert.deepEqual(
        [...sd.state.keys()].map(String).sort(),
        Object.keys(wantState).sort(),
        `${where}: state keys`,
      );
      for (const [index, paramState] of sd.state) {
        const want = wantState[String(index)]!;
        assert.deepEqual(
          Object.keys(paramState),
          Object.keys(want),
          `${where}: state[${index}] keys (in order)`,
        );
        for (const [key, value] of Object.entries(want)) {
          const tensor = paramState[key] as torch.Tensor;
          assert.equal(
            tensor.device,
            key === "step" ? "cpu" : params[index]!.device,
            `${where}: ${key} device`,
          );
          assertTensorClose(tensor, value, rtol, `${where} state[${index}].${key}`);
        }
      }
      // The fixtures pass foreach=False to PyTorch; Kiln keeps PyTorch's default (null), which changes nothing.
      const wantGroups = record.state_dict.param_groups.map((g) => ({ ...g, foreach: null }));
      assert.deepEqual(sd.param_groups, wantGroups, `${where}: param_groups`);
    });
  } finally {
    optimizer.dispose();
    for (const p of params) p.dispose();
  }
}

describe("optimizer fixtures recorded from PyTorch 2.13", () => {
  assert.ok(
    fixtures.length >= 30,
    `expected the optimizer fixtures in tests/fixtures/optim, found ${fixtures.length}`,
  );
  for (const fx of fixtures) testOnDevices(fx.name, (device) => runFixture(fx, device));
});
