// Small building blocks for trainer tests: an in-memory logger, a configurable module over a linear model,
// and loaders over random data.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FinalizeStatus, Hyperparameters } from "../../../src/lightning/loggers/logger.js";
import { Logger } from "../../../src/lightning/loggers/logger.js";
import { LightningModule } from "../../../src/lightning/module.js";
import { randnWith } from "../../../src/torch/generator.js";
import * as torch from "../../../src/torch/index.js";

type Tensor = torch.Tensor;

/** Records every row and call a Trainer makes on a logger. */
export class MemoryLogger extends Logger {
  rows: { metrics: Record<string, number>; step: number | undefined }[] = [];
  hparams: Hyperparameters[] = [];
  finalized: FinalizeStatus[] = [];
  get name() {
    return "memory";
  }
  get version() {
    return 0;
  }
  get experiment() {
    return this;
  }
  logHyperparams(params: Hyperparameters | null | undefined): void {
    this.hparams.push({ ...(params ?? {}) });
  }
  logMetrics(metrics: Record<string, number>, step?: number): void {
    this.rows.push({ metrics: { ...metrics }, step });
  }
  override finalize(status: FinalizeStatus): void {
    this.finalized.push(status);
  }
  /** Keys of every row (without epoch), in order. */
  keys(): string[][] {
    return this.rows.map((r) =>
      Object.keys(r.metrics)
        .filter((k) => k !== "epoch")
        .sort(),
    );
  }
}

/** A fresh temporary folder. */
export function tempDir(prefix = "kiln-trainer-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A regression dataset (x: n×inFeatures, y: n×1) as kept tensors, from a seeded generator. */
export function regressionData(
  n: number,
  inFeatures = 3,
  seed = 7,
): { x: Tensor; y: Tensor; dispose(): void } {
  const g = new torch.Generator().manualSeed(seed);
  const x = torch.keep(randnWith([n, inFeatures], { generator: g }));
  const y = torch.keep(randnWith([n, 1], { generator: g }));
  const dispose = () => {
    x.dispose();
    y.dispose();
  };
  return { x, y, dispose };
}

/** A DataLoader over (x, y). */
export function loader(d: { x: Tensor; y: Tensor }, batchSize: number, shuffle = false) {
  return new torch.data.DataLoader({
    dataset: new torch.data.TensorDataset(d.x, d.y),
    batch_size: batchSize,
    shuffle,
  });
}

export type HookLogPlan = Partial<Record<string, (m: LightningModule, batchIdx: number) => void>>;

/** Linear regression with MSE and SGD; `plan` adds calls (e.g. self.log) to any hook. */
export class LinearModule extends LightningModule {
  fc: torch.nn.Linear;
  constructor(
    readonly plan: HookLogPlan = {},
    readonly lr = 0.1,
    inFeatures = 3,
  ) {
    super();
    this.fc = new torch.nn.Linear(inFeatures, 1);
    for (const [hook, fn] of Object.entries(plan)) {
      if (hook === "trainingStep" || hook === "validationStep" || hook === "testStep") continue;
      const self = this as unknown as Record<string, unknown>;
      const base = self[hook] as ((...a: unknown[]) => unknown) | undefined;
      self[hook] = (...args: unknown[]) => {
        fn!(this, typeof args[1] === "number" ? (args[1] as number) : -1);
        return base?.apply(this, args);
      };
    }
  }
  override forward(x: Tensor): Tensor {
    return this.fc.call(x) as Tensor;
  }
  loss(batch: unknown): Tensor {
    const [x, y] = batch as [Tensor, Tensor];
    return torch.mseLoss(this.forward(x), y);
  }
  override trainingStep(batch: unknown, batchIdx: number) {
    const loss = this.loss(batch);
    this.plan.trainingStep?.(this, batchIdx);
    return loss;
  }
  override validationStep(batch: unknown, batchIdx: number) {
    this.plan.validationStep?.(this, batchIdx);
    return this.loss(batch);
  }
  override testStep(batch: unknown, batchIdx: number) {
    this.plan.testStep?.(this, batchIdx);
    return this.loss(batch);
  }
  override configureOptimizers() {
    return new torch.optim.SGD(this.parameters(), { lr: this.lr });
  }
}

/** Trainer options that keep tests quiet and fast (no bar, no summary, no checkpoint, no default logger). */
export const QUIET = {
  enable_progress_bar: false,
  enable_model_summary: false,
  enable_checkpointing: false,
  logger: false,
  num_sanity_val_steps: 0,
} as const;
