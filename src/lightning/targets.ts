/**
 * Kiln's own `_target_` names (the framework's classes a config may instantiate) and the Python names of
 * Lightning and PyTorch that map to them, registered lazily: each entry imports its module on first use, so
 * composing a config (and `--help`, `--cfg`, `--info`) never loads torch or the addon (docs/ARCHITECTURE.md,
 * "Layers"). Nothing is registered on import: the CLI and the template's tasks call registerFrameworkTargets(),
 * and instantiate() here (what `kiln` exports, and what loadFromCheckpoint uses) calls it on first use.
 */
import {
  instantiate as configInstantiate,
  instantiateSync as configInstantiateSync,
  type InstantiateOverrides,
  listTargets,
  type RegisterOptions,
  registerAlias,
  registerLazyTarget,
} from "../config/index.js";

/** Kiln's `_target_` names of the framework's classes. */
export const FRAMEWORK_TARGETS = {
  ModelCheckpoint: "kiln.callbacks.ModelCheckpoint",
  EarlyStopping: "kiln.callbacks.EarlyStopping",
  ModelSummary: "kiln.callbacks.ModelSummary",
  RichModelSummary: "kiln.callbacks.RichModelSummary",
  RichProgressBar: "kiln.callbacks.RichProgressBar",
  TQDMProgressBar: "kiln.callbacks.TQDMProgressBar",
  LearningRateMonitor: "kiln.callbacks.LearningRateMonitor",
  Timer: "kiln.callbacks.Timer",
  DeviceStatsMonitor: "kiln.callbacks.DeviceStatsMonitor",
  GradientAccumulationScheduler: "kiln.callbacks.GradientAccumulationScheduler",
  LearningRateFinder: "kiln.callbacks.LearningRateFinder",
  BackboneFinetuning: "kiln.callbacks.BackboneFinetuning",
  StochasticWeightAveraging: "kiln.callbacks.StochasticWeightAveraging",
  BatchSizeFinder: "kiln.callbacks.BatchSizeFinder",
  Trainer: "kiln.Trainer",
  CSVLogger: "kiln.loggers.CSVLogger",
  TensorBoardLogger: "kiln.loggers.TensorBoardLogger",
  MLFlowLogger: "kiln.loggers.MLFlowLogger",
  SGD: "kiln.torch.optim.SGD",
  Adam: "kiln.torch.optim.Adam",
  AdamW: "kiln.torch.optim.AdamW",
  RMSprop: "kiln.torch.optim.RMSprop",
  Adagrad: "kiln.torch.optim.Adagrad",
  StepLR: "kiln.torch.optim.lr_scheduler.StepLR",
  MultiStepLR: "kiln.torch.optim.lr_scheduler.MultiStepLR",
  ExponentialLR: "kiln.torch.optim.lr_scheduler.ExponentialLR",
  CosineAnnealingLR: "kiln.torch.optim.lr_scheduler.CosineAnnealingLR",
  LinearLR: "kiln.torch.optim.lr_scheduler.LinearLR",
  OneCycleLR: "kiln.torch.optim.lr_scheduler.OneCycleLR",
  ReduceLROnPlateau: "kiln.torch.optim.lr_scheduler.ReduceLROnPlateau",
  Compose: "kiln.transforms.Compose",
  RandomCrop: "kiln.transforms.RandomCrop",
  RandomHorizontalFlip: "kiln.transforms.RandomHorizontalFlip",
  RandomVerticalFlip: "kiln.transforms.RandomVerticalFlip",
  ToImage: "kiln.transforms.ToImage",
  ToDtype: "kiln.transforms.ToDtype",
  Normalize: "kiln.transforms.Normalize",
} as const;

const K = FRAMEWORK_TARGETS;

