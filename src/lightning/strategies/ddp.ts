// Lightning's DDPStrategy on the CPU: one process per device (strategy-launcher.ts starts them), a Gloo
// process group, parameters and buffers broadcast from rank 0 when fit starts, gradients averaged after each
// backward that steps (one flat all-reduce per dtype; buffers re-broadcast as DDP does before a forward),
// DistributedSampler in every map-style DataLoader, and agreed decisions. A failed collective names the rank
// and says what probably happened instead of hanging: a dead peer closes its connections, and every
// collective has a timeout.

import { tensor } from "../../torch/creation.js";
import { DataLoader } from "../../torch/data/dataloader.js";
import {
  DistributedDataLoader,
  DistributedSampler,
  UnrepeatedDistributedSampler,
} from "../../torch/data/distributed-sampler.js";
import { findFreePort } from "../../torch/distributed/free-port.js";
import {
  allReduce,
  allReduceCoalesced,
  barrier,
  broadcastCoalesced,
  broadcastObject,
  DEFAULT_TIMEOUT_MS,
  initProcessGroup,
  isInitialized,
} from "../../torch/distributed/index.js";
import { BatchNorm } from "../../torch/nn/normalization.js";
import { manualSeed } from "../../torch/runtime.js";
import { tidy } from "../../torch/scope.js";
import type { Tensor } from "../../torch/tensor.js";
import type { Callback } from "../callbacks/callback.js";
import { emitInfo, emitWarning, setInfoSink } from "../callbacks/messages.js";
import type { Logger } from "../loggers/logger.js";
import type { Loader } from "../loops/utilities.js";
import type { LightningModule } from "../module.js";
import type { TrainerOptions } from "../trainer/options.js";
import type { LoaderStage, TrainerFn } from "../trainer/states.js";
import { type RankEnvironment, SubprocessLauncher } from "./launcher.js";
import { rankZeroCheckpoints, rankZeroLoggers, shareCheckpointState } from "./rank-zero.js";
import {
  resolveStrategy,
  Strategy,
  type StrategyHost,
  type SyncReduce,
  setActiveStrategy,
} from "./strategy.js";

/** A DataLoader whose DistributedSampler takes its epoch from the running fit at every pass. */
class EpochDistributedLoader<T, B> extends DistributedDataLoader<T, B> {
  constructor(
    loader: DataLoader<T, B>,
    sampler: DistributedSampler,
    private readonly epochOf: () => number,
  ) {
    super(loader, sampler);
  }

  override *[Symbol.iterator](): IterableIterator<B> {
    this.sampler.setEpoch(this.epochOf());
    yield* super[Symbol.iterator]();
  }
}

/** Lightning's "ddp" strategy for CPU processes on one machine (Gloo). */
export class DDPStrategy extends Strategy {
  readonly launcher: SubprocessLauncher;
  #env: RankEnvironment | null = null;
  #modelSynced = false;

  /** `processes` ranks per machine; `timeout` bounds the rendezvous and every collective (ms). */
  constructor(
    readonly processes: number,
    readonly timeout = DEFAULT_TIMEOUT_MS,
  ) {
    super();
    this.launcher = new SubprocessLauncher(processes);
  }

  override get name(): string {
    return "ddp";
  }
  override get localRank(): number {
    return this.#env?.localRank ?? 0;
  }
  override get nodeRank(): number {
    return this.#env?.nodeRank ?? 0;
  }
  override get globalRank(): number {
    return this.nodeRank * this.processes + this.localRank;
  }
  override get worldSize(): number {
    return this.#env?.worldSize ?? this.processes;
  }
  override get isDistributed(): boolean {
    return true;
  }

