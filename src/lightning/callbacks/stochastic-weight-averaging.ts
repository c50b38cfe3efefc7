// Lightning's StochasticWeightAveraging: from swa_epoch_start on, the optimizer's scheduler is swapped for
// SWALR (annealing to swa_lrs over annealing_epochs, cosine or linear) and, at the start of each epoch up to the
// last, a running average of the weights is updated; at the end the model takes the averaged weights. With
// BatchNorm layers, their statistics are then recomputed for the averaged weights: Lightning runs one extra
// epoch of training steps without backward; Kiln makes PyTorch's update_bn pass over the train loader (the
// same cumulative statistics, without an extra epoch in the counters).
import { noGrad } from "../../torch/autograd.js";
import { BatchNorm } from "../../torch/nn/normalization.js";
import { SWALR } from "../../torch/optim/lr-scheduler/swa-lr.js";
import type { SchedulableOptimizer } from "../../torch/optim/lr-scheduler/types.js";
import { keep, tidy } from "../../torch/scope.js";
import type { Tensor } from "../../torch/tensor.js";
import type { LightningModule } from "../module.js";
import type { ResolvedSchedulerConfig } from "../trainer/optimization.js";
import type { Trainer } from "../trainer/trainer.js";
import { Callback } from "./callback.js";
import { emitInfo, emitWarning } from "./messages.js";
import { MisconfigurationError } from "./options.js";

/** Options of StochasticWeightAveraging (the YAML's keys, Lightning's names). */
export interface StochasticWeightAveragingOptions {
  swa_lrs: number | number[];
  /** Epoch (from 1) to start at, or a fraction of max_epochs (default 0.8). */
  swa_epoch_start?: number;
  annealing_epochs?: number;
  annealing_strategy?: "cos" | "linear";
  /** The running average (default: mean). */
  avg_fn?: ((averaged: Tensor, current: Tensor, numAveraged: number) => Tensor) | null;
}

/** Averages the weights of the last epochs (Lightning's StochasticWeightAveraging). */
export class StochasticWeightAveraging extends Callback {
  swaEpochStart: number;
  swaLrs: number | number[];
  readonly annealingEpochs: number;
  readonly annealingStrategy: "cos" | "linear";
  readonly avgFn: (averaged: Tensor, current: Tensor, numAveraged: number) => Tensor;
  nAveraged: number | null = null;
  latestUpdateEpoch = -1;
  #average: Tensor[] | null = null;
  #scheduler: SWALR | null = null;
  #schedulerState: Record<string, unknown> | null = null;
  #savedAverage: Record<string, Tensor> | null = null;
  #maxEpochs = 0;
  #initialized = false;
  #containsBatchNorm = false;

  constructor(opts: StochasticWeightAveragingOptions) {
    super();
    const start = opts.swa_epoch_start ?? 0.8;
    const err = "swa_epoch_start should be a >0 integer or a float between 0 and 1.";
    // JS has one number type: an integer >= 1 is an epoch (Python's int), a value in [0, 1) a fraction (float).
    if (!(Number.isInteger(start) && start >= 1) && !(start >= 0 && start < 1))
      throw new MisconfigurationError(err);
    const lrs = opts.swa_lrs;
    const ok =
      typeof lrs === "number"
        ? lrs > 0
        : Array.isArray(lrs) && lrs.every((lr) => typeof lr === "number" && lr > 0);
    if (!ok)
      throw new MisconfigurationError("The `swa_lrs` should a positive float, or a list of positive floats");
    if (opts.avg_fn != null && typeof opts.avg_fn !== "function") {
      throw new MisconfigurationError("The `avg_fn` should be callable.");
    }
    this.swaEpochStart = start;
    this.swaLrs = lrs;
    this.annealingEpochs = opts.annealing_epochs ?? 10;
    this.annealingStrategy = opts.annealing_strategy ?? "cos";
    this.avgFn = opts.avg_fn ?? ((avg, cur, n) => avg.add(cur.sub(avg).div(n + 1)));
  }

  /** First SWA epoch, 0-based. */
  get swaStart(): number {
    return Math.max(this.swaEpochStart - 1, 0);
  }
  /** Last SWA epoch, 0-based. */
  get swaEnd(): number {
    return this.#maxEpochs - 1;
  }

  override onFitStart(trainer: Trainer, module: LightningModule): void {
    if (trainer.optimizers.length !== 1)
      throw new MisconfigurationError("SWA currently works with 1 `optimizer`.");
    if (trainer.lrSchedulerConfigs.length > 1) {
      throw new MisconfigurationError("SWA currently not supported for more than 1 `lr_scheduler`.");
    }
    // A fraction of max_epochs, as Lightning's int(max_epochs * swa_epoch_start).
    if (this.swaEpochStart < 1) this.swaEpochStart = Math.trunc(trainer.maxEpochs * this.swaEpochStart);
    this.#maxEpochs = trainer.maxEpochs;
    this.#containsBatchNorm = module.modules().some((m) => m instanceof BatchNorm);
    this.#average ??= module.parameters().map((p) => keep(p.detach().clone()));
    this.#namesOf = module.namedParameters().map(([name]) => name);
  }

