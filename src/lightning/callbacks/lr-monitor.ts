/**
 * LearningRateMonitor (Lightning semantics): logs each optimizer's learning rate to every logger as
 * `lr-<OptimizerClass>` (`-1`, `-2` for repeats of a class, `/pg1`, `/pg2` or the group's `name` for several
 * param groups; a scheduler config's `name` replaces the whole key), optionally with `-momentum` and
 * `-weight_decay`. Scheduled optimizers log at their scheduler's interval unless `logging_interval` forces one.
 */
import { Callback } from "./callback.js";
import { emitWarning } from "./messages.js";
import { boolOption, MisconfigurationError, readOptions } from "./options.js";
import type { LRMonitorTrainerView, OptimizerView, ParamGroupView } from "./trainer-view.js";

/** LearningRateMonitor's options (Lightning's argument names). */
export interface LearningRateMonitorOptions {
  logging_interval?: "step" | "epoch" | null;
  log_momentum?: boolean;
  log_weight_decay?: boolean;
}

interface Named {
  optimizer: OptimizerView;
  names: string[];
}

/** Logs learning rates (and optionally momentum / weight decay) of the trainer's optimizers. */
export class LearningRateMonitor extends Callback {
  readonly loggingInterval: "step" | "epoch" | null;
  readonly logMomentum: boolean;
  readonly logWeightDecay: boolean;
  /** Every logged learning rate by key, in order (Lightning's `lrs`). */
  lrs: Record<string, number[]> = {};
  lastMomentumValues: Record<string, number | null> = {};
  lastWeightDecayValues: Record<string, number | null> = {};

  constructor(options: LearningRateMonitorOptions = {}) {
    super();
    const name = "LearningRateMonitor";
    const o = readOptions(name, options, ["logging_interval", "log_momentum", "log_weight_decay"]);
    const interval = o.logging_interval ?? null;
    if (interval !== null && interval !== "step" && interval !== "epoch") {
      throw new MisconfigurationError("logging_interval should be `step` or `epoch` or `None`.");
    }
    this.loggingInterval = interval;
    this.logMomentum = boolOption(name, o, "log_momentum", false);
    this.logWeightDecay = boolOption(name, o, "log_weight_decay", false);
  }

  override onTrainStart(trainer: LRMonitorTrainerView): void {
    if (trainer.loggers.length === 0) {
      throw new MisconfigurationError(
        "Cannot use `LearningRateMonitor` callback with `Trainer` that has no logger.",
      );
    }
    if (this.logMomentum) {
      const optimizers = this.#allOptimizers(trainer);
      const lacks = (key: string) => optimizers.some((opt) => !(key in (opt.defaults ?? {})));
      if (lacks("momentum") && lacks("betas")) {
        emitWarning(
          "You have set log_momentum=True, but some optimizers do not have momentum. This will log a value 0 for the momentum.",
        );
      }
    }
    const names = this.#findNames(trainer).flatMap((n) => n.names);
    this.lrs = Object.fromEntries(names.map((n) => [n, []]));
    this.lastMomentumValues = Object.fromEntries(names.map((n) => [`${n}-momentum`, null]));
    this.lastWeightDecayValues = Object.fromEntries(names.map((n) => [`${n}-weight_decay`, null]));
  }

  override onTrainBatchStart(trainer: LRMonitorTrainerView): void {
    if (trainer.shouldUpdateLogs === false) return;
    if (this.loggingInterval !== "epoch") {
      this.#log(trainer, this.loggingInterval === null ? "step" : "any");
    }
  }

  override onTrainEpochStart(trainer: LRMonitorTrainerView): void {
    if (this.loggingInterval !== "step") {
      this.#log(trainer, this.loggingInterval === null ? "epoch" : "any");
    }
  }

