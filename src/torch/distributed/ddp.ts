// torch.nn.parallel.DistributedDataParallel over libtorch's c10d Reducer (native/dist_ddp.cc): gradients go
// into buckets as backward produces them, and each full bucket is all-reduced (averaged) while backward goes
// on, as PyTorch's DDP does. Construction checks that every rank has the same parameter shapes and copies rank
// 0's parameters and buffers to the others; each forward broadcasts rank 0's buffers first
// (broadcast_buffers). A forward whose backward must not be reduced runs inside noSync().
import { isGradEnabled } from "../autograd.js";
import { type Handle, native } from "../native.js";
import type { Module } from "../nn/module.js";
import { Tensor, wrapList } from "../tensor.js";
import { requireInitialized } from "./process-group.js";

declare module "../native.js" {
  interface NativeAddon {
    distDdpCreate(
      params: Handle[],
      opts: {
        bucketCapMb?: number | null;
        findUnusedParameters: boolean;
        staticGraph: boolean;
        gradientAsBucketView: boolean;
      },
      names: string[],
    ): number;
    distDdpPreForward(
      id: number,
      tag: string,
      reduce: boolean,
      buffers: Handle[],
      syncBuffers: boolean,
    ): boolean;
    distDdpPrepareBackward(id: number, outputs: Handle[]): void;
    distDdpNeedsSink(id: number): boolean;
    distDdpSink(id: number, outputs: Handle[]): Handle[];
    distDdpDestroy(id: number): void;
    distDataBroadcastCoalesced(tensors: Handle[], src: number, tag?: string): void;
  }
}

/** DistributedDataParallel's keyword options (PyTorch's names and defaults). */
export interface DistributedDataParallelOptions {
  /** Search each forward's outputs for parameters that get no gradient (costs a graph walk per step). */
  find_unused_parameters?: boolean;
  /** The set of used parameters and the graph never change: reduction overlaps backward from step 2 on. */
  static_graph?: boolean;
  /** Gradients become views into the buckets (saves one copy and the memory of the gradients). */
  gradient_as_bucket_view?: boolean;
  /** Bucket size in MiB (default 25, with a 1 MiB first bucket). */
  bucket_cap_mb?: number | null;
  /** Broadcast rank 0's buffers (BatchNorm statistics) before each forward (default true). */
  broadcast_buffers?: boolean;
  /** Copy rank 0's parameters and buffers to every rank at construction (default true). */
  init_sync?: boolean;
  /**
   * Fully qualified names of parameters and buffers DDP leaves alone (PyTorch's
   * _ddp_params_and_buffers_to_ignore): not reduced, not broadcast. Metric states, for example, stay per rank.
   */
  params_and_buffers_to_ignore?: Iterable<string>;
}

/** The tensors anywhere in a forward's output (tensors, arrays, plain objects, Maps), as DDP's _find_tensors. */
export function findTensors(value: unknown, out: Tensor[] = [], depth = 0): Tensor[] {
  if (value instanceof Tensor) out.push(value);
  else if (depth > 8 || value === null || typeof value !== "object") return out;
  else if (Array.isArray(value)) for (const v of value) findTensors(v, out, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) findTensors(v, out, depth + 1);
  else for (const v of Object.values(value)) findTensors(v, out, depth + 1);
  return out;
}

/** `value` with each tensor replaced by `replace(tensor)` (arrays, plain objects and Maps are rebuilt). */
function mapTensors(value: unknown, replace: (t: Tensor) => Tensor, depth = 0): unknown {
  if (value instanceof Tensor) return replace(value);
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => mapTensors(v, replace, depth + 1));
  if (value instanceof Map)
    return new Map([...value].map(([k, v]) => [k, mapTensors(v, replace, depth + 1)]));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapTensors(v, replace, depth + 1)]));
}

/** PyTorch's DistributedDataParallel for a module whose parameters live on one device. */
export class DistributedDataParallel {
  readonly module: Module;
  readonly findUnusedParameters: boolean;
  readonly staticGraph: boolean;
  readonly gradientAsBucketView: boolean;
  readonly broadcastBuffers: boolean;
  /** DDP's require_backward_grad_sync: false inside noSync(). */
  requireBackwardGradSync = true;
  /** DDP's require_forward_param_sync: whether the next forward syncs buffers (set by the last forward). */
  #requireForwardParamSync = true;
  #id: number;
  /** The module's buffers DDP broadcasts (read again before each broadcast: a layer may replace one). */
  #bufferNames: Set<string>;

