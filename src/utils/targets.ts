/**
 * The lazy `_target_` table of the template: every Kiln class a config may instantiate, registered with a
 * loader that imports its module on first use. Registering costs no import, so composing a config (and
 * `--help`, `--cfg`, `--info`) never loads torch or the addon (DESIGN.md §2); the Python names of the
 * lightning-hydra-template resolve to these through the config layer's alias table (TEMPLATE_ALIASES).
 */
import { KILN_TARGETS, type RegisterOptions, registerLazyTarget } from "../config/index.js";

type Loader = () => Promise<unknown>;

/** A loader that imports `load()`'s module and picks the export `name` from it. */
function pick(load: () => Promise<Record<string, unknown>>, name: string): Loader {
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
const CLASS: RegisterOptions = { kind: "class" };

const optim = () => import("../torch/optim/index.js") as Promise<Record<string, unknown>>;
const schedulers = () => import("../torch/optim/lr_scheduler/index.js") as Promise<Record<string, unknown>>;
const callbacks = () => import("../lightning/callbacks/index.js") as Promise<Record<string, unknown>>;
const transforms = () => import("../torch/transforms/index.js") as Promise<Record<string, unknown>>;
const loggers = () => import("../lightning/loggers/index.js") as Promise<Record<string, unknown>>;

/** Every Kiln target of the template: name → [loader, calling convention]. */
export const TARGET_TABLE: Readonly<Record<string, [Loader, RegisterOptions]>> = {
  [KILN_TARGETS.Trainer]: [pick(() => import("../lightning/trainer/trainer.js"), "Trainer"), CLASS],
  [KILN_TARGETS.ModelCheckpoint]: [
    pick(() => import("../lightning/callbacks/model-checkpoint.js"), "ModelCheckpoint"),
    CLASS,
  ],
  [KILN_TARGETS.EarlyStopping]: [
    pick(() => import("../lightning/callbacks/early-stopping.js"), "EarlyStopping"),
    CLASS,
  ],
  [KILN_TARGETS.ModelSummary]: [
    pick(() => import("../lightning/callbacks/model-summary.js"), "ModelSummary"),
    CLASS,
  ],
  [KILN_TARGETS.RichModelSummary]: [
    pick(() => import("../lightning/callbacks/model-summary.js"), "RichModelSummary"),
    CLASS,
  ],
  [KILN_TARGETS.RichProgressBar]: [
    pick(() => import("../lightning/callbacks/progress-bar.js"), "RichProgressBar"),
    CLASS,
  ],
  [KILN_TARGETS.TQDMProgressBar]: [
    pick(() => import("../lightning/callbacks/progress-bar.js"), "TQDMProgressBar"),
    CLASS,
  ],
  [KILN_TARGETS.LearningRateMonitor]: [
    pick(() => import("../lightning/callbacks/lr-monitor.js"), "LearningRateMonitor"),
    CLASS,
  ],
  [KILN_TARGETS.Timer]: [pick(() => import("../lightning/callbacks/timer.js"), "Timer"), CLASS],
  [KILN_TARGETS.DeviceStatsMonitor]: [pick(callbacks, "DeviceStatsMonitor"), CLASS],
  [KILN_TARGETS.GradientAccumulationScheduler]: [pick(callbacks, "GradientAccumulationScheduler"), CLASS],
  [KILN_TARGETS.LearningRateFinder]: [pick(callbacks, "LearningRateFinder"), CLASS],
  [KILN_TARGETS.BackboneFinetuning]: [pick(callbacks, "BackboneFinetuning"), CLASS],
  [KILN_TARGETS.StochasticWeightAveraging]: [pick(callbacks, "StochasticWeightAveraging"), CLASS],
  [KILN_TARGETS.BatchSizeFinder]: [pick(callbacks, "BatchSizeFinder"), CLASS],
  [KILN_TARGETS.CSVLogger]: [pick(loggers, "CSVLogger"), CLASS],
  [KILN_TARGETS.TensorBoardLogger]: [pick(loggers, "TensorBoardLogger"), CLASS],
  [KILN_TARGETS.MLFlowLogger]: [pick(loggers, "MLFlowLogger"), CLASS],
  [KILN_TARGETS.SGD]: [pick(optim, "SGD"), OPTIMIZER],
  [KILN_TARGETS.Adam]: [pick(optim, "Adam"), OPTIMIZER],
  [KILN_TARGETS.AdamW]: [pick(optim, "AdamW"), OPTIMIZER],
  [KILN_TARGETS.RMSprop]: [pick(optim, "RMSprop"), OPTIMIZER],
  [KILN_TARGETS.Adagrad]: [pick(optim, "Adagrad"), OPTIMIZER],
  [KILN_TARGETS.StepLR]: [pick(schedulers, "StepLR"), SCHEDULER],
  [KILN_TARGETS.MultiStepLR]: [pick(schedulers, "MultiStepLR"), SCHEDULER],
  [KILN_TARGETS.ExponentialLR]: [pick(schedulers, "ExponentialLR"), SCHEDULER],
  [KILN_TARGETS.CosineAnnealingLR]: [pick(schedulers, "CosineAnnealingLR"), SCHEDULER],
  [KILN_TARGETS.LinearLR]: [pick(schedulers, "LinearLR"), SCHEDULER],
  [KILN_TARGETS.OneCycleLR]: [pick(schedulers, "OneCycleLR"), SCHEDULER],
  [KILN_TARGETS.ReduceLROnPlateau]: [pick(schedulers, "ReduceLROnPlateau"), SCHEDULER],
  [KILN_TARGETS.MNISTLitModule]: [pick(() => import("../models/mnist-module.js"), "MNISTLitModule"), CLASS],
  [KILN_TARGETS.SimpleDenseNet]: [
    pick(() => import("../models/components/simple-dense-net.js"), "SimpleDenseNet"),
    CLASS,
  ],
  [KILN_TARGETS.MNISTDataModule]: [
    pick(() => import("../data/mnist-datamodule.js"), "MNISTDataModule"),
    CLASS,
  ],
  // torchvision's positional parameters, so that `_args_` and keyword spellings both work
  [KILN_TARGETS.Compose]: [pick(transforms, "Compose"), { kind: "class", positional: ["transforms"] }],
  [KILN_TARGETS.RandomCrop]: [pick(transforms, "RandomCrop"), { kind: "class", positional: ["size"] }],
  [KILN_TARGETS.RandomHorizontalFlip]: [pick(transforms, "RandomHorizontalFlip"), CLASS],
  [KILN_TARGETS.RandomVerticalFlip]: [pick(transforms, "RandomVerticalFlip"), CLASS],
  [KILN_TARGETS.ToImage]: [pick(transforms, "ToImage"), { kind: "class", options: false }],
  [KILN_TARGETS.ToDtype]: [pick(transforms, "ToDtype"), { kind: "class", positional: ["dtype"] }],
  [KILN_TARGETS.Normalize]: [pick(transforms, "Normalize"), { kind: "class", positional: ["mean", "std"] }],
};

let registered = false;

/** Registers every Kiln target of the template lazily (idempotent); imports nothing. */
export function registerKilnTargets(): void {
  if (registered) return;
  registered = true;
  for (const [name, [loader, opts]] of Object.entries(TARGET_TABLE)) registerLazyTarget(name, loader, opts);
}