  override async run<T>(host: StrategyHost, fn: TrainerFn, body: () => Promise<T>): Promise<T> {
    try {
      await this.setupEnvironment(host);
      setActiveStrategy(this);
      this.#modelSynced = fn !== "fit";
      rankZeroLoggers(host.loggers as Logger[], this.isGlobalZero, (v) => this.broadcast(v));
      rankZeroCheckpoints(host.callbacks as Callback[], this.isGlobalZero);
      const result = await body();
      shareCheckpointState(host.callbacks as Callback[], this.isGlobalZero, (v) => this.broadcast(v));
      this.barrier("run-stage-end");
      return result;
    } catch (error) {
      // Lightning kills the launched ranks when the launching one fails.
      if (this.isGlobalZero) this.launcher.kill();
      throw error;
    } finally {
      setActiveStrategy(new Strategy());
    }
  }

  // Lightning's setup_environment, at every entry point: launch (rank 0, once), seed again from
  // PL_GLOBAL_SEED (reset_seed), join the process group (once; it lives as long as the process).
  private async setupEnvironment(host: StrategyHost): Promise<void> {
    this.#env ??= await this.launcher.launch(() => findFreePort(), host.options.numThreads !== null);
    const seed = process.env.PL_GLOBAL_SEED;
    if (seed !== undefined && seed !== "") manualSeed(Number(seed));
    if (isInitialized()) return;
    await initProcessGroup({
      backend: "gloo",
      rank: this.globalRank,
      worldSize: this.worldSize,
      masterAddr: this.#env.masterAddr,
      masterPort: this.#env.masterPort,
      timeout: this.timeout,
      whileWaiting: () => this.launcher.throwIfFailed(),
    });
    // Lightning's rank_zero_info: the other ranks stay quiet; rank 0 announces the group as Lightning does.
    if (!this.isGlobalZero) setInfoSink(() => {});
    const rule = "-".repeat(100);
    emitInfo(
      `${rule}\ndistributed_backend=gloo\nAll distributed processes registered. ` +
        `Starting with ${this.worldSize} processes\n${rule}\n`,
    );
  }

  override processDataloaders(host: StrategyHost, stage: LoaderStage, loaders: Loader[]): Loader[] {
    this.syncModelOnce(host);
    return this.distributedLoaders(host, stage, loaders);
  }

  /**
   * Lightning's _requires_distributed_sampler: with use_distributed_sampler (the default) each DataLoader gets
   * a DistributedSampler giving this rank its share; with false the loaders stay as they are (every rank sees
   * every batch, or the user's own sampler splits them).
   */
  distributedLoaders(host: StrategyHost, stage: LoaderStage, loaders: Loader[]): Loader[] {
    if (!host.options.useDistributedSampler) return loaders;
    const overfit = host.options.overfitBatches.value > 0;
    const seed = Number(process.env.PL_GLOBAL_SEED ?? 0);
    const epochOf = () => (host.state.fn === "fit" ? host.fitLoop.epochProgress.current.processed : 0);
    return loaders.map((loader) => {
      if (!(loader instanceof DataLoader) || loader instanceof DistributedDataLoader) return loader;
      // Lightning always shuffles the training share (whatever the loader's own shuffle), and keeps the
      // evaluation loaders' setting.
      const shuffle = (stage === "train" ? true : loader.shuffle) && !overfit;
      const options = { num_replicas: this.worldSize, rank: this.globalRank, shuffle, seed };
      // Prediction gives every sample to exactly one rank (Lightning's UnrepeatedDistributedSampler).
      const sampler =
        stage === "predict"
          ? new UnrepeatedDistributedSampler(loader.dataset, options)
          : new DistributedSampler(loader.dataset, options);
      return new EpochDistributedLoader(loader, sampler, epochOf);
    });
  }