  constructor(module: Module, opts: DistributedDataParallelOptions = {}) {
    requireInitialized("DistributedDataParallel");
    this.module = module;
    this.findUnusedParameters = opts.find_unused_parameters ?? false;
    this.staticGraph = opts.static_graph ?? false;
    this.gradientAsBucketView = opts.gradient_as_bucket_view ?? false;
    this.broadcastBuffers = opts.broadcast_buffers ?? true;
    const ignored = new Set(opts.params_and_buffers_to_ignore ?? []);
    // Shared parameters once, in registration order (DDP's _build_params_for_reducer).
    const seen = new Set<Tensor>();
    const named: [string, Tensor][] = [];
    for (const [name, p] of module.namedParameters()) {
      if (!p.requiresGrad || seen.has(p) || ignored.has(name)) continue;
      seen.add(p);
      named.push([name, p]);
    }
    if (named.length === 0) {
      throw new Error(
        "DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.",
      );
    }
    const buffers = module.namedBuffers().filter(([name]) => !ignored.has(name));
    this.#bufferNames = new Set(buffers.map(([name]) => name));
    if (opts.init_sync ?? true) {
      const params = module.namedParameters().filter(([name]) => !ignored.has(name));
      const states = [...params, ...buffers].map(([, t]) => t.handle);
      native().distDataBroadcastCoalesced(states, 0, "DDP: rank 0's parameters and buffers");
    }
    this.#id = native().distDdpCreate(
      named.map(([, p]) => p.handle),
      {
        bucketCapMb: opts.bucket_cap_mb ?? null,
        findUnusedParameters: this.findUnusedParameters,
        staticGraph: this.staticGraph,
        gradientAsBucketView: this.gradientAsBucketView,
      },
      named.map(([n]) => n),
    );
  }

  /** The module's forward through DDP (PyTorch's `ddp(x)`). */
  call(...args: unknown[]): unknown {
    return this.run(() => (this.module.forward as (...a: unknown[]) => unknown).apply(this.module, args));
  }

  /**
   * Runs `forward` (any computation of the module, e.g. a LightningModule's training_step) between DDP's
   * pre-forward (step check, buffer broadcast, bucket rebuild) and post-forward (arming the gradient hooks for
   * the next backward). Every rank must call it the same number of times with the same `tag`.
   */
  run<T>(forward: () => T, tag = "forward"): T {
    const reduce = isGradEnabled() && this.requireBackwardGradSync;
    const syncBuffers = this.broadcastBuffers && this.#requireForwardParamSync && this.#bufferNames.size > 0;
    const buffers = syncBuffers ? this.#buffers() : [];
    native().distDdpPreForward(this.#id, tag, reduce, buffers, syncBuffers);
    let output = forward();
    if (reduce) {
      this.#requireForwardParamSync = true;
      const outputs = this.findUnusedParameters && !this.staticGraph ? findTensors(output) : [];
      native().distDdpPrepareBackward(
        this.#id,
        outputs.map((t) => t.handle),
      );
    } else {
      this.#requireForwardParamSync = false;
    }
    if (this.staticGraph && native().distDdpNeedsSink(this.#id)) output = this.sink(output) as T;
    return output;
  }

  #buffers(): Handle[] {
    return this.module
      .namedBuffers()
      .filter(([name]) => this.#bufferNames.has(name))
      .map(([, b]) => b.handle);
  }

  // The first static-graph iteration: the outputs that carry a graph pass through DDP's _DDPSink.
  private sink(output: unknown): unknown {
    const withGraph = findTensors(output).filter((t) => t.requiresGrad);
    if (withGraph.length === 0) return output;
    const passed = wrapList(
      native().distDdpSink(
        this.#id,
        withGraph.map((t) => t.handle),
      ),
    );
    const replacement = new Map(withGraph.map((t, i) => [t, passed[i]!]));
    return mapTensors(output, (t) => replacement.get(t) ?? t);
  }

  /** DDP's no_sync(): forwards and backwards inside `fn` accumulate gradients locally, without reducing. */
  noSync<T>(fn: () => T): T {
    const before = this.requireBackwardGradSync;
    this.requireBackwardGradSync = false;
    try {
      return fn();
    } finally {
      this.requireBackwardGradSync = before;
    }
  }

  /** Removes the gradient hooks from the module's parameters (the module itself is left as it is). */
  dispose(): void {
    native().distDdpDestroy(this.#id);
  }
}