  #log(trainer: LRMonitorTrainerView, interval: "step" | "epoch" | "any"): void {
    const stats = this.extractStats(trainer, interval);
    if (Object.keys(stats).length === 0) return;
    const step = trainer.batchesThatStepped ?? trainer.globalStep;
    for (const logger of trainer.loggers) logger.logMetrics(stats, step);
  }

  /** The values to log now: scheduled optimizers whose interval matches, plus every unscheduled optimizer. */
  extractStats(trainer: LRMonitorTrainerView, interval: "step" | "epoch" | "any"): Record<string, number> {
    const stats: Record<string, number> = {};
    const named = this.#findNames(trainer);
    const scheduled = trainer.lrSchedulerConfigs.length;
    named.forEach((entry, i) => {
      for (const name of entry.names) if (!(name in this.lrs)) this.lrs[name] = [];
      if (i < scheduled) {
        const config = trainer.lrSchedulerConfigs[i]!;
        if (interval !== "any" && interval !== (config.interval ?? "epoch")) return;
      }
      Object.assign(stats, this.#optimizerStats(entry));
    });
    const metrics = trainer.callbackMetrics;
    if (metrics instanceof Map) {
      for (const [k, v] of Object.entries(stats)) (metrics as Map<string, number>).set(k, v);
    } else {
      Object.assign(metrics as Record<string, number>, stats);
    }
    return stats;
  }

  #optimizerStats({ optimizer, names }: Named): Record<string, number> {
    const stats: Record<string, number> = {};
    const useBetas = "betas" in (optimizer.defaults ?? {});
    optimizer.paramGroups.forEach((pg, i) => {
      const name = names[i]!;
      stats[name] = pg.lr;
      if (this.lrs[name] === undefined) this.lrs[name] = [];
      this.lrs[name].push(pg.lr);
      if (this.logMomentum) {
        const momentum = useBetas ? (pg.betas?.[0] ?? 0) : (pg.momentum ?? 0);
        this.lastMomentumValues[`${name}-momentum`] = momentum;
        stats[`${name}-momentum`] = momentum;
      }
      if (this.logWeightDecay) {
        const wd = pg.weight_decay ?? 0;
        this.lastWeightDecayValues[`${name}-weight_decay`] = wd;
        stats[`${name}-weight_decay`] = wd;
      }
    });
    return stats;
  }

  #allOptimizers(trainer: LRMonitorTrainerView): OptimizerView[] {
    const fromSchedulers = trainer.lrSchedulerConfigs.map((c) => schedulerOptimizer(c.scheduler));
    return [...fromSchedulers, ...(trainer.optimizers as OptimizerView[])];
  }

  // Scheduled optimizers first (named by their config or class), then the optimizers without a scheduler.
  #findNames(trainer: LRMonitorTrainerView): Named[] {
    const seen: OptimizerView[] = [];
    const typeCounts = new Map<string, number>();
    const out: Named[] = [];
    for (const config of trainer.lrSchedulerConfigs) {
      const optimizer = schedulerOptimizer(config.scheduler);
      const base = config.name ?? `lr-${className(optimizer)}`;
      out.push({ optimizer, names: nameGroups(optimizer, base, seen, typeCounts, config.name != null) });
    }
    for (const candidate of trainer.optimizers) {
      const inner = (candidate as { optimizer?: OptimizerView }).optimizer;
      const optimizer = (inner && "paramGroups" in inner ? inner : candidate) as OptimizerView;
      if (seen.includes(optimizer)) continue;
      out.push({
        optimizer,
        names: nameGroups(optimizer, `lr-${className(optimizer)}`, seen, typeCounts, false),
      });
    }
    return out;
  }
}

function schedulerOptimizer(scheduler: object): OptimizerView {
  const optimizer = (scheduler as { optimizer?: OptimizerView }).optimizer;
  if (optimizer === undefined || !Array.isArray(optimizer.paramGroups)) {
    throw new TypeError(
      `LearningRateMonitor: the scheduler ${scheduler.constructor.name} has no \`optimizer\``,
    );
  }
  return optimizer;
}

function className(optimizer: OptimizerView): string {
  return (optimizer as object).constructor.name;
}

function nameGroups(
  optimizer: OptimizerView,
  base: string,
  seen: OptimizerView[],
  typeCounts: Map<string, number>,
  hasConfigName: boolean,
): string[] {
  seen.push(optimizer);
  const cls = className(optimizer);
  if (!hasConfigName) typeCounts.set(cls, (typeCounts.get(cls) ?? 0) + 1);
  const groups = optimizer.paramGroups;
  const groupNames = groups.map((pg, i) => pg.name ?? `pg${i + 1}`);
  const duplicates = groupNames.filter((n, i) => groupNames.indexOf(n) !== i);
  if (duplicates.length > 0) {
    throw new MisconfigurationError(
      "A single `Optimizer` cannot have multiple parameter groups with identical `name` values. " +
        `${base} has duplicated parameter group names {${[...new Set(duplicates)].map((d) => `'${d}'`).join(", ")}}`,
    );
  }
  const count = typeCounts.get(cls);
  const name = count !== undefined && count > 1 ? `${base}-${count - 1}` : base;
  return groups.map((pg: ParamGroupView, i) => {
    if (groups.length > 1) return `${name}/${pg.name ?? `pg${i + 1}`}`;
    return pg.name ? `${name}/${pg.name}` : name;
  });
}
