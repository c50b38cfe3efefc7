/**
 * MNISTLitModule (the template's src/models/mnist_module.py): classifies images with a given network,
 * cross-entropy loss, MeanMetric losses and multiclass Accuracy per stage, the best validation accuracy so far
 * (MaxMetric), and the optimizer and LR scheduler built from the config's `_partial_` factories
 * (ReduceLROnPlateau monitoring `val/loss` once per epoch). Logs `train/loss`, `train/acc`, `val/loss`,
 * `val/acc`, `val/acc_best`, `test/loss`, `test/acc`.
 */
import { describeInstantiated, OptionValueError } from "../config/index.js";
import { emitWarning } from "../lightning/callbacks/messages.js";
import { Accuracy } from "../lightning/metrics/accuracy.js";
import { MaxMetric, MeanMetric } from "../lightning/metrics/aggregation.js";
import { LightningModule } from "../lightning/module.js";
import type { OptimizerLike, OptimizersConfig, SchedulerLike } from "../lightning/trainer/types.js";
import { Module } from "../torch/nn/module.js";
import { crossEntropy } from "../torch/ops/nn.js";
import "../torch/ops/reduce.js";
import type { Tensor } from "../torch/tensor.js";

/** Builds an optimizer for parameters (a `_partial_: true` optimizer config). */
export type OptimizerFactory = (args: { params: Tensor[] }) => OptimizerLike;
/** Builds an LR scheduler for an optimizer (a `_partial_: true` scheduler config). */
export type SchedulerFactory = (args: { optimizer: OptimizerLike }) => SchedulerLike;

/** The module's options (the YAML's keys). */
export interface MNISTLitModuleOptions {
  net: Module;
  optimizer: OptimizerFactory;
  scheduler?: SchedulerFactory | null;
  /** torch.compile in the template; Kiln has no compiler, so true only warns. */
  compile?: boolean;
}

/** A serializable description of a factory (its config when instantiated from one), for hyper_parameters. */
function describeFactory(f: unknown): unknown {
  if (f === null || f === undefined) return null;
  const described = describeInstantiated(f);
  return typeof described === "function" ? described.name || "<function>" : described;
}

/** A LightningModule for 10-class image classification. */
export class MNISTLitModule extends LightningModule {
  net: Module;
  // metric objects for calculating and averaging accuracy across batches
  trainAcc = new Accuracy({ task: "multiclass", num_classes: 10 });
  valAcc = new Accuracy({ task: "multiclass", num_classes: 10 });
  testAcc = new Accuracy({ task: "multiclass", num_classes: 10 });
  // for averaging loss across batches
  trainLoss = new MeanMetric();
  valLoss = new MeanMetric();
  testLoss = new MeanMetric();
  // for tracking best so far validation accuracy
  valAccBest = new MaxMetric();
  readonly #optimizer: OptimizerFactory;
  readonly #scheduler: SchedulerFactory | null;