  // DDP's constructor broadcasts rank 0's parameters and buffers; Kiln does it when fit asks for its first
  // dataloader: after setup, configureModel, the device move and a checkpoint restore, before any step.
  private syncModelOnce(host: StrategyHost): void {
    if (this.#modelSynced) return;
    this.#modelSynced = true;
    const module = host.lightningModule;
    if (host.options.syncBatchnorm && module.modules().some((m) => m instanceof BatchNorm)) {
      // Lightning converts the BatchNorm layers to SyncBatchNorm; Kiln's DDP has no such layer yet.
      emitWarning(
        "Trainer(sync_batchnorm=True): Kiln's DDP does not synchronise batch norm statistics in the forward pass " +
          "(no SyncBatchNorm yet): each rank normalises with its own batch's statistics, and rank 0's running " +
          "statistics are broadcast after every step.",
        true,
      );
    }
    if (!module.automaticOptimization) {
      throw new Error(
        "DDP: manual optimization (automaticOptimization = false) is not supported: Kiln averages the " +
          "gradients inside the automatic optimization loop. Use automatic optimization, or devices: 1.",
      );
    }
    const states = [...module.parameters(), ...module.buffers()];
    this.collective("broadcasting rank 0's parameters", () => broadcastCoalesced(states, 0));
  }

  override reduceGradients(module: LightningModule): void {
    const grads: Tensor[] = [];
    for (const p of module.parameters()) {
      const g = p.requiresGrad ? p.grad : null;
      if (g !== null) grads.push(g);
    }
    this.collective("averaging gradients", () => allReduceCoalesced(grads, "avg"));
    // DDP broadcasts rank 0's buffers (BatchNorm statistics) before each training forward; doing it after
    // the backward is the same, since nothing changes them in between.
    const buffers = module.buffers();
    if (buffers.length > 0) this.collective("broadcasting buffers", () => broadcastCoalesced(buffers, 0));
  }

  override reduceBooleanDecision(decision: boolean, all = true): boolean {
    const [votes] = this.reduceNumbers([decision ? 1 : 0], "sum") as [number];
    return all ? votes === this.worldSize : votes > 0;
  }

  override reduceLogged(reduce: SyncReduce, state: number[]): number[] {
    const reduced = this.reduceNumbers(state, reduce === "mean" ? "sum" : reduce);
    if (reduce !== "mean") return reduced;
    // Lightning's _sync_ddp on Gloo: "mean" is a sum divided by the world size. The float32 values are summed
    // here in float64, which rounds to float32 exactly as a float32 sum of two ranks does; the int64 batch
    // count is divided and truncated when copied back into its tensor.
    const [value, total, count] = reduced as [number, number, number];
    const world = this.worldSize;
    return [
      Math.fround(Math.fround(value) / world),
      Math.fround(Math.fround(total) / world),
      Math.trunc(count / world),
    ];
  }

  private reduceNumbers(values: number[], op: "sum" | "max" | "min"): number[] {
    return tidy(() => {
      const t = tensor(values, { dtype: "float64" });
      this.collective(`reducing logged values (${op})`, () => allReduce(t, op));
      return Array.from(t.toTypedArray() as Float64Array);
    });
  }

  override broadcast<T>(value: T, src = 0): T {
    return this.collective("broadcasting an object", () => broadcastObject(value, src));
  }

  override barrier(name = "barrier"): void {
    this.collective(`waiting at ${name}`, () => barrier());
  }

  // Runs a collective; a failure says which rank saw it and what it most likely means.
  private collective<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const peer = this.launcher.failure;
      const cause =
        peer !== null
          ? `rank ${peer[0]} exited with ${peer[1]}`
          : "another rank has probably failed or exited (see its output), or the collective timed out";
      throw new Error(
        `DDP: rank ${this.globalRank} of ${this.worldSize} failed while ${what}: ${cause}.\n  ${message}`,
      );
    }
  }
}

/** The strategy for the Trainer's options: DDP when several CPU devices are asked for (see resolveStrategy). */
export function createStrategy(options: TrainerOptions, accelerator: "cpu" | "cuda"): Strategy {
  return resolveStrategy(options, accelerator, (processes) => new DDPStrategy(processes));
}
