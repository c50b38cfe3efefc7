// Lightning's DDPStrategy on the CPU: one process per device (launcher.ts starts them), a Gloo
// process group, parameters and buffers broadcast from rank 0 when fit starts, gradients averaged after each
// backward that steps (one flat all-reduce per dtype; buffers re-broadcast as DDP does before a forward),
// DistributedSampler in every map-style DataLoader, and agreed decisions. A failed collective names the rank
// and says what probably happened instead of hanging: a dead peer closes its connections, and every
// collective has a timeout.

import { tensor } from "../../torch/creation.js";
import { DataLoader } from "../../torch/data/dataloader.js";
import { DistributedSampler, UnrepeatedDistributedSampler } from "../../torch/data/distributed-sampler.js";
import { findFreePort } from "../../torch/distributed/free-port.js";
import {
  allReduce,
  allReduceCoalesced,
  barrier,
  broadcastCoalesced,
  broadcastObject,
  DEFAULT_TIMEOUT_MS,
  DistributedDataParallel,
  initProcessGroup,
  isInitialized,
} from "../../torch/distributed/index.js";
import { convertSyncBatchnorm } from "../../torch/nn/sync-batchnorm.js";
import { manualSeed } from "../../torch/runtime.js";
import { tidy } from "../../torch/scope.js";
import type { Tensor } from "../../torch/tensor.js";
import type { Callback } from "../callbacks/callback.js";
import { emitInfo, setInfoSink } from "../callbacks/messages.js";
import {
  detectClusterEnvironment,
  type ElasticInfo,
  validateClusterSettings,
} from "../environments/index.js";
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

/** Sets the sampler's epoch from the running fit before each pass (Lightning calls set_epoch every epoch). */
function followEpoch(sampler: DistributedSampler, epochOf: () => number): DistributedSampler {
  const indices = sampler.indices.bind(sampler);
  sampler.indices = () => {
    sampler.setEpoch(epochOf());
    return indices();
  };
  return sampler;
}

/** Lightning's "ddp" strategy for CPU processes (Gloo), on one machine or several. */
export class DDPStrategy extends Strategy {
  readonly launcher: SubprocessLauncher;
  #env: RankEnvironment | null = null;
  #modelSynced = false;
  #elastic: ElasticInfo | null = null;
  /** libtorch's Reducer over the module during fit (null: the flat all-reduce after backward). */
  #ddp: DistributedDataParallel | null = null;

