// Lightning's strategies: where the Trainer's ranks come from and what they exchange. The single-device
// strategy exchanges nothing; "ddp" (ddp.ts) runs one process per device and keeps them in step. The
// loops call the same methods either way, so they need no distributed branches of their own.

import type { Loader } from "../loops/utilities.js";
import type { LightningModule } from "../module.js";
import type { TrainerOptions } from "../trainer/options.js";
import type { LoaderStage, TrainerFn } from "../trainer/states.js";
/** Epoch reductions of self.log. */
export type SyncReduce = "mean" | "sum" | "max" | "min";

/** What a strategy reads from the trainer. */
export interface StrategyHost {
  readonly lightningModule: LightningModule;
  readonly state: { fn: TrainerFn | null };
  readonly fitLoop: { epochProgress: { current: { processed: number } } };
  readonly options: {
    overfitBatches: { value: number };
    numThreads: number | null;
    useDistributedSampler: boolean;
    syncBatchnorm: boolean;
  };
  readonly loggers: unknown[];
  readonly callbacks: unknown[];
  shouldStop: boolean;
}

/** One process on one device (Lightning's SingleDeviceStrategy): every collective is the identity. */
export class Strategy {
  /** Lightning's strategy name. */
  get name(): string {
    return "single_device";
  }
  get globalRank(): number {
    return 0;
  }
  get localRank(): number {
    return 0;
  }
  get nodeRank(): number {
    return 0;
  }
  get worldSize(): number {
    return 1;
  }
  get isGlobalZero(): boolean {
    return this.globalRank === 0;
  }
  /** Whether several processes train together. */
  get isDistributed(): boolean {
    return false;
  }

  /** Runs one trainer entry point: sets the ranks up first, and reconciles their state after. */
  async run<T>(_host: StrategyHost, _fn: TrainerFn, body: () => Promise<T>): Promise<T> {
    return body();
  }

  /** The stage's dataloaders as this rank reads them (each rank its own share under DDP). */
  processDataloaders(_host: StrategyHost, _stage: LoaderStage, loaders: Loader[]): Loader[] {
    return loaders;
  }

  /**
   * Runs a training step's forward (`forward`): DDP's wrapped module call, which arms the gradient reduction
   * of the backward that follows, or leaves it off while gradients accumulate (`accumulating`, DDP's no_sync).
   */
  trainingStep<T>(_accumulating: boolean, forward: () => T): T {
    return forward();
  }

  /** Runs the backward of a training step (DDP's Reducer all-reduces during it: its errors name the rank). */
  backward<T>(run: () => T): T {
    return run();
  }

  /** After backward, before clipping and the optimizer step: makes every rank's gradients the mean. */
  reduceGradients(_module: LightningModule): void {}

  /** Lightning's reduce_boolean_decision: true when all ranks (or, with all=false, any rank) decided true. */
  reduceBooleanDecision(decision: boolean, _all = true): boolean {
    return decision;
  }

  /** Makes trainer.shouldStop the same on every rank (stop when any rank asked to). */
  agreeOnStop(host: StrategyHost): void {
    host.shouldStop = this.reduceBooleanDecision(host.shouldStop, false);
  }

  /**
   * self.log's sync_dist: reduces [step value, epoch total, batch count] of one logged key across ranks, as
   * Lightning's _sync_ddp reduces each with the key's reduce_fx.
   */
  reduceLogged(_reduce: SyncReduce, state: number[]): number[] {
    return state;
  }

  /** Rank `src`'s value on every rank. */
  broadcast<T>(value: T, _src = 0): T {
    return value;
  }

  /** Waits for every rank. */
  barrier(_name?: string): void {}
}

// The strategy of the trainer that is running (self.log reaches it through results.ts, which has no trainer).
let active: Strategy = new Strategy();

/** Marks `strategy` as the running trainer's (its reductions serve self.log's sync_dist). */
export function setActiveStrategy(strategy: Strategy): void {
  active = strategy;
}

/**
 * self.log(..., {syncDist: true}): [step value, epoch total, batch count] reduced over the running trainer's
 * ranks. The logging code reduces at every update (each rank logs the same keys in the same order), so that
 * reading a metric later, maybe on rank 0 only (the progress bar), never waits for the other ranks.
 */
export function syncLoggedState(reduce: SyncReduce, value: number, total: number, count: number): number[] {
  return active.reduceLogged(reduce, [value, total, count]);
}

/** The epoch aggregate of a synced key from its reduced [step value, epoch total, batch count]. */
export function syncedAggregate(reduce: SyncReduce, synced: number[]): number {
  if (reduce !== "mean") return synced[1]!;
  return synced[2] === 0 ? Number.NaN : Math.fround(synced[1]! / synced[2]!);
}

/** Number of processes `devices` asks for on the CPU ("auto" and 1 mean one). */
export function requestedProcesses(devices: TrainerOptions["devices"]): number {
  if (devices === undefined || devices === "auto" || devices === -1 || devices === "-1") return 1;
  if (Array.isArray(devices)) return devices.length;
  const n = Number(devices);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/**
 * The strategy for the Trainer's options (Lightning's accelerator connector): "auto" picks DDP when more than
 * one CPU device is asked for, else the single-device strategy. `makeDdp` builds the DDP strategy (kept out
 * of this module so that a single-device run never loads the distributed code).
 */
export function resolveStrategy(
  options: TrainerOptions,
  accelerator: "cpu" | "cuda",
  makeDdp: (processes: number, nodes: number) => Strategy,
): Strategy {
  const flag = String(options.strategy ?? "auto");
  const processes = requestedProcesses(options.devices);
  const nodes = options.num_nodes ?? 1;
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new Error(`Trainer(num_nodes=${JSON.stringify(nodes)}): num_nodes must be an integer >= 1.`);
  }
  const ddpNames = ["ddp", "ddp_find_unused_parameters_false", "ddp_find_unused_parameters_true"];
  // Lightning's spawn/fork variants start a function in new processes; Node cannot, so Kiln runs them the
  // "ddp" way (the script is started again for every other rank), which trains the same.
  const startedLikeDdp = ["ddp_spawn", "ddp_fork", "ddp_notebook"];
  if (flag === "auto" || flag === "single_device") {
    if (processes <= 1 && nodes === 1) return new Strategy();
    if (flag === "single_device") {
      throw new Error(
        `Trainer(strategy="single_device", devices=${JSON.stringify(options.devices)}): this strategy ` +
          'trains on a single device; use devices: 1, or strategy: "ddp" for one process per device.',
      );
    }
  } else if (startedLikeDdp.includes(flag)) {
    if (processes > 1 && process.env.LOCAL_RANK === undefined) {
      process.stderr.write(
        `Trainer(strategy=${JSON.stringify(flag)}): Kiln starts the ranks as strategy "ddp" does (the script ` +
          "runs again for every other rank).\n",
      );
    }
  } else if (!ddpNames.includes(flag)) {
    throw new Error(
      `Trainer(strategy=${JSON.stringify(flag)}) is not supported. Use "auto", "single_device" or "ddp" ` +
        '(Kiln runs DDP the way Lightning\'s "ddp" does: the script is started again for every other rank).',
    );
  }
  if (accelerator !== "cpu") {
    throw new Error(
      `Trainer(strategy="ddp", accelerator=${JSON.stringify(options.accelerator)}): Kiln's DDP runs on the CPU ` +
        "(Gloo); multi-GPU training (NCCL) is not available. Use accelerator: cpu, or devices: 1 on the GPU.",
    );
  }
  return makeDdp(processes, nodes);
}