/** Python names of Lightning's and PyTorch's classes (as the template's YAML writes them) → Kiln names. */
export const FRAMEWORK_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  // configs/callbacks/*.yaml
  "lightning.pytorch.callbacks.ModelCheckpoint": K.ModelCheckpoint,
  "lightning.pytorch.callbacks.EarlyStopping": K.EarlyStopping,
  "lightning.pytorch.callbacks.ModelSummary": K.ModelSummary,
  "lightning.pytorch.callbacks.RichModelSummary": K.RichModelSummary,
  "lightning.pytorch.callbacks.RichProgressBar": K.RichProgressBar,
  "lightning.pytorch.callbacks.TQDMProgressBar": K.TQDMProgressBar,
  "lightning.pytorch.callbacks.LearningRateMonitor": K.LearningRateMonitor,
  "lightning.pytorch.callbacks.Timer": K.Timer,
  // Lightning's toolbox callbacks, under both of Lightning's package names
  ...pythonNames(["lightning.pytorch.callbacks", "pytorch_lightning.callbacks"], {
    DeviceStatsMonitor: K.DeviceStatsMonitor,
    GradientAccumulationScheduler: K.GradientAccumulationScheduler,
    LearningRateFinder: K.LearningRateFinder,
    BackboneFinetuning: K.BackboneFinetuning,
    StochasticWeightAveraging: K.StochasticWeightAveraging,
    BatchSizeFinder: K.BatchSizeFinder,
  }),
  // configs/trainer/*.yaml
  "lightning.pytorch.trainer.Trainer": K.Trainer,
  "lightning.pytorch.Trainer": K.Trainer,
  // configs/logger/*.yaml
  "lightning.pytorch.loggers.csv_logs.CSVLogger": K.CSVLogger,
  "lightning.pytorch.loggers.CSVLogger": K.CSVLogger,
  "lightning.pytorch.loggers.tensorboard.TensorBoardLogger": K.TensorBoardLogger,
  "lightning.pytorch.loggers.TensorBoardLogger": K.TensorBoardLogger,
  "lightning.pytorch.loggers.mlflow.MLFlowLogger": K.MLFlowLogger,
  "lightning.pytorch.loggers.MLFlowLogger": K.MLFlowLogger,
  // configs/model/*.yaml: the optimizer and scheduler of a module
  "torch.optim.SGD": K.SGD,
  "torch.optim.Adam": K.Adam,
  "torch.optim.AdamW": K.AdamW,
  "torch.optim.RMSprop": K.RMSprop,
  "torch.optim.Adagrad": K.Adagrad,
  "torch.optim.lr_scheduler.StepLR": K.StepLR,
  "torch.optim.lr_scheduler.MultiStepLR": K.MultiStepLR,
  "torch.optim.lr_scheduler.ExponentialLR": K.ExponentialLR,
  "torch.optim.lr_scheduler.CosineAnnealingLR": K.CosineAnnealingLR,
  "torch.optim.lr_scheduler.LinearLR": K.LinearLR,
  "torch.optim.lr_scheduler.OneCycleLR": K.OneCycleLR,
  "torch.optim.lr_scheduler.ReduceLROnPlateau": K.ReduceLROnPlateau,
  // torchvision.transforms.v2 (a dataset's `transform` from a config list)
  ...pythonNames(["torchvision.transforms.v2", "torchvision.transforms"], {
    Compose: K.Compose,
    RandomCrop: K.RandomCrop,
    RandomHorizontalFlip: K.RandomHorizontalFlip,
    RandomVerticalFlip: K.RandomVerticalFlip,
    Normalize: K.Normalize,
  }),
  "torchvision.transforms.v2.ToImage": K.ToImage,
  "torchvision.transforms.v2.ToDtype": K.ToDtype,
});

/** `{ "<module>.<Name>": target }` for each module spelling of each name. */
function pythonNames(modules: readonly string[], names: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const module of modules)
    for (const [name, target] of Object.entries(names)) out[`${module}.${name}`] = target;
  return out;
}

/** A lazy target: a loader that imports the module holding the value, and its calling convention. */
export type LazyTarget = readonly [load: () => Promise<unknown>, options: RegisterOptions];

/** A loader that imports `load()`'s module and picks the export `name` from it. */
export function pick(load: () => Promise<Record<string, unknown>>, name: string): () => Promise<unknown> {
  return async () => {
    const mod = await load();
    if (!(name in mod)) throw new Error(`module has no export '${name}'`);
    return mod[name];
  };
}

// Optimizers take `params` first and schedulers `optimizer` first: `_partial_` factories are then called
// as `factory({ params })` / `factory({ optimizer })`, the way the template's module calls them.
const OPTIMIZER: RegisterOptions = { kind: "class", positional: ["params"] };
const SCHEDULER: RegisterOptions = { kind: "class", positional: ["optimizer"] };
/** A class called with its config as one options object. */
export const CLASS: RegisterOptions = { kind: "class" };

type Module = Promise<Record<string, unknown>>;
const optim = () => import("../torch/optim/index.js") as Module;
const schedulers = () => import("../torch/optim/lr-scheduler/index.js") as Module;
const loggers = () => import("./loggers/index.js") as Module;
const callbacks = () => import("./callbacks/index.js") as Module;
const transforms = () => import("../torch/transforms/index.js") as Module;
const modelCheckpoint = () => import("./callbacks/model-checkpoint.js") as Module;
const earlyStopping = () => import("./callbacks/early-stopping.js") as Module;
const modelSummary = () => import("./callbacks/model-summary.js") as Module;
const progressBar = () => import("./callbacks/progress-bar.js") as Module;
const lrMonitor = () => import("./callbacks/lr-monitor.js") as Module;
const timer = () => import("./callbacks/timer.js") as Module;

