/**
 * ModelCheckpoint's options, read and checked as Lightning's __init__ does: defaults, the trigger rules
 * (every_n_epochs=1 when no trigger is given; the triggers are mutually exclusive) and its error messages.
 */
import { TimeDelta } from "./checkpoint-files.js";
import { boolOption, intOption, MisconfigurationError, readOptions, stringOption } from "./options.js";

/** ModelCheckpoint's options (Lightning's argument names). */
export interface ModelCheckpointOptions {
  dirpath?: string | null;
  filename?: string | null;
  monitor?: string | null;
  verbose?: boolean;
  save_last?: boolean | "link" | null;
  save_top_k?: number;
  save_on_exception?: boolean;
  save_weights_only?: boolean;
  mode?: "min" | "max";
  auto_insert_metric_name?: boolean;
  every_n_train_steps?: number | null;
  train_time_interval?: number | Record<string, number> | null;
  every_n_epochs?: number | null;
  save_on_train_epoch_end?: boolean | null;
  enable_version_counter?: boolean;
}

const OPTION_KEYS = [
  "dirpath",
  "filename",
  "monitor",
  "verbose",
  "save_last",
  "save_top_k",
  "save_on_exception",
  "save_weights_only",
  "mode",
  "auto_insert_metric_name",
  "every_n_train_steps",
  "train_time_interval",
  "every_n_epochs",
  "save_on_train_epoch_end",
  "enable_version_counter",
] as const;

/** The options with defaults applied (camelCase). */
export interface ResolvedCheckpointOptions {
  dirpath: string | null;
  filename: string | null;
  monitor: string | null;
  verbose: boolean;
  saveLast: boolean | "link" | null;
  saveTopK: number;
  saveOnException: boolean;
  saveWeightsOnly: boolean;
  mode: "min" | "max";
  autoInsertMetricName: boolean;
  everyNTrainSteps: number;
  everyNEpochs: number;
  trainTimeInterval: TimeDelta | null;
  saveOnTrainEpochEnd: boolean | null;
  enableVersionCounter: boolean;
}

/** Reads ModelCheckpoint's options, raising Lightning's MisconfigurationException for invalid combinations. */
export function resolveCheckpointOptions(options: ModelCheckpointOptions): ResolvedCheckpointOptions {
  const name = "ModelCheckpoint";
  const o = readOptions(name, options, OPTION_KEYS);
  const saveLast = o.save_last ?? null;
  if (saveLast !== null && typeof saveLast !== "boolean" && saveLast !== "link") {
    throw new TypeError(`${name}: save_last must be true, false, "link" or null, got ${String(saveLast)}`);
  }
  const mode = stringOption(name, o, "mode", "min");
  if (mode !== "min" && mode !== "max")
    throw new MisconfigurationError(`\`mode\` can be min, max but got ${mode}`);
  let everyNTrainSteps = intOption(name, o, "every_n_train_steps", null);
  let everyNEpochs = intOption(name, o, "every_n_epochs", null);
  const interval = o.train_time_interval ?? null;
  const trainTimeInterval =
    interval === null ? null : TimeDelta.from(interval, `${name}: train_time_interval`);
  if (everyNTrainSteps === null && everyNEpochs === null && trainTimeInterval === null) {
    everyNEpochs = 1;
    everyNTrainSteps = 0;
  }
  const onEpochEnd = o.save_on_train_epoch_end;
  const resolved: ResolvedCheckpointOptions = {
    dirpath: stringOption(name, o, "dirpath", null) || null,
    filename: stringOption(name, o, "filename", null),
    monitor: stringOption(name, o, "monitor", null),
    verbose: boolOption(name, o, "verbose", false),
    saveLast: saveLast as boolean | "link" | null,
    saveTopK: intOption(name, o, "save_top_k", 1)!,
    saveOnException: boolOption(name, o, "save_on_exception", false),
    saveWeightsOnly: boolOption(name, o, "save_weights_only", false),
    mode,
    autoInsertMetricName: boolOption(name, o, "auto_insert_metric_name", true),
    everyNTrainSteps: everyNTrainSteps ?? 0,
    everyNEpochs: everyNEpochs ?? 0,
    trainTimeInterval,
    saveOnTrainEpochEnd: onEpochEnd === undefined || onEpochEnd === null ? null : Boolean(onEpochEnd),
    enableVersionCounter: boolOption(name, o, "enable_version_counter", true),
  };
  validate(resolved);
  return resolved;
}

function validate(o: ResolvedCheckpointOptions): void {
  if (o.saveTopK < -1)
    throw new MisconfigurationError(`Invalid value for save_top_k=${o.saveTopK}. Must be >= -1`);
  if (o.everyNTrainSteps < 0) {
    throw new MisconfigurationError(
      `Invalid value for every_n_train_steps=${o.everyNTrainSteps}. Must be >= 0`,
    );
  }
  if (o.everyNEpochs < 0) {
    throw new MisconfigurationError(`Invalid value for every_n_epochs=${o.everyNEpochs}. Must be >= 0`);
  }
  const triggers =
    Number(o.everyNTrainSteps >= 1) + Number(o.everyNEpochs >= 1) + Number(o.trainTimeInterval !== null);
  if (triggers > 1) {
    throw new MisconfigurationError(
      `Combination of parameters every_n_train_steps=${o.everyNTrainSteps}, every_n_epochs=${o.everyNEpochs} ` +
        `and train_time_interval=${o.trainTimeInterval ?? "None"} should be mutually exclusive.`,
    );
  }
  if (o.monitor === null && ![-1, 0, 1].includes(o.saveTopK)) {
    throw new MisconfigurationError(
      `ModelCheckpoint(save_top_k=${o.saveTopK}, monitor=None) is not a valid configuration. ` +
        "No quantity for top_k to track.",
    );
  }
}
