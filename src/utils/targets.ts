/**
 * The template's `_target_` table: its MNIST datamodule, module and net under Kiln names and under the Python
 * names the lightning-hydra-template's YAML writes (src.models.mnist_module.MNISTLitModule, ...), next to the
 * framework's (src/targets.ts). The app registers them (the CLI, trainMain, evalMain), lazily: each entry
 * imports its module on first use, and importing this module registers nothing.
 */
import {
  CLASS,
  FRAMEWORK_ALIASES,
  FRAMEWORK_TARGET_TABLE,
  FRAMEWORK_TARGETS,
  type LazyTarget,
  pick,
  registerAliases,
  registerFrameworkTargets,
  registerLazyTargets,
} from "../lightning/targets.js";

/** Kiln's `_target_` names of the template's classes. */
export const TEMPLATE_TARGETS = {
  MNISTLitModule: "kiln.models.MNISTLitModule",
  SimpleDenseNet: "kiln.models.components.SimpleDenseNet",
  MNISTDataModule: "kiln.data.MNISTDataModule",
} as const;

/** Every Kiln `_target_` name the template's configs use: the framework's and the template's. */
export const KILN_TARGETS = { ...FRAMEWORK_TARGETS, ...TEMPLATE_TARGETS } as const;

/** The alias table: each Python name of the lightning-hydra-template's YAML → Kiln name. */
export const TEMPLATE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  ...FRAMEWORK_ALIASES,
  // configs/model/mnist.yaml
  "src.models.mnist_module.MNISTLitModule": TEMPLATE_TARGETS.MNISTLitModule,
  "src.models.components.simple_dense_net.SimpleDenseNet": TEMPLATE_TARGETS.SimpleDenseNet,
  // configs/data/mnist.yaml
  "src.data.mnist_datamodule.MNISTDataModule": TEMPLATE_TARGETS.MNISTDataModule,
});

const template = () => import("../template.js") as Promise<Record<string, unknown>>;

/** Every Kiln target of the template: name → [loader, calling convention]. */
export const TARGET_TABLE: Readonly<Record<string, LazyTarget>> = {
  ...FRAMEWORK_TARGET_TABLE,
  [TEMPLATE_TARGETS.MNISTLitModule]: [pick(template, "MNISTLitModule"), CLASS],
  [TEMPLATE_TARGETS.SimpleDenseNet]: [pick(template, "SimpleDenseNet"), CLASS],
  [TEMPLATE_TARGETS.MNISTDataModule]: [pick(template, "MNISTDataModule"), CLASS],
};

/** Declares every alias of TEMPLATE_ALIASES (idempotent; the Kiln targets may be registered later). */
export function registerTemplateAliases(): void {
  registerAliases(TEMPLATE_ALIASES);
}

/** Registers every Kiln target of the template and their Python aliases, lazily (idempotent; imports nothing). */
export function registerKilnTargets(): void {
  registerFrameworkTargets();
  registerLazyTargets(TARGET_TABLE);
  registerAliases(TEMPLATE_ALIASES);
}
