// Trainer flags: Lightning's keyword arguments (snake_case, as YAML configs write them), validated and
// normalised. Python distinguishes `1` (one batch) from `1.0` (all batches); JS numbers cannot, so an integral
// JS number counts as an int and a PyFloat (what the config engine produces for `1.0`) as a float.
import { pyRepr } from "../../common/pyrepr.js";
import { PyFloat } from "../../common/pyvalue.js";
import { OptionValueError } from "../../config/instantiate/check-options.js";
import type { Callback } from "../callbacks/callback.js";
import type { Logger } from "../loggers/logger.js";
import { type PrecisionFlag, unifyPrecision } from "./precision-flag.js";

export type { PrecisionFlag } from "./precision-flag.js";

/** A count or a fraction: `{int: n}` or `{fraction: f}`. */
export type Amount = { kind: "int"; value: number } | { kind: "fraction"; value: number };

/** Options of `new Trainer({...})` (Lightning 2.x names and defaults). */
export interface TrainerOptions {
  accelerator?: "cpu" | "gpu" | "cuda" | "auto" | string;
  devices?: number | string | number[] | "auto";
  strategy?: string;
  num_nodes?: number;
  precision?: string | number;
  logger?: boolean | Logger | Logger[] | null;
  callbacks?: Callback | Callback[] | null;
  fast_dev_run?: boolean | number;
  max_epochs?: number | null;
  min_epochs?: number | null;
  max_steps?: number;
  min_steps?: number | null;
  /** Stop after this long ("DD:HH:MM:SS", seconds, or {days, hours, minutes, seconds}): adds a Timer. */
  max_time?: string | number | Record<string, number> | null;
  limit_train_batches?: number | PyFloat | null;
  limit_val_batches?: number | PyFloat | null;
  limit_test_batches?: number | PyFloat | null;
  limit_predict_batches?: number | PyFloat | null;
  overfit_batches?: number | PyFloat;
  val_check_interval?: number | PyFloat | null;
  check_val_every_n_epoch?: number | null;
  num_sanity_val_steps?: number | null;
  log_every_n_steps?: number | null;
  enable_checkpointing?: boolean | null;
  enable_progress_bar?: boolean | null;
  enable_model_summary?: boolean | null;
  accumulate_grad_batches?: number;
  gradient_clip_val?: number | PyFloat | null;
  gradient_clip_algorithm?: "norm" | "value" | null;
  deterministic?: boolean | "warn" | null;
  benchmark?: boolean | null;
  inference_mode?: boolean;
  use_distributed_sampler?: boolean;
  profiler?: "simple" | null | false;
  detect_anomaly?: boolean;
  barebones?: boolean;
  plugins?: unknown;
  sync_batchnorm?: boolean;
  reload_dataloaders_every_n_epochs?: number;
  default_root_dir?: string | null;
  /** Kiln: intra-op threads for CPU work (libtorch's default, one per core, oversubscribes shared machines). */
  num_threads?: number | null;
}

/** The flags after validation, with Lightning's defaults applied. */
export interface ResolvedTrainerOptions {
  accelerator: string;
  devices: number | string | number[];
  precision: PrecisionFlag;
  fastDevRun: number | false;
  maxEpochs: number;
  minEpochs: number;
  maxSteps: number;
  minSteps: number | null;
  limitTrainBatches: Amount;
  limitValBatches: Amount;
  limitTestBatches: Amount;
  limitPredictBatches: Amount;
  overfitBatches: Amount;
  valCheckInterval: Amount;
  checkValEveryNEpoch: number | null;
  numSanityValSteps: number;
  logEveryNSteps: number;
  enableCheckpointing: boolean;
  enableProgressBar: boolean;
  enableModelSummary: boolean;
  accumulateGradBatches: number;
  gradientClipVal: number | null;
  gradientClipAlgorithm: "norm" | "value";
  /** As given: null leaves torch's setting alone, "warn" only warns on nondeterministic ops (Lightning). */
  deterministic: boolean | "warn" | null;
  profiler: "simple" | null;
  detectAnomaly: boolean;
  defaultRootDir: string;
  numThreads: number | null;
  inferenceMode: boolean;
  maxTime: string | number | Record<string, number> | null;
  /** torch.backends.cudnn.benchmark to set (null: leave it; false when deterministic and not given). */
  benchmark: boolean | null;
  /** Whether DDP gives each rank its share of the data through a DistributedSampler (Lightning's default). */
  useDistributedSampler: boolean;
  syncBatchnorm: boolean;
  /** Reload the train/val loaders every n epochs (0: load once per fit). */
  reloadDataloadersEveryNEpochs: number;
  barebones: boolean;
}

