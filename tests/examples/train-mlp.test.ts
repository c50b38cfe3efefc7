// The README's main-job example, run as a user runs it (`node --import tsx examples/train-mlp.ts`) in a
// subprocess on a tiny setting: it trains, evaluates and prints an accuracy above chance; the synthetic
// fallback says so loudly; bad options and missing data fail with a clear message and a non-zero exit.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";

const repoRoot = resolve(import.meta.dirname, "../..");
const example = resolve(repoRoot, "examples/train-mlp.ts");

function runExample(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", example, ...args], {
    cwd: repoRoot,
    env: { ...process.env, KILN_NUM_THREADS: "1", KILN_EPOCHS: "" },
    encoding: "utf8",
    timeout: 300_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The accuracy of the final line, checked against its correct/total counts. */
function finalAccuracy(stdout: string): number {
  const m = /^final test accuracy: (\d\.\d{4}) \((\d+)\/(\d+)\) after 1 epoch\(s\)/m.exec(stdout);
  assert.ok(m, `no final accuracy line in:\n${stdout}`);
  const [accuracy, correct, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  assert.equal(total, 10_000, "evaluated on the whole test split");
  assert.equal(accuracy.toFixed(4), (correct / total).toFixed(4));
  return accuracy;
}

test("one short epoch trains, evaluates on the test split and beats chance (10 classes)", () => {
  const r = runExample(["--epochs", "1", "--limit", "20"]);
  assert.equal(r.status, 0, `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stdout, /^data: .*: 60000 train \/ 10000 test samples$/m);
  assert.match(r.stdout, /batch 128, 20 batches\/epoch; 1 thread\(s\)/);
  assert.match(
    r.stdout,
    /^epoch 1\/1: train loss \d+\.\d{4} acc 0\.\d{4} \| test loss \d+\.\d{4} acc 0\.\d{4} \| time \d+\.\ds/m,
  );
  const accuracy = finalAccuracy(r.stdout);
  assert.ok(accuracy > 0.3, `accuracy ${accuracy} is not clearly above chance (0.1)`);
  if (r.stdout.includes("SYNTHETIC")) assert.match(r.stderr, /WARNING: Fashion-MNIST is not installed/);
});

test("the synthetic stand-in is announced loudly and is learnable", () => {
  const r = runExample(["--synthetic", "--epochs", "1", "--limit", "20", "--threads", "1"]);
  assert.equal(r.status, 0, `exit ${r.status}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, /WARNING: --synthetic was given: training on a SYNTHETIC 10-class dataset/);
  assert.match(r.stdout, /^data: SYNTHETIC stand-in/m);
  const accuracy = finalAccuracy(r.stdout);
  assert.ok(accuracy > 0.3, `accuracy ${accuracy} is not clearly above chance (0.1)`);
});

test("bad options and missing data exit non-zero with a clear message", () => {
  const cases: [string[], RegExp][] = [
    [["--epochs", "0"], /^train-mlp: error: --epochs must be an integer >= 1, got '0'$/m],
    [["--threads", "two"], /^train-mlp: error: --threads must be an integer >= 1, got 'two'$/m],
    [["--bogus"], /^train-mlp: error: Unknown option '--bogus'[\s\S]*usage: node --import tsx examples/m],
    [
      ["--data-dir", "/nonexistent/mnist"],
      /error: data folder '\/nonexistent\/mnist' has no train-images-idx3-ubyte/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = runExample(args);
    assert.equal(r.status, 1, `${args.join(" ")}: exit ${r.status}\n${r.stdout}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace for an expected failure");
  }
});
