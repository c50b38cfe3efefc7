// What a tuning run must give back to the model (Lightning restores it from a temporary checkpoint): its state
// dict (weights and buffers such as BatchNorm's running statistics), its train/eval mode and its trainer.
import { keep } from "../../torch/scope.js";
import type { Tensor } from "../../torch/tensor.js";
import type { LightningModule } from "../module.js";
import type { Trainer } from "../trainer/trainer.js";

/** A copy of a model's state, to restore after a tuning run. */
export interface ModelSnapshot {
  state: Map<string, Tensor>;
  training: boolean;
  trainer: Trainer | null;
}

/** Copies the model's state dict (new tensors, kept until restore). */
export function snapshotModel(model: LightningModule): ModelSnapshot {
  const state = new Map<string, Tensor>();
  for (const [key, value] of model.stateDict()) state.set(key, keep(value.detach().clone()));
  return { state, training: model.training, trainer: model.hasTrainer ? model.trainer : null };
}

/** Puts the snapshot back into the model (and frees it), with the trainer it was attached to. */
export function restoreModel(model: LightningModule, snapshot: ModelSnapshot): void {
  try {
    model.loadStateDict(snapshot.state, { strict: true });
  } finally {
    for (const t of snapshot.state.values()) t.dispose();
  }
  model.train(snapshot.training);
  model.trainer = snapshot.trainer;
}