  /**
   * `processes` ranks per node on `numNodes` nodes; `timeout` bounds the rendezvous and every collective (ms);
   * `syncBatchnorm` turns the module's BatchNorm layers into SyncBatchNorm (Lightning's sync_batchnorm).
   */
  constructor(
    readonly processes: number,
    readonly numNodes = 1,
    readonly timeout = DEFAULT_TIMEOUT_MS,
    readonly syncBatchnorm = false,
    readonly findUnusedParameters = false,
  ) {
    super();
    this.launcher = new SubprocessLauncher(processes, numNodes);
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
    return this.#env?.globalRank ?? this.nodeRank * this.processes + this.localRank;
  }
  override get worldSize(): number {
    return this.#env?.worldSize ?? this.processes * this.numNodes;
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
      const result = await body().finally(() => {
        this.#ddp?.dispose();
        this.#ddp = null;
      });
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
  // PL_GLOBAL_SEED (reset_seed), join the process group (once per job: finishLaunchedJob ends it).
  private async setupEnvironment(host: StrategyHost): Promise<void> {
    if (this.#env === null) {
      const cluster = detectClusterEnvironment(process.env);
      validateClusterSettings(cluster, process.env, this.processes, this.numNodes);
      for (const [name, value] of Object.entries(cluster.exports)) process.env[name] = value;
      this.#env = await this.launcher.launch(cluster, () => findFreePort(), host.options.numThreads !== null);
      this.#elastic = cluster.elastic ?? null;
    }
    const seed = process.env.PL_GLOBAL_SEED;
    if (seed !== undefined && seed !== "") manualSeed(Number(seed));
    if (isInitialized()) return;
    // torchrun's agent hosts the store (TORCHELASTIC_USE_AGENT_STORE): every rank joins it as a client, under
    // the attempt's prefix, as torch's env:// rendezvous does.
    const agentStore = this.#elastic?.useAgentStore === true;
    await initProcessGroup({
      backend: "gloo",
      rank: this.globalRank,
      worldSize: this.worldSize,
      masterAddr: this.#env.masterAddr,
      masterPort: this.#env.masterPort,
      timeout: this.timeout,
      hostStore: agentStore ? false : undefined,
      storePrefix: agentStore ? `/worker/attempt_${this.#elastic!.restartCount}` : undefined,
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
      if (!(loader instanceof DataLoader) || loader.sampler instanceof DistributedSampler) return loader;
      // Lightning always shuffles the training share (whatever the loader's own shuffle), and keeps the
      // evaluation loaders' setting.
      const shuffle = (stage === "train" ? true : loader.shuffle) && !overfit;
      const options = { num_replicas: this.worldSize, rank: this.globalRank, shuffle, seed };
      // Prediction gives every sample to exactly one rank (Lightning's UnrepeatedDistributedSampler).
      const sampler =
        stage === "predict"
          ? new UnrepeatedDistributedSampler(loader.dataset, options)
          : new DistributedSampler(loader.dataset, options);
      // The user's loader again, of its own class, reading this rank's share (a natively batching loader
      // stays native: reading sample by sample made every DDP step allocate and collect).
      return loader.withSampler(followEpoch(sampler, epochOf));
    });
  }

  // DDP's constructor broadcasts rank 0's parameters and buffers; Kiln does it when fit asks for its first
  // dataloader: after setup, configureModel, the device move and a checkpoint restore, before any step.
  private syncModelOnce(host: StrategyHost): void {
    if (this.#modelSynced) return;
    this.#modelSynced = true;
    const module = host.lightningModule;
    if (!module.automaticOptimization) {
      throw new Error(
        "DDP: manual optimization (automaticOptimization = false) is not supported: Kiln averages the " +
          "gradients inside the automatic optimization loop. Use automatic optimization, or devices: 1.",
      );
    }
    // Lightning's layer sync: BatchNorm layers become SyncBatchNorm (sharing their parameters and buffers, so
    // the optimizer and the state dict see the same tensors) after setup and a checkpoint restore.
    if (this.syncBatchnorm) convertSyncBatchnorm(module);
    // PyTorch's DDP: its constructor broadcasts rank 0's parameters and buffers, and its Reducer averages the
    // gradients in buckets while backward runs. KILN_DDP_REDUCER=flat keeps one all-reduce after backward
    // (what the DDP bench compares against).
    if (process.env.KILN_DDP_REDUCER !== "flat" && module.parameters().some((p) => p.requiresGrad)) {
      this.#ddp = this.collective(
        "setting up DistributedDataParallel",
        () => new DistributedDataParallel(module, { find_unused_parameters: this.findUnusedParameters }),
      );
      return;
    }
    const states = [...module.parameters(), ...module.buffers()];
    const what = "broadcasting rank 0's parameters";
    this.collective(what, () => broadcastCoalesced(states, 0, what));
  }

  override trainingStep<T>(accumulating: boolean, forward: () => T): T {
    const ddp = this.#ddp;
    if (ddp === null) return forward();
    const run = () => this.collective("a DDP forward", () => ddp.run(forward, "training_step"));
    return accumulating ? ddp.noSync(run) : run();
  }

  override backward<T>(run: () => T): T {
    return this.#ddp === null ? run() : this.collective("averaging gradients (backward)", run);
  }

  override reduceGradients(module: LightningModule): void {
    // The Reducer has averaged the gradients (and DDP broadcast the buffers before the forward).
    if (this.#ddp !== null) return;
    const grads: Tensor[] = [];
    for (const p of module.parameters()) {
      const g = p.requiresGrad ? p.grad : null;
      if (g !== null) grads.push(g);
    }
    this.collective("averaging gradients", () => allReduceCoalesced(grads, "avg", "averaging gradients"));
    // DDP broadcasts rank 0's buffers (BatchNorm statistics) before each training forward; doing it after
    // the backward is the same, since nothing changes them in between.
    const buffers = module.buffers();
    if (buffers.length > 0) {
      this.collective("broadcasting buffers", () => broadcastCoalesced(buffers, 0, "broadcasting buffers"));
    }
  }

  override reduceBooleanDecision(decision: boolean, all = true): boolean {
    const [votes] = this.reduceNumbers([decision ? 1 : 0], "sum", "agreeing on a decision") as [number];
    return all ? votes === this.worldSize : votes > 0;
  }

  override reduceLogged(reduce: SyncReduce, state: number[]): number[] {
    const op = reduce === "mean" ? "sum" : reduce;
    const reduced = this.reduceNumbers(state, op, `reducing logged values (${op})`);
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

  private reduceNumbers(values: number[], op: "sum" | "max" | "min", what: string): number[] {
    return tidy(() => {
      const t = tensor(values, { dtype: "float64" });
      this.collective(what, () => allReduce(t, op, what));
      return Array.from(t.toTypedArray() as Float64Array);
    });
  }

  override broadcast<T>(value: T, src = 0): T {
    return this.collective("broadcasting an object", () =>
      broadcastObject(value, src, "broadcasting an object"),
    );
  }

  override barrier(name = "barrier"): void {
    this.collective(`waiting at ${name}`, () => barrier(name));
  }

  // Runs a collective; a failure says which rank saw it and what it most likely means.
  private collective<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const peer = this.launcher.failure ?? this.launcher.launcherFailure();
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
  return resolveStrategy(
    options,
    accelerator,
    (processes, nodes) =>
      new DDPStrategy(processes, nodes, DEFAULT_TIMEOUT_MS, options.sync_batchnorm === true),
  );
}
