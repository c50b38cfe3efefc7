// Trainer(precision=...) values and aliases as Lightning 2.6's connector takes them: the unified value, the plugin
// (its checkpoint key), the parameters' dtype and the warnings, compared with fixtures/precision-flags.json (real
// Lightning on the CPU); "true" precisions cast the parameters and the floating inputs, as Lightning's
// convert_module/convert_input; transformer-engine is refused by name.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setInfoSink } from "../../../src/lightning/callbacks/messages.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { LinearModule, loader, QUIET, regressionData } from "./helpers.js";

type Tensor = torch.Tensor;
interface Case {
  input: string | number;
  precision?: string;
  plugin?: string;
  param_dtype?: string;
  error?: string;
  warnings: string[];
}
const FIXTURE = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures", "precision-flags.json"), "utf8"),
) as {
  cases: Case[];
};

function construct(precision: string | number): { trainer: Trainer; warnings: string[] } {
  const warnings: string[] = [];
  const original = process.emitWarning;
  process.emitWarning = ((m: string | Error) => warnings.push(String(m))) as typeof process.emitWarning;
  const oldSink = setInfoSink(() => {});
  try {
    return { trainer: new Trainer({ ...QUIET, accelerator: "cpu", precision, max_epochs: 1 }), warnings };
  } finally {
    process.emitWarning = original;
    setInfoSink(oldSink);
  }
}

for (const c of FIXTURE.cases) {
  test(`precision=${JSON.stringify(c.input)} as Lightning 2.6 on the CPU`, () => {
    if (c.error !== undefined) {
      if (c.error.startsWith("ValueError")) {
        assert.throws(() => construct(c.input), { message: c.error.replace(/^ValueError: /, "") });
      } else {
        // transformer-engine: Lightning fails for the missing package; Kiln says it has no Transformer Engine.
        assert.throws(
          () => construct(c.input),
          /needs NVIDIA Transformer Engine.*Use precision='bf16-mixed'/,
        );
      }
      return;
    }
    const { trainer, warnings } = construct(c.input);
    assert.equal(trainer.precision, c.precision);
    assert.equal(trainer.precisionPlugin.stateKey, c.plugin);
    assert.deepEqual(
      warnings.filter((w) => w.includes("precision")),
      c.warnings,
    );
    const m = new LinearModule();
    trainer.precisionPlugin.convertModule(m);
    for (const p of m.parameters()) assert.equal(p.dtype, c.param_dtype);
    m.dispose();
  });
}

/** Records the dtypes the training step sees (input, parameters, loss). */
class DtypeModule extends LinearModule {
  seen: string[][] = [];
  override trainingStep(batch: unknown, batchIdx: number) {
    const [x, y] = batch as [Tensor, Tensor];
    const loss = super.trainingStep(batch, batchIdx);
    this.seen.push([x.dtype, y.dtype, this.fc.weight.dtype, loss.dtype]);
    return loss;
  }
}

for (const [precision, dtype] of [
  [64, "float64"],
  ["bf16-true", "bfloat16"],
  ["16-true", "float16"],
] as const) {
  test(`precision=${JSON.stringify(precision)} fits with ${dtype} parameters and inputs (convert_module, convert_input)`, async () => {
    const data = regressionData(8);
    const m = new DtypeModule();
    const { trainer } = construct(precision);
    const before = Array.from(m.fc.weight.toTypedArray() as Float32Array);
    await trainer.fit(m, { trainDataloaders: loader(data, 4) });
    assert.deepEqual(m.seen, [
      [dtype, dtype, dtype, dtype],
      [dtype, dtype, dtype, dtype],
    ]);
    assert.equal(m.fc.weight.dtype, dtype);
    const after = torch.tidy(() => Array.from(m.fc.weight.to("float32").toTypedArray() as Float32Array));
    assert.notDeepEqual(after, before, "the optimizer stepped the cast parameters");
    // the loader's own tensors are untouched (the cast copies are the trainer's to free)
    assert.equal(data.x.dtype, "float32");
    assert.ok(!data.x.isDisposed);
    data.dispose();
  });
}
