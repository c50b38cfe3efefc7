// Every Trainer(precision=...) value Lightning 2.6 accepts, from the command line with debug=fdr (the template's
// `+trainer.precision=16` among them): each run succeeds with the parameter size the model summary estimates
// for its dtype and Lightning's warnings for the legacy aliases; transformer-engine fails with a clear message.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { explain, NO_TINY_DATA, runCli, tempDir, tinyDataOverrides, writeTinyIdx } from "./helpers.js";

const ALIAS = (value: string, to: string) =>
  `\`precision=${value}\` is supported for historical reasons but its usage is discouraged. Please set your precision to ${to} instead!`;
const CPU_FP16 = "AMP with fp16 is not supported on CPU. Using `precision='bf16-mixed'` instead.";

// [override value, MB the summary estimates (32 bits for mixed: Lightning's table), warnings expected]
const CASES: [string, string, string[]][] = [
  ["16", "0.272", [ALIAS("16", "16-mixed"), CPU_FP16]],
  ["'16'", "0.272", [ALIAS("16", "16-mixed"), CPU_FP16]],
  ["bf16", "0.272", [ALIAS("bf16", "bf16-mixed")]],
  ["16-mixed", "0.272", [CPU_FP16]],
  ["bf16-mixed", "0.272", []],
  ["32", "0.272", []],
  ["'32'", "0.272", []],
  ["32-true", "0.272", []],
  ["64", "0.544", []],
  ["'64'", "0.544", []],
  ["64-true", "0.544", []],
  ["16-true", "0.136", []],
  ["bf16-true", "0.136", []],
];

describe("kiln train debug=fdr +trainer.precision=<each value>", {
  skip: NO_TINY_DATA ?? false,
  concurrency: 3,
}, () => {
  let data: string[] = [];
  before(() => {
    data = tinyDataOverrides(writeTinyIdx(tempDir(), 500, 100));
  });

  for (const [value, mb, warnings] of CASES) {
    test(`+trainer.precision=${value}`, async () => {
      const r = await runCli([
        "train",
        "debug=fdr",
        ...data,
        `+trainer.precision=${value}`,
        `hydra.run.dir=${tempDir()}`,
      ]);
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /Starting testing!/);
      assert.match(
        r.stderr,
        new RegExp(`${mb.replace(".", "\\.")}\\s+Total estimated model params size \\(MB\\)`),
      );
      for (const w of warnings) assert.ok(r.stderr.includes(w), `missing warning: ${w}\n${r.stderr}`);
      if (warnings.length === 0) assert.doesNotMatch(r.stderr, /historical reasons/);
    });
  }

  for (const value of ["transformer-engine", "transformer-engine-float16"]) {
    test(`+trainer.precision=${value} fails clearly`, async () => {
      const r = await runCli([
        "train",
        "debug=fdr",
        ...data,
        `+trainer.precision=${value}`,
        `hydra.run.dir=${tempDir()}`,
      ]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`Trainer\\(precision='${value}'\\) needs NVIDIA Transformer Engine`));
    });
  }

  test("+trainer.precision=8 names the allowed values", async () => {
    const r = await runCli([
      "train",
      "debug=fdr",
      ...data,
      "+trainer.precision=8",
      `hydra.run.dir=${tempDir()}`,
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Precision 8 is invalid\. Allowed precision values: \('transformer-engine'/);
  });
});