/** Every flag `new Trainer({...})` accepts (a test checks that each one has an effect). */
export const TRAINER_FLAGS: readonly (keyof TrainerOptions)[] = [

  "accelerator", "devices", "strategy", "num_nodes", "precision", "logger", "callbacks", "fast_dev_run",
  "max_epochs", "min_epochs", "max_steps", "min_steps", "max_time", "limit_train_batches", "limit_val_batches",
  "limit_test_batches", "limit_predict_batches", "overfit_batches", "val_check_interval",
  "check_val_every_n_epoch", "num_sanity_val_steps", "log_every_n_steps", "enable_checkpointing",
  "enable_progress_bar", "enable_model_summary", "accumulate_grad_batches", "gradient_clip_val",
  "gradient_clip_algorithm", "deterministic", "benchmark", "inference_mode", "use_distributed_sampler",
  "profiler", "detect_anomaly", "barebones", "plugins", "sync_batchnorm", "reload_dataloaders_every_n_epochs",
  "default_root_dir", "num_threads",
]; // biome-ignore format: a word list
const KNOWN_KEYS = new Set<string>(TRAINER_FLAGS);

/** Validates Trainer options and applies Lightning's defaults; errors name the flag and the fix. */
export function resolveTrainerOptions(options: TrainerOptions): ResolvedTrainerOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new TypeError(
        `Trainer.__init__() got an unexpected keyword argument '${key}'. Known flags: ${[...KNOWN_KEYS].join(", ")}`,
      );
    }
  }
  const num = (key: keyof TrainerOptions): number | undefined => {
    const v = options[key];
    if (v === undefined || v === null) return undefined;
    const n = v instanceof PyFloat ? v.value : v;
    if (typeof n !== "number" || Number.isNaN(n)) {
      const got = typeof v === "string" ? `the string '${v}'` : `${typeof v} ${String(v)}`;
      throw new OptionValueError(key, `Trainer(${key}=${String(v)}): expected a number, got ${got}`);
    }
    return n;
  };
  const nonNegInt = (key: keyof TrainerOptions, fallback: number, min = 0): number => {
    const n = num(key) ?? fallback;
    if (!Number.isInteger(n) || n < min) {
      throw new OptionValueError(key, `Trainer(${key}=${n}): must be an integer >= ${min}`);
    }
    return n;
  };

  let fastDevRun: number | false = false;
  const fdr = options.fast_dev_run ?? false;
  if (fdr === true) fastDevRun = 1;
  else if (typeof fdr === "number") {
    if (!Number.isInteger(fdr) || fdr < 0) {
      throw new RangeError(`fast_dev_run=${fdr} is not a valid configuration. It should be >= 0.`);
    }
    fastDevRun = fdr === 0 ? false : fdr;
  }

  const precision = unifyPrecision(options.precision);

  const maxSteps = num("max_steps") ?? -1;
  if (!Number.isInteger(maxSteps) || maxSteps < -1)
    throw new OptionValueError("max_steps", `Trainer(max_steps=${maxSteps}): must be -1 or >= 0`);
  let maxEpochs = num("max_epochs");
  // Lightning: 1000 epochs unless max_steps or max_time bounds the run.
  if (maxEpochs === undefined) maxEpochs = maxSteps === -1 && (options.max_time ?? null) === null ? 1000 : -1;
  if (!Number.isInteger(maxEpochs) || maxEpochs < -1) {
    throw new OptionValueError(
      "max_epochs",
      `Trainer(max_epochs=${maxEpochs}): must be -1 (no limit) or an integer >= 0`,
    );
  }
  const minSteps = num("min_steps") ?? null;
  let minEpochs = num("min_epochs");
  if (minEpochs === undefined) minEpochs = minSteps === null && maxEpochs !== 0 ? 1 : 0;

  const checkVal = options.check_val_every_n_epoch === undefined ? 1 : options.check_val_every_n_epoch;
  if (checkVal !== null && (!Number.isInteger(checkVal) || checkVal < 1)) {
    throw new RangeError(`\`check_val_every_n_epoch\` should be an integer >= 1 or null, got ${checkVal}.`);
  }
  const valCheckInterval = amount("val_check_interval", options.val_check_interval, true);
  if (valCheckInterval.kind === "fraction" && (valCheckInterval.value <= 0 || valCheckInterval.value > 1)) {
    throw new RangeError(
      `\`val_check_interval\` should be a fraction in (0.0, 1.0] or an int (batches), got ${valCheckInterval.value}.`,
    );
  }

  const clip = num("gradient_clip_val") ?? null;
  if (clip !== null && clip < 0) throw new RangeError(`Trainer(gradient_clip_val=${clip}): must be >= 0`);
  const algorithm = options.gradient_clip_algorithm ?? "norm";
  if (algorithm !== "norm" && algorithm !== "value") {
    throw new Error(
      `\`gradient_clip_algorithm\` ${JSON.stringify(algorithm)} is invalid. Allowed algorithms: "norm", "value".`,
    );
  }
  const profiler = options.profiler ?? null;
  if (profiler !== null && profiler !== false && profiler !== "simple") {
    throw new Error(`Trainer(profiler=${JSON.stringify(profiler)}): only "simple" (or null) is supported.`);
  }
  const numSanity = options.num_sanity_val_steps === undefined ? 2 : (options.num_sanity_val_steps ?? 2);
  if (!Number.isInteger(numSanity) || numSanity < -1) {
    throw new RangeError(
      `Trainer(num_sanity_val_steps=${numSanity}): must be -1 (all batches) or an integer >= 0`,
    );
  }

  const resolved: ResolvedTrainerOptions = {
    accelerator: String(options.accelerator ?? "auto"),
    devices: options.devices ?? "auto",
    precision,
    fastDevRun,
    maxEpochs,
    minEpochs,
    maxSteps,
    minSteps,
    limitTrainBatches: amount("limit_train_batches", options.limit_train_batches),
    limitValBatches: amount("limit_val_batches", options.limit_val_batches),
    limitTestBatches: amount("limit_test_batches", options.limit_test_batches),
    limitPredictBatches: amount("limit_predict_batches", options.limit_predict_batches),
    overfitBatches: amount("overfit_batches", options.overfit_batches ?? 0),
    valCheckInterval,
    checkValEveryNEpoch: checkVal,
    numSanityValSteps: numSanity === -1 ? Number.POSITIVE_INFINITY : numSanity,
    logEveryNSteps: nonNegInt("log_every_n_steps", 50, 0),
    enableCheckpointing: options.enable_checkpointing ?? true,
    enableProgressBar: options.enable_progress_bar ?? true,
    enableModelSummary: options.enable_model_summary ?? true,
    accumulateGradBatches: nonNegInt("accumulate_grad_batches", 1, 1),
    gradientClipVal: clip,
    gradientClipAlgorithm: algorithm,
    deterministic: options.deterministic ?? null,
    profiler: profiler === "simple" ? "simple" : null,
    detectAnomaly: options.detect_anomaly ?? false,
    defaultRootDir: options.default_root_dir ?? process.cwd(),
    numThreads: num("num_threads") ?? null,
    inferenceMode: options.inference_mode ?? true,
    maxTime: options.max_time ?? null,
    benchmark: bool("benchmark", options.benchmark ?? null, true),
    useDistributedSampler: bool("use_distributed_sampler", options.use_distributed_sampler ?? true),
    syncBatchnorm: bool("sync_batchnorm", options.sync_batchnorm ?? false),
    reloadDataloadersEveryNEpochs: reloadEvery(options.reload_dataloaders_every_n_epochs),
    barebones: bool("barebones", options.barebones ?? false),
  };
  if (resolved.barebones) applyBarebones(options, resolved);
  if (resolved.overfitBatches.value > 0) {
    resolved.limitTrainBatches = resolved.overfitBatches;
    resolved.limitValBatches = resolved.overfitBatches;
  }
  if (fastDevRun !== false) {
    // Lightning: n batches of each loop, one epoch, no sanity check, validation after the n train batches.
    const n: Amount = { kind: "int", value: fastDevRun };
    resolved.limitTrainBatches = n;
    resolved.limitValBatches = n;
    resolved.limitTestBatches = n;
    resolved.limitPredictBatches = n;
    resolved.maxSteps = fastDevRun;
    resolved.maxEpochs = 1;
    resolved.numSanityValSteps = 0;
    resolved.valCheckInterval = { kind: "fraction", value: 1 };
    resolved.checkValEveryNEpoch = 1;
  }
  return resolved;
}