  /** Takes the network and the optimizer/scheduler factories (instantiated from `_partial_` configs). */
  constructor(options: MNISTLitModuleOptions) {
    super();
    const { net, optimizer, scheduler = null, compile = false, ...rest } = options;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) {
      throw new TypeError(
        `MNISTLitModule got unexpected option(s) ${unknown.join(", ")}. Known options: net, optimizer, scheduler, compile`,
      );
    }
    if (!(net instanceof Module)) {
      // Caught here: otherwise it surfaces in configure_optimizers as "optimizer got an empty parameter list".
      const got =
        net === null || net === undefined
          ? String(net)
          : typeof net === "object" || typeof net === "function"
            ? `a ${(net as object).constructor?.name ?? typeof net} (not a Module)`
            : `${typeof net} ${JSON.stringify(net)}`;
      throw new OptionValueError(
        "net",
        `MNISTLitModule: net must be a torch nn.Module (the network to train, e.g. SimpleDenseNet), got ${got}. ` +
          'A network of your own must extend Module from kiln\'s torch.nn (import { torch } from "kiln").',
      );
    }
    if (typeof optimizer !== "function") {
      throw new TypeError(
        "MNISTLitModule: `optimizer` must be a factory (an optimizer config with `_partial_: true`)",
      );
    }
    if (scheduler !== null && typeof scheduler !== "function") {
      throw new TypeError(
        "MNISTLitModule: `scheduler` must be a factory (a scheduler config with `_partial_: true`) or null",
      );
    }
    // saved into checkpoints (the net's weights are in the state dict; the net and the factories as their
    // configs, so that loadFromCheckpoint rebuilds them as Lightning unpickles them)
    this.saveHyperparameters({
      net: describeInstantiated(net),
      optimizer: describeFactory(optimizer),
      scheduler: describeFactory(scheduler),
      compile,
    });
    this.net = net;
    this.#optimizer = optimizer;
    this.#scheduler = scheduler;
  }

  /** A forward pass through the network: images → logits. */
  override forward(x: Tensor): Tensor {
    return (this.net.forward as (input: Tensor) => Tensor).call(this.net, x);
  }

  /** Lightning runs a sanity validation before training: forget what it measured. */
  override onTrainStart(): void {
    this.valLoss.reset();
    this.valAcc.reset();
    this.valAccBest.reset();
  }

  /** Loss, predictions and targets of one batch. */
  modelStep(batch: unknown): { loss: Tensor; preds: Tensor; targets: Tensor } {
    const [x, y] = batch as [Tensor, Tensor];
    const logits = this.forward(x);
    const loss = crossEntropy(logits, y);
    const preds = logits.argmax(1);
    return { loss, preds, targets: y };
  }

  override trainingStep(batch: unknown, _batchIdx: number): Tensor {
    const { loss, preds, targets } = this.modelStep(batch);
    // update and log metrics
    this.trainLoss.call(loss);
    this.trainAcc.call(preds, targets);
    this.log("train/loss", this.trainLoss, { onStep: false, onEpoch: true, progBar: true });
    this.log("train/acc", this.trainAcc, { onStep: false, onEpoch: true, progBar: true });
    // return loss or backpropagation will fail
    return loss;
  }

  override validationStep(batch: unknown, _batchIdx: number): void {
    const { loss, preds, targets } = this.modelStep(batch);
    this.valLoss.call(loss);
    this.valAcc.call(preds, targets);
    this.log("val/loss", this.valLoss, { onStep: false, onEpoch: true, progBar: true });
    this.log("val/acc", this.valAcc, { onStep: false, onEpoch: true, progBar: true });
  }

  override onValidationEpochEnd(): void {
    const acc = this.valAcc.compute(); // get current val acc
    this.valAccBest.call(acc); // update best so far val acc
    // log `val_acc_best` as a value through `.compute()`, not as a metric object, otherwise it would be
    // reset by the trainer after each epoch
    this.log("val/acc_best", this.valAccBest.compute(), { syncDist: true, progBar: true });
  }

  override testStep(batch: unknown, _batchIdx: number): void {
    const { loss, preds, targets } = this.modelStep(batch);
    this.testLoss.call(loss);
    this.testAcc.call(preds, targets);
    this.log("test/loss", this.testLoss, { onStep: false, onEpoch: true, progBar: true });
    this.log("test/acc", this.testAcc, { onStep: false, onEpoch: true, progBar: true });
  }

  /** torch.compile of the template's setup: not available, so it warns and trains uncompiled. */
  override setup(stage: string): void {
    if (this.hparams.compile === true && stage === "fit") {
      emitWarning(
        "model.compile=true: Kiln has no torch.compile; the network runs uncompiled (eager).",
        true,
      );
    }
  }

  /** The optimizer from its factory and, when configured, ReduceLROnPlateau-style scheduling on val/loss. */
  override configureOptimizers(): OptimizersConfig {
    const optimizer = this.#optimizer({ params: this.parameters() });
    if (this.#scheduler !== null) {
      const scheduler = this.#scheduler({ optimizer });
      return {
        optimizer,
        lrScheduler: { scheduler, monitor: "val/loss", interval: "epoch", frequency: 1 },
      };
    }
    return optimizer;
  }
}
