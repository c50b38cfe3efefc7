/**
 * Python `_target_` names (lightning-hydra-template, Lightning, PyTorch) → Kiln target names, so the template's
 * Python YAML instantiates Kiln's classes unchanged. The Kiln names are registered by the layers that own the
 * classes (src/torch, src/lightning, src/models, src/data) when they are imported, or lazily; an alias may be
 * declared before its target exists, and resolving it before then says which Kiln name is missing.
 */
import { registerAlias } from "./registry.js";

/** Kiln's own `_target_` names for the classes the template instantiates. */
export const KILN_TARGETS = {
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
  MNISTLitModule: "kiln.models.MNISTLitModule",
  SimpleDenseNet: "kiln.models.components.SimpleDenseNet",
  MNISTDataModule: "kiln.data.MNISTDataModule",
  Compose: "kiln.transforms.Compose",
  RandomCrop: "kiln.transforms.RandomCrop",
  RandomHorizontalFlip: "kiln.transforms.RandomHorizontalFlip",
  RandomVerticalFlip: "kiln.transforms.RandomVerticalFlip",
  ToImage: "kiln.transforms.ToImage",
  ToDtype: "kiln.transforms.ToDtype",
  Normalize: "kiln.transforms.Normalize",
} as const;

const K = KILN_TARGETS;

/** The alias table: each Python name used by the lightning-hydra-template (and its common spellings) → Kiln name. */
export const TEMPLATE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  // configs/callbacks/*.yaml
  "lightning.pytorch.callbacks.ModelCheckpoint": K.ModelCheckpoint,
  "lightning.pytorch.callbacks.EarlyStopping": K.EarlyStopping,
  "lightning.pytorch.callbacks.ModelSummary": K.ModelSummary,
  "lightning.pytorch.callbacks.RichModelSummary": K.RichModelSummary,
  "lightning.pytorch.callbacks.RichProgressBar": K.RichProgressBar,
  "lightning.pytorch.callbacks.TQDMProgressBar": K.TQDMProgressBar,
  "lightning.pytorch.callbacks.LearningRateMonitor": K.LearningRateMonitor,
  "lightning.pytorch.callbacks.Timer": K.Timer,
  // Lightning's toolbox callbacks (issue 16), under both of Lightning's package names
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
  // configs/model/mnist.yaml
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
  "src.models.mnist_module.MNISTLitModule": K.MNISTLitModule,
  "src.models.components.simple_dense_net.SimpleDenseNet": K.SimpleDenseNet,
  // configs/data/mnist.yaml
  "src.data.mnist_datamodule.MNISTDataModule": K.MNISTDataModule,
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

/** Declare every alias of TEMPLATE_ALIASES (idempotent; the Kiln targets may be registered later). */
export function registerTemplateAliases(): void {
  for (const [alias, name] of Object.entries(TEMPLATE_ALIASES)) registerAlias(alias, name);
}
