// What `self.log` records: Lightning's _ResultCollection. Each (hook, name) pair accumulates step values into
// an epoch aggregate (a batch-size-weighted mean by default). Values are converted to numbers at once, so no
// tensor outlives its step; arithmetic is rounded to float32 like Lightning's float32 state tensors.
import type { Tensor } from "../../../torch/tensor.js";
import { syncedAggregate, syncLoggedState } from "../../strategies/strategy.js";
import type { LogOptions, LogValue, MetricLike, MetricsDict, ReduceFx } from "../types.js";

/** The resolved options of one logged key (Lightning's _Metadata). */
export interface ResultMeta {
  fx: string;
  name: string;
  onStep: boolean;
  onEpoch: boolean;
  progBar: boolean;
  logger: boolean;
  reduceFx: ReduceFx;
  dataloaderIdx: number | null;
  /** sync_dist: reduce across ranks (strategy.ts: syncLoggedState). */
  sync?: boolean;
}

/** The per-destination metric dicts that the logger connector distributes. */
export interface CollectionMetrics {
  callback: MetricsDict;
  log: MetricsDict;
  pbar: MetricsDict;
}

const f32 = Math.fround;

/** One logged key's running state (Lightning's _ResultMetric). */
class ResultMetric {
  private total = 0;
  private count = 0;
  private seen = false;
  forwardCache: number | null = null;
  computed: number | null = null;
  hasReset = false;
  /** sync_dist: [step value, epoch total, batch count] reduced over the ranks at the last update. */
  private synced: number[] | null = null;

  constructor(
    readonly meta: ResultMeta,
    readonly metric: MetricLike | null,
  ) {}

  /** Adds one step's value with its batch-size weight. */
  update(value: number, batchSize: number): void {
    this.forwardCache = value;
    this.computed = null;
    this.hasReset = false;
    if (this.metric !== null) return;
    const fx = this.meta.reduceFx;
    if (fx === "mean") {
      this.total = f32(this.total + f32(value * batchSize));
      this.count += batchSize;
    } else if (fx === "sum") {
      this.total = f32(this.total + value);
    } else if (!this.seen) {
      this.total = value;
    } else {
      this.total = fx === "max" ? Math.max(this.total, value) : Math.min(this.total, value);
    }
    this.seen = true;
    if (this.meta.sync) {
      this.synced = syncLoggedState(fx, value, this.total, this.count);
      if (this.meta.onStep) this.forwardCache = this.synced[0]!;
    }
  }

  /** The epoch aggregate (cached until the next update). */
  compute(): number {
    if (this.computed !== null) return this.computed;
    if (this.metric !== null) this.computed = toNumber(this.metric.compute(), this.meta.name);
    else if (this.synced !== null) this.computed = syncedAggregate(this.meta.reduceFx, this.synced);
    else if (this.meta.reduceFx === "mean")
      this.computed = this.count === 0 ? Number.NaN : f32(this.total / this.count);
    else this.computed = this.total;
    return this.computed;
  }

  reset(): void {
    this.total = 0;
    this.count = 0;
    this.seen = false;
    this.synced = null;
    this.forwardCache = null;
    this.computed = null;
    this.hasReset = true;
    this.metric?.reset();
  }

  /** `name_step` / `name_epoch` when both levels are on, else the bare name. */
  forkedName(onStep: boolean): string {
    if (this.meta.onStep && this.meta.onEpoch) return `${this.meta.name}_${onStep ? "step" : "epoch"}`;
    return this.meta.name;
  }
}

/** All values logged during one loop (training, or one evaluation run). */
export class ResultCollection {
  private readonly items = new Map<string, ResultMetric>();
  /** The current batch (to infer batch sizes) and its cached size. */
  batch: unknown = null;
  batchSize: number | null = null;
  dataloaderIdx: number | null = null;

  /** `training` makes step values callback metrics too (Lightning does so only for the training loop). */
  constructor(readonly training: boolean) {}

