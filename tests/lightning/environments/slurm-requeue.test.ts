// SLURM's auto-requeue, as Lightning's: SIGUSR1 during a fit under SLURM saves default_root_dir/hpc_ckpt_<n>.ckpt
// and runs `scontrol requeue <job id>` (a fake scontrol on PATH records its arguments); the requeued job's fit
// resumes from the newest hpc checkpoint on its own (ckpt_path "hpc"). ckpt_path "hpc" without one is an error.
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setInfoSink } from "../../../src/lightning/callbacks/messages.js";
import { Trainer } from "../../../src/lightning/trainer/trainer.js";
import * as torch from "../../../src/torch/index.js";
import { LinearModule, loader, QUIET, regressionData, tempDir } from "../trainer/helpers.js";

const SLURM = {
  SLURM_NTASKS: "1",
  SLURM_NTASKS_PER_NODE: "1",
  SLURM_NNODES: "1",
  SLURM_JOB_ID: "4242",
  SLURM_JOB_NAME: "train",
  SLURM_PROCID: "0",
  SLURM_LOCALID: "0",
  SLURM_NODEID: "0",
  SLURM_JOB_NODELIST: "localhost",
};

function withSlurm(bin: string): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, SLURM, { PATH: `${bin}:${process.env.PATH}` });
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  };
}

class Signalled extends LinearModule {
  constructor(readonly signalAt: number | null) {
    super({}, 0.1);
  }
  override trainingStep(batch: unknown, batchIdx: number) {
    if (this.trainer!.currentEpoch === 0 && batchIdx === this.signalAt) process.kill(process.pid, "SIGUSR1");
    return super.trainingStep(batch, batchIdx);
  }
}

async function fit(root: string, signalAt: number | null, ckptPath?: string) {
  torch.manualSeed(1);
  const data = regressionData(16, 3, 7);
  const trainer = new Trainer({ ...QUIET, max_epochs: 2, default_root_dir: root });
  const model = new Signalled(signalAt);
  const lines: string[] = [];
  const old = setInfoSink((line) => lines.push(line));
  try {
    await trainer.fit(model, { trainDataloaders: loader(data, 4), ckptPath: ckptPath ?? null });
  } finally {
    setInfoSink(old);
  }
  return { trainer, output: lines.join("\n") };
}

test("SIGUSR1 under SLURM saves an hpc checkpoint and requeues the job; the requeued fit resumes from it", async () => {
  const root = tempDir("kiln-slurm-");
  const bin = tempDir("kiln-scontrol-");
  const calls = join(root, "scontrol-calls");
  writeFileSync(join(bin, "scontrol"), `#!/bin/sh\necho "$@" >> ${calls}\n`);
  chmodSync(join(bin, "scontrol"), 0o755);
  const restore = withSlurm(bin);
  try {
    const first = await fit(root, 1);
    assert.match(first.output, /Handling auto-requeue signal/);
    assert.ok(existsSync(join(root, "hpc_ckpt_1.ckpt")), first.output);
    assert.equal(readFileSync(calls, "utf8").trim(), "requeue 4242");
    assert.match(first.output, /Requeued SLURM job: 4242/);
    // The requeued job: no ckpt_path, SLURM, an hpc checkpoint in default_root_dir: it resumes from there.
    const second = await fit(root, null);
    assert.equal(second.trainer.ckptPath, join(root, "hpc_ckpt_1.ckpt"));
    assert.match(second.output, /Resuming the requeued SLURM job from .*hpc_ckpt_1\.ckpt/);
    assert.equal(second.trainer.currentEpoch, 2);
  } finally {
    restore();
  }
});

test('ckpt_path "hpc" without an hpc checkpoint names what is missing and where', async () => {
  const root = tempDir("kiln-slurm-");
  await assert.rejects(fit(root, null, "hpc"), (e: Error) => {
    assert.match(e.message, /ckpt_path="hpc"\)` is set but no HPC checkpoint was found/);
    assert.ok(e.message.includes(root), e.message);
    return true;
  });
});
