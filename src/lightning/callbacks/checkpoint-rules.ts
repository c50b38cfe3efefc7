/**
 * ModelCheckpoint's decisions that depend only on the trainer: where checkpoints go by default, when saving
 * is skipped, whether epoch-end saving happens at the end of the training epoch or after validation, and
 * Python's min/max over the top-k scores.
 */
import { pyJoin } from "./checkpoint-files.js";
import { type CheckpointTrainerView, isFitting, totalBatches } from "./trainer-view.js";

/** The first logger's save_dir/name/version/checkpoints (default_root_dir when save_dir is unset), else default_root_dir/checkpoints. */
export function defaultCheckpointDir(trainer: CheckpointTrainerView): string {
  const first = trainer.loggers[0];
  if (first === undefined) return pyJoin(trainer.defaultRootDir, "checkpoints");
  const saveDir = first.saveDir ?? trainer.defaultRootDir;
  const version = typeof first.version === "string" ? first.version : `version_${first.version ?? "None"}`;
  return pyJoin(saveDir, String(first.name ?? "None"), version, "checkpoints");
}

/** No saving in fast_dev_run, outside fit, during the sanity check, or twice at one global step. */
export function skipSaving(trainer: CheckpointTrainerView, lastGlobalStepSaved: number): boolean {
  return (
    Boolean(trainer.fastDevRun) ||
    !isFitting(trainer) ||
    trainer.sanityChecking ||
    lastGlobalStepSaved === trainer.globalStep
  );
}

/**
 * Lightning's `_should_save_on_train_epoch_end`: the option when given; else at the training epoch's end when
 * validation runs once at the end of every epoch (or never), and after validation otherwise.
 */
export function saveOnTrainEpochEnd(option: boolean | null, trainer: CheckpointTrainerView): boolean {
  if (option !== null) return option;
  if (trainer.checkValEveryNEpoch !== 1) return false;
  if (totalBatches(trainer.numValBatches) === 0) return true;
  return trainer.valCheckInterval === 1.0;
}

/** Whether batch `batchIdx` is the epoch's last and a validation run follows it. */
export function validatesAfter(trainer: CheckpointTrainerView, batchIdx: number): boolean {
  if (batchIdx + 1 !== trainer.numTrainingBatches) return false;
  const cve = trainer.checkValEveryNEpoch;
  return totalBatches(trainer.numValBatches) > 0 && (cve === null || (trainer.currentEpoch + 1) % cve === 0);
}

/** The first key with the smallest ("min") or largest ("max") value, as Python's min/max over a dict. */
export function pickBy(scores: Map<string, number>, which: "min" | "max"): string {
  let bestKey = "";
  let best = 0;
  let first = true;
  for (const [key, value] of scores) {
    if (first || (which === "min" ? value < best : value > best)) {
      bestKey = key;
      best = value;
      first = false;
    }
  }
  return bestKey;
}