/** A boolean flag (or null where `nullable`), else an error naming it. */
function bool<T extends boolean | null>(key: string, value: T, nullable = false): T {
  if (typeof value === "boolean" || (nullable && value === null)) return value;
  throw new OptionValueError(
    key,
    `Trainer(${key}=${String(value)}): expected true or false${nullable ? " (or null)" : ""}`,
  );
}

/** Lightning's check of reload_dataloaders_every_n_epochs (the data connector's). */
function reloadEvery(value: unknown): number {
  const n = value ?? 0;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new OptionValueError(
      "reload_dataloaders_every_n_epochs",
      `\`reload_dataloaders_every_n_epochs\` should be an int >= 0, got ${String(n)}.`,
    );
  }
  return n;
}

/**
 * Lightning's barebones mode: the features that cost speed are off, and asking for one of them is Lightning's
 * ValueError (the opt-outs given as true, the opt-ins given at all).
 */
function applyBarebones(given: TrainerOptions, resolved: ResolvedTrainerOptions): void {
  const refuse = (flag: string, value: unknown, why: string): never => {
    throw new OptionValueError(
      flag,
      `\`Trainer(barebones=True, ${flag}=${pyRepr(value)})\` was passed. ${why}`,
    );
  };
  const { enable_checkpointing, logger, enable_progress_bar, log_every_n_steps } = given;
  if (enable_checkpointing)
    refuse(
      "enable_checkpointing",
      true,
      "Checkpointing can impact raw speed so it is disabled in barebones mode.",
    );
  if (logger !== undefined && logger !== null && logger !== false)
    refuse("logger", logger, "Logging can impact raw speed so it is disabled in barebones mode.");
  if (enable_progress_bar)
    refuse(
      "enable_progress_bar",
      true,
      "The progress bar can impact raw speed so it is disabled in barebones mode.",
    );
  if (log_every_n_steps !== undefined && log_every_n_steps !== null && log_every_n_steps !== 0)
    refuse(
      "log_every_n_steps",
      log_every_n_steps,
      "Logging can impact raw speed so it is disabled in barebones mode.",
    );
  if (given.enable_model_summary)
    refuse(
      "enable_model_summary",
      true,
      "Model summary can impact raw speed so it is disabled in barebones mode.",
    );
  const sanity = given.num_sanity_val_steps;
  if (sanity !== undefined && sanity !== null && sanity !== 0)
    refuse(
      "num_sanity_val_steps",
      sanity,
      "Sanity checking can impact raw speed so it is disabled in barebones mode.",
    );
  const fdr = given.fast_dev_run;
  if (fdr !== undefined && fdr !== false && fdr !== 0)
    refuse(
      "fast_dev_run",
      fdr,
      "Development run is not meant for raw speed evaluation so it is disabled in barebones mode.",
    );
  if (given.detect_anomaly)
    refuse(
      "detect_anomaly",
      true,
      "Anomaly detection can impact raw speed so it is disabled in barebones mode.",
    );
  const profiler = given.profiler;
  if (profiler !== undefined && profiler !== null && profiler !== false)
    refuse("profiler", profiler, "Profiling can impact raw speed so it is disabled in barebones mode.");
  resolved.enableCheckpointing = false;
  resolved.enableProgressBar = false;
  resolved.enableModelSummary = false;
  resolved.logEveryNSteps = 0;
  resolved.numSanityValSteps = 0;
}

