// The accelerator names of Lightning 2.6's registry: "mps" and "tpu" are refused with Lightning's message for an
// accelerator that cannot run here (the template's trainer=mps included), names outside the registry ("hpu",
// "ipu" of Lightning 1.x) with Lightning's invalid-name message. The messages are Lightning 2.6.6's, recorded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Trainer } from "../../src/lightning/trainer/trainer.js";
import * as torch from "../../src/torch/index.js";
import { explain, QUIET_CALLBACKS, runCli, tempDir } from "../app/helpers.js";

const AVAILABLE = torch.cuda.isAvailable() ? "['cpu', 'cuda']" : "['cpu']";
const QUIET = { logger: false, enable_checkpointing: false, enable_progress_bar: false } as const;

const unavailable = (cls: string) =>
  `\`${cls}\` can not run on your system since the accelerator is not available. The following accelerator(s) ` +
  `is available and can be passed into \`accelerator\` argument of \`Trainer\`: ${AVAILABLE}.`;

test("mps and tpu: Lightning's MisconfigurationException naming the accelerator and what is available", () => {
  for (const [name, cls] of [
    ["mps", "MPSAccelerator"],
    ["tpu", "XLAAccelerator"],
  ]) {
    assert.throws(
      () => new Trainer({ ...QUIET, accelerator: name, devices: 1 }),
      (e: Error) => {
        assert.equal(e.name, "MisconfigurationException");
        assert.equal(e.message, unavailable(cls!));
        return true;
      },
    );
  }
});

test("hpu, ipu and unknown names: Lightning's invalid accelerator name, with the names it knows", () => {
  for (const name of ["hpu", "ipu", "xpu"]) {
    assert.throws(
      () => new Trainer({ ...QUIET, accelerator: name }),
      new RegExp(
        `^Error: You selected an invalid accelerator name: \`accelerator='${name}'\`\\. ` +
          "Available names are: auto, cpu, cuda, mps, tpu\\.$",
      ),
    );
  }
  // The names that run are untouched.
  assert.equal(new Trainer({ ...QUIET, accelerator: "cpu" }).deviceChoice.accelerator, "cpu");
  const auto = new Trainer({ ...QUIET, accelerator: "auto" }).deviceChoice.accelerator;
  assert.equal(auto, torch.cuda.isAvailable() ? "cuda" : "cpu");
});

test("kiln train trainer=mps (the template's config) fails with Lightning's error, exit 1", async () => {
  const r = await runCli(["train", "trainer=mps", ...QUIET_CALLBACKS, `hydra.run.dir=${tempDir()}`]);
  assert.equal(r.code, 1, explain(r));
  assert.ok(r.stderr.includes(unavailable("MPSAccelerator")), explain(r));
  assert.doesNotMatch(r.stderr, /Could not find 'trainer\/mps'/);
});
