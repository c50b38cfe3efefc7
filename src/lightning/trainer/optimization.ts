// configureOptimizers' return value turned into optimizers and scheduler configs (Lightning's
// _init_optimizers_and_lr_schedulers), and the scheduler stepping of the training loop.
import { ReduceLROnPlateau } from "../../torch/optim/lr-scheduler/reduce-lr-on-plateau.js";
import type { LRSchedulerConfig, OptimizerLike, OptimizersConfig, SchedulerLike } from "./types.js";

/** A scheduler config with every default filled in. */
export interface ResolvedSchedulerConfig {
  scheduler: SchedulerLike;
  name: string | null;
  interval: "epoch" | "step";
  frequency: number;
  monitor: string | null;
  strict: boolean;
  /** ReduceLROnPlateau-style: step() takes the monitored metric. */
  reduceOnPlateau: boolean;
}

function isOptimizer(value: unknown): value is OptimizerLike {
  return (
    value !== null &&
    typeof value === "object" &&
    Array.isArray((value as OptimizerLike).paramGroups) &&
    typeof (value as OptimizerLike).step === "function"
  );
}

/** Normalises one scheduler entry (a scheduler or a config dict with camelCase or snake_case keys). */
function resolveScheduler(
  entry: SchedulerLike | LRSchedulerConfig,
  monitor?: string,
): ResolvedSchedulerConfig {
  const config: Partial<LRSchedulerConfig> & Record<string, unknown> =
    "scheduler" in (entry as object)
      ? { ...(entry as LRSchedulerConfig) }
      : { scheduler: entry as SchedulerLike };
  const scheduler = config.scheduler;
  if (scheduler === undefined || typeof scheduler.step !== "function") {
    throw new Error('The lr scheduler config must have a "scheduler" key holding an LR scheduler.');
  }
  const interval = config.interval ?? "epoch";
  if (interval !== "epoch" && interval !== "step") {
    throw new Error(
      `The "interval" key in lr scheduler config must be "step" or "epoch" but is "${interval}"`,
    );
  }
  const frequency = config.frequency ?? 1;
  if (!Number.isInteger(frequency) || frequency < 1) {
    throw new Error(
      `The "frequency" key in lr scheduler config must be a positive integer, got ${frequency}`,
    );
  }
  const plateau = scheduler instanceof ReduceLROnPlateau;
  const mon = config.monitor ?? monitor ?? null;
  if (plateau && mon === null) {
    throw new Error(
      'The lr scheduler config for ReduceLROnPlateau must have a "monitor" key: return ' +
        '{optimizer, lrScheduler: {scheduler, monitor: "metric_to_track"}} from configureOptimizers.',
    );
  }
  return {
    scheduler,
    name: (config.name as string | undefined) ?? null,
    interval,
    frequency,
    monitor: mon,
    strict: config.strict ?? true,
    reduceOnPlateau: plateau,
  };
}

/** Reads what configureOptimizers returned into optimizers and resolved scheduler configs. */
export function initOptimizers(value: OptimizersConfig): {
  optimizers: OptimizerLike[];
  schedulers: ResolvedSchedulerConfig[];
} {
  if (value === null || value === undefined) {
    // Lightning runs without an optimizer (with a warning) when none is returned.
    return { optimizers: [], schedulers: [] };
  }
  if (isOptimizer(value)) return { optimizers: [value], schedulers: [] };
  if (Array.isArray(value)) {
    if (
      value.length === 2 &&
      Array.isArray(value[0]) &&
      Array.isArray(value[1]) &&
      (value[0] as unknown[]).every(isOptimizer)
    ) {
      const [opts, scheds] = value as [OptimizerLike[], (SchedulerLike | LRSchedulerConfig)[]];
      return { optimizers: [...opts], schedulers: scheds.map((s) => resolveScheduler(s)) };
    }
    const optimizers: OptimizerLike[] = [];
    const schedulers: ResolvedSchedulerConfig[] = [];
    for (const item of value as unknown[]) {
      const one = initOptimizers(item as OptimizersConfig);
      optimizers.push(...one.optimizers);
      schedulers.push(...one.schedulers);
    }
    return { optimizers, schedulers };
  }
  if (typeof value === "object" && "optimizer" in value) {
    const optimizer = value.optimizer;
    if (!isOptimizer(optimizer))
      throw new Error('configureOptimizers: the "optimizer" key must hold an optimizer.');
    const sched = value.lrScheduler ?? value.lr_scheduler;
    const schedulers = sched === undefined ? [] : [resolveScheduler(sched, value.monitor)];
    return { optimizers: [optimizer], schedulers };
  }
  throw new Error(
    "Unknown configuration for model optimizers. Output from `model.configureOptimizers()` should be one of: " +
      "an optimizer; a list of optimizers; [optimizers, schedulers]; {optimizer, lrScheduler}; a list of those.",
  );
}

/**
 * Steps the schedulers whose interval is `interval` and whose frequency is due (Lightning's
 * _update_learning_rates). Plateau schedulers read their monitor from `metrics`; a missing monitor is an
 * error when strict.
 */
export function stepSchedulers(
  schedulers: readonly ResolvedSchedulerConfig[],
  interval: "epoch" | "step",
  counter: number,
  metrics: Readonly<Record<string, number>>,
  updatePlateau: boolean,
  step: (scheduler: SchedulerLike, metric: number | undefined) => void,
): number {
  let stepped = 0;
  for (const config of schedulers) {
    if (config.interval !== interval) continue;
    if (config.reduceOnPlateau !== updatePlateau) continue;
    if (counter % config.frequency !== 0) continue;
    let metric: number | undefined;
    if (config.reduceOnPlateau) {
      const key = config.monitor!;
      metric = metrics[key];
      if (metric === undefined) {
        if (config.strict) {
          throw new Error(
            `ReduceLROnPlateau conditioned on metric ${key} which is not available. Available metrics are: ` +
              `[${Object.keys(metrics).join(", ")}]. Condition can be set using \`monitor\` key in lr scheduler dict`,
          );
        }
        continue;
      }
    }
    step(config.scheduler, metric);
    stepped++;
  }
  return stepped;
}
