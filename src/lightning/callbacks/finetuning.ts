// Lightning's BaseFinetuning and BackboneFinetuning: freeze modules before training, then unfreeze them during
// fit and give their parameters to the running optimizer as a new param group (whose lr the callback then
// drives); the param groups added are saved in the callback's state, so a resumed fit rebuilds them.

import { Module } from "../../torch/nn/module.js";
import { BatchNorm } from "../../torch/nn/normalization.js";
import type { Tensor } from "../../torch/tensor.js";
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";
import type { OptimizerLike } from "../trainer/types.js";
import { Callback, type Stage } from "./callback.js";
import { emitInfo, emitWarning } from "./messages.js";
import { MisconfigurationError } from "./options.js";

/** A module, or (nested) lists of modules. */
export type Modules = Module | readonly Modules[];

type Group = Record<string, unknown> & { params: unknown[] };
interface GrowableOptimizer extends OptimizerLike {
  addParamGroup(group: { params: Tensor[]; lr: number }): void;
}

/** Base of fine-tuning callbacks: implement freezeBeforeTraining and finetuneFunction. */
export abstract class BaseFinetuning extends Callback {
  /** Per optimizer index, its param groups with parameter names instead of tensors (Lightning's state). */
  internalOptimizerMetadata: Record<number, Group[]> = {};
  protected restarting = false;

  /** The leaf modules (and parents with parameters of their own) of `modules`. */
  static flattenModules(modules: Modules): Module[] {
    if (Array.isArray(modules)) return modules.flatMap((m) => BaseFinetuning.flattenModules(m));
    return (modules as Module)
      .modules()
      .filter((m) => m.children().length === 0 || m.localParameters().some(([, p]) => p !== null));
  }

  /** The parameters of `modules` whose requiresGrad is `requiresGrad`, BatchNorm's left out unless trainBn. */
  static filterParams(modules: Modules, trainBn = true, requiresGrad = true): Tensor[] {
    const out: Tensor[] = [];
    for (const m of BaseFinetuning.flattenModules(modules)) {
      if (m instanceof BatchNorm && !trainBn) continue;
      for (const [, p] of m.localParameters()) if (p !== null && p.requiresGrad === requiresGrad) out.push(p);
    }
    return out;
  }

  /** Unfreezes `modules`: every parameter trainable, BatchNorm tracking running statistics again. */
  static makeTrainable(modules: Modules): void {
    for (const m of BaseFinetuning.flattenModules(modules)) {
      if (m instanceof BatchNorm) m.trackRunningStats = true;
      for (const [, p] of m.localParameters()) if (p !== null) p.requiresGrad = true;
    }
  }

  /** Freezes one module's own parameters (and stops a BatchNorm's running statistics). */
  static freezeModule(module: Module): void {
    if (module instanceof BatchNorm) module.trackRunningStats = false;
    for (const [, p] of module.localParameters()) if (p !== null) p.requiresGrad = false;
  }

  /** Freezes `modules`; with trainBn, BatchNorm layers stay trainable. */
  static freeze(modules: Modules, trainBn = true): void {
    for (const m of BaseFinetuning.flattenModules(modules)) {
      if (m instanceof BatchNorm && trainBn) BaseFinetuning.makeTrainable(m);
      else BaseFinetuning.freezeModule(m);
    }
  }

  /** The parameters not already in one of `optimizer`'s groups (warns about the others, as Lightning). */
  static filterOnOptimizer(optimizer: OptimizerLike, params: Tensor[]): Tensor[] {
    const taken = new Set(optimizer.paramGroups.flatMap((g) => g.params ?? []));
    const out = params.filter((p) => !taken.has(p));
    if (out.length < params.length) {
      emitWarning(
        "The provided params to be frozen already exist within another group of this optimizer. Those parameters " +
          "will be skipped.\nHINT: Did you init your optimizer in `configure_optimizer` as such:\n " +
          `${optimizer.constructor.name}(filter(lambda p: p.requires_grad, self.parameters()), ...) `,
      );
    }
    return out;
  }

  /**
   * Unfreezes `modules` and adds their trainable parameters to `optimizer` as a new param group, with `lr`, or
   * the first group's lr divided by initialDenomLr.
   */
  static unfreezeAndAddParamGroup(
    modules: Modules,
    optimizer: OptimizerLike,
    lr: number | null = null,
    initialDenomLr = 10.0,
    trainBn = true,
  ): void {
    BaseFinetuning.makeTrainable(modules);
    const paramsLr = lr === null ? optimizer.paramGroups[0]!.lr : lr;
    const denom = lr === null ? initialDenomLr : 1.0;
    const params = BaseFinetuning.filterOnOptimizer(
      optimizer,
      BaseFinetuning.filterParams(modules, trainBn, true),
    );
    if (params.length === 0) return;
    const growable = optimizer as Partial<GrowableOptimizer>;
    if (typeof growable.addParamGroup !== "function") {
      throw new TypeError(`${optimizer.constructor.name} cannot add param groups (it has no addParamGroup)`);
    }
    growable.addParamGroup({ params, lr: paramsLr / denom });
  }

  /** Freezes what must not train at first; called at setup. */
  abstract freezeBeforeTraining(module: LightningModule): void;
  /** Unfreezes and adjusts at the start of each training epoch. */
  abstract finetuneFunction(module: LightningModule, epoch: number, optimizer: OptimizerLike): void;

  override stateDict(): Record<string, unknown> {
    return { internal_optimizer_metadata: this.internalOptimizerMetadata };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    this.restarting = true;
    const meta = (state.internal_optimizer_metadata ?? state) as Record<number, Group[]>;
    this.internalOptimizerMetadata = meta instanceof Map ? Object.fromEntries(meta) : meta;
  }