/** Every framework target: name → [loader, calling convention]. */
export const FRAMEWORK_TARGET_TABLE: Readonly<Record<string, LazyTarget>> = {
  [K.Trainer]: [pick(() => import("./trainer/trainer.js") as Module, "Trainer"), CLASS],
  [K.ModelCheckpoint]: [pick(modelCheckpoint, "ModelCheckpoint"), CLASS],
  [K.EarlyStopping]: [pick(earlyStopping, "EarlyStopping"), CLASS],
  [K.ModelSummary]: [pick(modelSummary, "ModelSummary"), CLASS],
  [K.RichModelSummary]: [pick(modelSummary, "RichModelSummary"), CLASS],
  [K.RichProgressBar]: [pick(progressBar, "RichProgressBar"), CLASS],
  [K.TQDMProgressBar]: [pick(progressBar, "TQDMProgressBar"), CLASS],
  [K.LearningRateMonitor]: [pick(lrMonitor, "LearningRateMonitor"), CLASS],
  [K.Timer]: [pick(timer, "Timer"), CLASS],
  [K.DeviceStatsMonitor]: [pick(callbacks, "DeviceStatsMonitor"), CLASS],
  [K.GradientAccumulationScheduler]: [pick(callbacks, "GradientAccumulationScheduler"), CLASS],
  [K.LearningRateFinder]: [pick(callbacks, "LearningRateFinder"), CLASS],
  [K.BackboneFinetuning]: [pick(callbacks, "BackboneFinetuning"), CLASS],
  [K.StochasticWeightAveraging]: [pick(callbacks, "StochasticWeightAveraging"), CLASS],
  [K.BatchSizeFinder]: [pick(callbacks, "BatchSizeFinder"), CLASS],
  [K.CSVLogger]: [pick(loggers, "CSVLogger"), CLASS],
  [K.TensorBoardLogger]: [pick(loggers, "TensorBoardLogger"), CLASS],
  [K.MLFlowLogger]: [pick(loggers, "MLFlowLogger"), CLASS],
  [K.SGD]: [pick(optim, "SGD"), OPTIMIZER],
  [K.Adam]: [pick(optim, "Adam"), OPTIMIZER],
  [K.AdamW]: [pick(optim, "AdamW"), OPTIMIZER],
  [K.RMSprop]: [pick(optim, "RMSprop"), OPTIMIZER],
  [K.Adagrad]: [pick(optim, "Adagrad"), OPTIMIZER],
  [K.StepLR]: [pick(schedulers, "StepLR"), SCHEDULER],
  [K.MultiStepLR]: [pick(schedulers, "MultiStepLR"), SCHEDULER],
  [K.ExponentialLR]: [pick(schedulers, "ExponentialLR"), SCHEDULER],
  [K.CosineAnnealingLR]: [pick(schedulers, "CosineAnnealingLR"), SCHEDULER],
  [K.LinearLR]: [pick(schedulers, "LinearLR"), SCHEDULER],
  [K.OneCycleLR]: [pick(schedulers, "OneCycleLR"), SCHEDULER],
  [K.ReduceLROnPlateau]: [pick(schedulers, "ReduceLROnPlateau"), SCHEDULER],
  // torchvision's positional parameters, so that `_args_` and keyword spellings both work
  [K.Compose]: [pick(transforms, "Compose"), { kind: "class", positional: ["transforms"] }],
  [K.RandomCrop]: [pick(transforms, "RandomCrop"), { kind: "class", positional: ["size"] }],
  [K.RandomHorizontalFlip]: [pick(transforms, "RandomHorizontalFlip"), CLASS],
  [K.RandomVerticalFlip]: [pick(transforms, "RandomVerticalFlip"), CLASS],
  [K.ToImage]: [pick(transforms, "ToImage"), { kind: "class", options: false }],
  [K.ToDtype]: [pick(transforms, "ToDtype"), { kind: "class", positional: ["dtype"] }],
  [K.Normalize]: [pick(transforms, "Normalize"), { kind: "class", positional: ["mean", "std"] }],
};

/** Registers each lazy target of `table` (a name registered already is left as it is). */
export function registerLazyTargets(table: Readonly<Record<string, LazyTarget>>): void {
  const known = new Set(listTargets().map((t) => t.name));
  for (const [name, [loader, opts]] of Object.entries(table)) {
    if (!known.has(name)) registerLazyTarget(name, loader, opts);
  }
}

/** Declares each alias of `aliases` (declaring one again is a no-op). */
export function registerAliases(aliases: Readonly<Record<string, string>>): void {
  for (const [alias, name] of Object.entries(aliases)) registerAlias(alias, name);
}

let registered = false;

/** Registers the framework's targets and their Lightning/PyTorch aliases, lazily (idempotent; imports nothing). */
export function registerFrameworkTargets(): void {
  if (registered) return;
  registered = true;
  registerLazyTargets(FRAMEWORK_TARGET_TABLE);
  registerAliases(FRAMEWORK_ALIASES);
}

/** Hydra's instantiate, with Kiln's classes (and their Python names) registered on first use. */
export function instantiate<T = unknown>(config: unknown, overrides?: InstantiateOverrides): Promise<T> {
  registerFrameworkTargets();
  return configInstantiate<T>(config, overrides);
}

/** instantiate() for synchronous targets, with Kiln's classes registered on first use. */
export function instantiateSync<T = unknown>(config: unknown, overrides?: InstantiateOverrides): T {
  registerFrameworkTargets();
  return configInstantiateSync<T>(config, overrides);
}