  override onTrainEpochStart(trainer: Trainer, module: LightningModule): void {
    const epoch = trainer.currentEpoch;
    const inWindow = this.swaStart <= epoch && epoch <= this.swaEnd;
    if (!this.#initialized && inWindow) {
      this.#initialized = true;
      const optimizer = trainer.optimizers[0]!;
      const groups = optimizer.paramGroups as unknown as { initial_lr?: number }[];
      const lrs = typeof this.swaLrs === "number" ? groups.map(() => this.swaLrs as number) : this.swaLrs;
      this.swaLrs = lrs;
      groups.forEach((g, i) => {
        g.initial_lr = lrs[i];
      });
      this.#scheduler = new SWALR(optimizer as unknown as SchedulableOptimizer, {
        swa_lr: lrs,
        anneal_epochs: this.annealingEpochs,
        anneal_strategy: this.annealingStrategy,
        last_epoch: this.annealingStrategy === "cos" ? trainer.maxEpochs : -1,
      });
      if (this.#schedulerState !== null) this.#scheduler.loadStateDict(this.#schedulerState as never);
      else if (epoch !== this.swaStart) {
        emitWarning(
          "SWA is initializing after swa_start without any checkpoint data. This may be caused by loading a " +
            "checkpoint from an older version of PyTorch Lightning.",
        );
      }
      const config: ResolvedSchedulerConfig = {
        scheduler: this.#scheduler,
        name: null,
        interval: "epoch",
        frequency: 1,
        monitor: null,
        strict: true,
        reduceOnPlateau: false,
      };
      const current = trainer.lrSchedulerConfigs[0];
      if (current) {
        if (current.interval !== "epoch" || current.frequency !== 1) {
          emitWarning(
            `SWA is currently only supported every epoch. Found ${JSON.stringify({ interval: current.interval, frequency: current.frequency })}`,
          );
        }
        emitInfo(`Swapping scheduler \`${current.scheduler.constructor.name}\` for \`SWALR\``);
        trainer.lrSchedulerConfigs[0] = config;
      } else trainer.lrSchedulerConfigs.push(config);
      this.nAveraged ??= 0;
      if (this.#savedAverage) this.#loadAverage(module);
    }
    if (inWindow && epoch > this.latestUpdateEpoch) {
      this.#update(module);
      this.latestUpdateEpoch = epoch;
    }
  }

  override onTrainEnd(trainer: Trainer, module: LightningModule): void {
    // the trainer has counted the last epoch already
    if (trainer.currentEpoch - 1 !== this.swaEnd || this.#average === null) return;
    this.#transfer(module);
    const loader = trainer.trainDataloader;
    if (this.#containsBatchNorm && loader) updateBatchNorm(loader, module);
  }

  // Lightning's update_parameters: the first average is the weights themselves.
  #update(module: LightningModule): void {
    const params = module.parameters();
    noGrad(() =>
      tidy(() => {
        params.forEach((p, i) => {
          const avg = this.#average![i]!;
          const cur = p.detach().to(avg.device);
          const next = this.nAveraged === 0 ? cur : this.avgFn(avg, cur, this.nAveraged!);
          avg.copy_(next);
        });
      }),
    );
    this.nAveraged! += 1;
  }

  #transfer(module: LightningModule): void {
    const params = module.parameters();
    noGrad(() =>
      tidy(() => {
        params.forEach((p, i) => {
          p.detach().copy_(this.#average![i]!.to(p.device));
        });
      }),
    );
  }

  override stateDict(): Record<string, unknown> {
    const names = this.#average ? this.#names() : [];
    return {
      n_averaged: this.nAveraged ?? 0,
      latest_update_epoch: this.latestUpdateEpoch,
      scheduler_state: this.#scheduler ? this.#scheduler.stateDict() : null,
      average_model_state: this.#average
        ? Object.fromEntries(names.map((n, i) => [n, this.#average![i]!]))
        : null,
    };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    this.nAveraged = (state.n_averaged as number | undefined) ?? 0;
    this.latestUpdateEpoch = (state.latest_update_epoch as number | undefined) ?? -1;
    this.#schedulerState = (state.scheduler_state as Record<string, unknown> | null) ?? null;
    const avg = state.average_model_state;
    this.#savedAverage =
      avg && typeof avg === "object"
        ? avg instanceof Map
          ? Object.fromEntries(avg)
          : (avg as Record<string, Tensor>)
        : null;
  }

  #namesOf: string[] = [];
  #names(): string[] {
    return this.#namesOf;
  }

  #loadAverage(module: LightningModule): void {
    const saved = this.#savedAverage!;
    module.namedParameters().forEach(([name], i) => {
      const t = saved[name];
      if (t) this.#average![i]!.copy_(t);
    });
    this.#savedAverage = null;
  }
}

// PyTorch's torch.optim.swa_utils.update_bn: BatchNorm statistics recomputed as a cumulative average over one
// pass of the loader (each batch's first element through forward, in train mode, without gradients).
export function updateBatchNorm(loader: Iterable<unknown>, module: LightningModule): void {
  const norms = module.modules().filter((m): m is BatchNorm => m instanceof BatchNorm);
  if (norms.length === 0) return;
  const momenta = norms.map((bn) => bn.momentum);
  const wasTraining = module.training;
  for (const bn of norms) {
    bn.resetRunningStats();
    bn.momentum = null;
  }
  module.train();
  try {
    noGrad(() => {
      for (const batch of loader) {
        tidy(() => {
          const input = Array.isArray(batch) ? batch[0] : batch;
          (module.forward as (x: unknown) => unknown)(input);
          disposeBatch(batch);
        });
      }
    });
  } finally {
    norms.forEach((bn, i) => {
      bn.momentum = momenta[i]!;
    });
    module.train(wasTraining);
  }
}

function disposeBatch(batch: unknown): void {
  if (Array.isArray(batch)) for (const b of batch) disposeBatch(b);
  else if (batch !== null && typeof batch === "object" && typeof (batch as Tensor).dispose === "function")
    (batch as Tensor).dispose();
}