  override setup(_trainer: Trainer, module: LightningModule, _stage: Stage): void {
    this.freezeBeforeTraining(module);
  }

  // A resumed fit: the optimizers get back the param groups added before the checkpoint.
  override onFitStart(trainer: Trainer, module: LightningModule): void {
    if (!this.restarting) return;
    const named = new Map(module.namedParameters());
    trainer.optimizers.forEach((optimizer, i) => {
      const groups = this.internalOptimizerMetadata[i];
      if (!groups) return;
      const live = optimizer.paramGroups as unknown as Group[];
      groups.forEach((saved, k) => {
        const params = saved.params.map((name) => named.get(String(name))!);
        const { params: _, ...options } = saved;
        if (k < live.length) Object.assign(live[k]!, options, { params });
        else (optimizer as GrowableOptimizer).addParamGroup({ ...(options as { lr: number }), params });
      });
    });
    this.restarting = false;
  }

  override onTrainEpochStart(trainer: Trainer, module: LightningModule): void {
    const names = new Map([...module.namedParameters()].map(([n, p]) => [p as Tensor, n]));
    trainer.optimizers.forEach((optimizer, i) => {
      const before = optimizer.paramGroups.length;
      this.finetuneFunction(module, trainer.currentEpoch, optimizer);
      const groups = optimizer.paramGroups as unknown as Group[];
      const named = (gs: Group[]) =>
        gs.map((g) => ({ ...g, params: g.params.map((p) => names.get(p as Tensor)) }));
      if (!(i in this.internalOptimizerMetadata)) this.internalOptimizerMetadata[i] = named(groups);
      else if (before !== groups.length)
        this.internalOptimizerMetadata[i]!.push(...named(groups.slice(before)));
    });
  }
}

/** Options of BackboneFinetuning (the YAML's keys). */
export interface BackboneFinetuningOptions {
  unfreeze_backbone_at_epoch?: number;
  /** Multiplies the backbone's lr each epoch after unfreezing (default: 1.5). */
  lambda_func?: (epoch: number) => number;
  backbone_initial_ratio_lr?: number;
  backbone_initial_lr?: number | null;
  should_align?: boolean;
  initial_denom_lr?: number;
  train_bn?: boolean;
  verbose?: boolean;
  rounding?: number;
}

/** Freezes `module.backbone`, unfreezes it at an epoch with a fraction of the lr, then raises its lr each epoch. */
export class BackboneFinetuning extends BaseFinetuning {
  readonly unfreezeBackboneAtEpoch: number;
  readonly lambdaFunc: (epoch: number) => number;
  readonly backboneInitialRatioLr: number;
  readonly backboneInitialLr: number | null;
  readonly shouldAlign: boolean;
  readonly initialDenomLr: number;
  readonly trainBn: boolean;
  readonly verbose: boolean;
  readonly rounding: number;
  previousBackboneLr: number | null = null;

  constructor(opts: BackboneFinetuningOptions = {}) {
    super();
    this.unfreezeBackboneAtEpoch = opts.unfreeze_backbone_at_epoch ?? 10;
    this.lambdaFunc = opts.lambda_func ?? (() => 1.5);
    this.backboneInitialRatioLr = opts.backbone_initial_ratio_lr ?? 10e-2;
    this.backboneInitialLr = opts.backbone_initial_lr ?? null;
    this.shouldAlign = opts.should_align ?? true;
    this.initialDenomLr = opts.initial_denom_lr ?? 10.0;
    this.trainBn = opts.train_bn ?? true;
    this.verbose = opts.verbose ?? false;
    this.rounding = opts.rounding ?? 12;
  }

  override stateDict(): Record<string, unknown> {
    return { ...super.stateDict(), previous_backbone_lr: this.previousBackboneLr };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    this.previousBackboneLr = (state.previous_backbone_lr as number | null) ?? null;
    super.loadStateDict(state);
  }

  override onFitStart(trainer: Trainer, module: LightningModule): void {
    backboneOf(module);
    super.onFitStart(trainer, module);
  }

  freezeBeforeTraining(module: LightningModule): void {
    BaseFinetuning.freeze(backboneOf(module));
  }

  finetuneFunction(module: LightningModule, epoch: number, optimizer: OptimizerLike): void {
    const currentLr = optimizer.paramGroups[0]!.lr;
    let backboneLr: number;
    if (epoch === this.unfreezeBackboneAtEpoch) {
      backboneLr = this.backboneInitialLr ?? currentLr * this.backboneInitialRatioLr;
      this.previousBackboneLr = backboneLr;
      BaseFinetuning.unfreezeAndAddParamGroup(
        backboneOf(module),
        optimizer,
        backboneLr,
        this.initialDenomLr,
        this.trainBn,
      );
    } else if (epoch > this.unfreezeBackboneAtEpoch) {
      const next = this.lambdaFunc(epoch + 1) * this.previousBackboneLr!;
      backboneLr = this.shouldAlign && next > currentLr ? currentLr : next;
      (optimizer.paramGroups[optimizer.paramGroups.length - 1] as { lr: number }).lr = backboneLr;
      this.previousBackboneLr = backboneLr;
    } else return;
    if (this.verbose)
      emitInfo(
        `Current lr: ${round(currentLr, this.rounding)}, Backbone lr: ${round(backboneLr, this.rounding)}`,
      );
  }
}

// The module's `backbone`; Lightning checks it at fit start, Kiln already at setup, where freezing needs it.
function backboneOf(module: LightningModule): Module {
  const backbone = (module as unknown as { backbone?: unknown }).backbone;
  if (!(backbone instanceof Module)) {
    throw new MisconfigurationError("The LightningModule should have a nn.Module `backbone` attribute");
  }
  return backbone;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}