/** Reads a count-or-fraction flag; the default (undefined/null) is 1.0, i.e. all batches. */
function amount(key: string, value: number | PyFloat | null | undefined, allowLargeInt = false): Amount {
  if (value === undefined || value === null) return { kind: "fraction", value: 1 };
  const isFloat = value instanceof PyFloat || !Number.isInteger(value);
  const n = value instanceof PyFloat ? value.value : value;
  if (typeof n !== "number" || Number.isNaN(n) || n < 0) {
    throw new RangeError(`Trainer(${key}=${String(value)}): must be an int >= 0 or a float in [0.0, 1.0]`);
  }
  if (isFloat) {
    if (n > 1)
      throw new RangeError(`Trainer(${key}=${n}): a float must be in [0.0, 1.0] (an int counts batches)`);
    return { kind: "fraction", value: n };
  }
  void allowLargeInt;
  return { kind: "int", value: n };
}

/** The number of batches a limit allows out of `length` (Lightning's _parse_num_batches). */
export function limitBatches(stage: string, length: number, limit: Amount): number {
  if (limit.kind === "int") return Math.min(length, limit.value);
  if (!Number.isFinite(length)) {
    if (limit.value !== 1) {
      throw new Error(
        `When the \`${stage}_dataloader\` has no length, \`Trainer(limit_${stage}_batches)\` must be 1.0 or an int.`,
      );
    }
    return length;
  }
  const n = Math.floor(length * limit.value);
  if (n === 0 && limit.value > 0) {
    throw new Error(
      `You requested to check ${limit.value} of the \`${stage}_dataloader\` but ${limit.value} * ${length} < 1. ` +
        `Please increase the \`limit_${stage}_batches\` argument. Try at least \`limit_${stage}_batches=${1 / length}\``,
    );
  }
  return n;
}