  /** Records one self.log call from hook `fx` with fully resolved options. */
  log(
    fx: string,
    name: string,
    value: LogValue,
    options: Required<Pick<LogOptions, "onStep" | "onEpoch" | "progBar" | "logger" | "reduceFx">> &
      LogOptions,
  ): void {
    const addIdx = options.addDataloaderIdx ?? true;
    const dataloaderIdx = addIdx ? this.dataloaderIdx : null;
    const key = `${fx}.${name}${dataloaderIdx !== null ? `.${dataloaderIdx}` : ""}`;
    const meta: ResultMeta = {
      fx,
      name,
      onStep: options.onStep,
      onEpoch: options.onEpoch,
      progBar: options.progBar,
      logger: options.logger,
      reduceFx: options.reduceFx,
      dataloaderIdx,
      sync: options.syncDist === true,
    };
    const metricObject = isMetricObject(value) ? value : null;
    let item = this.items.get(key);
    if (item === undefined) {
      item = new ResultMetric(meta, metricObject);
      this.items.set(key, item);
    } else if (!sameMeta(item.meta, meta)) {
      throw new Error(
        `You called \`self.log(${name}, ...)\` twice in \`${fx}\` with different arguments. This is not allowed`,
      );
    }
    if (metricObject !== null) {
      // The step value is read only where something shows it (on_step): reading a tensor is a native call and,
      // on a GPU, a sync. The epoch value comes from the metric's compute().
      item.update(options.onStep ? metricStepValue(metricObject, name) : Number.NaN, 1);
      return;
    }
    const number = f32(toNumber(value as number | Tensor, name));
    const batchSize = options.batchSize ?? this.inferBatchSize();
    item.update(number, batchSize);
  }

  /** The metrics for loggers, callbacks and the progress bar, at step level or epoch level. */
  metrics(onStep: boolean): CollectionMetrics {
    const out: CollectionMetrics = { callback: {}, log: {}, pbar: {} };
    for (const item of this.items.values()) {
      if (item.hasReset) continue;
      let value: number | null = null;
      if (onStep && item.meta.onStep) value = item.forwardCache;
      else if (!onStep && item.meta.onEpoch) value = item.compute();
      if (value === null) continue;
      const suffix = item.meta.dataloaderIdx !== null ? `/dataloader_idx_${item.meta.dataloaderIdx}` : "";
      const name = item.meta.name + suffix;
      const forked = item.forkedName(onStep) + suffix;
      if (item.meta.logger) out.log[forked] = value;
      if (this.training || (item.meta.onEpoch && !onStep)) {
        out.callback[name] = value;
        out.callback[forked] = value;
      }
      if (item.meta.progBar) out.pbar[forked] = value;
    }
    return out;
  }

  /** Clears every accumulated value (and resets metric objects) for the next epoch or evaluation run. */
  reset(): void {
    for (const item of this.items.values()) item.reset();
    this.batch = null;
    this.batchSize = null;
  }

  /** The size of dim 0 of the first tensor in the current batch (Lightning's extract_batch_size). */
  private inferBatchSize(): number {
    if (this.batchSize !== null) return this.batchSize;
    const size = firstTensorBatchSize(this.batch, 0);
    this.batchSize = size ?? 1;
    return this.batchSize;
  }
}

function sameMeta(a: ResultMeta, b: ResultMeta): boolean {
  return (
    a.onStep === b.onStep &&
    a.onEpoch === b.onEpoch &&
    a.progBar === b.progBar &&
    a.logger === b.logger &&
    a.reduceFx === b.reduceFx
  );
}

function isMetricObject(value: unknown): value is MetricLike {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as MetricLike).compute === "function" &&
    typeof (value as MetricLike).reset === "function"
  );
}

/** The step-level value of a metric object: its last forward value when it keeps one, else compute(). */
function metricStepValue(metric: MetricLike, name: string): number {
  const cache = (metric as { forwardCache?: unknown }).forwardCache;
  if (typeof cache === "number") return cache;
  if (cache !== null && typeof cache === "object" && typeof (cache as Tensor).item === "function") {
    return toNumber(cache as Tensor, name);
  }
  return toNumber(metric.compute(), name);
}

/** A logged value as a number; tensors must hold exactly one element. */
export function toNumber(
  value: number | boolean | Tensor | { item(): number | boolean },
  name: string,
): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === null || typeof value !== "object" || typeof value.item !== "function") {
    throw new TypeError(
      `self.log(${JSON.stringify(name)}, value): value must be a number, a one-element tensor or a metric ` +
        `object, got ${value === null ? "null" : typeof value}`,
    );
  }
  const numel = (value as Tensor).numel?.();
  if (numel !== undefined && numel !== 1) {
    throw new Error(
      `\`self.log(${name}, value)\` was called, but the tensor must have a single element. ` +
        `You can try doing \`self.log(${name}, value.mean())\``,
    );
  }
  return Number(value.item());
}

function firstTensorBatchSize(batch: unknown, depth: number): number | null {
  if (batch === null || typeof batch !== "object" || depth > 6) return null;
  const t = batch as Tensor;
  if (typeof t.dispose === "function" && Array.isArray(t.shape))
    return t.shape.length === 0 ? 1 : t.shape[0]!;
  const values = Array.isArray(batch) ? batch : Object.values(batch);
  for (const v of values) {
    const size = firstTensorBatchSize(v, depth + 1);
    if (size !== null) return size;
  }
  return null;
}
