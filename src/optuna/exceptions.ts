/** Optuna's exceptions. */

/** Raised by an objective (or a pruning callback) to end its trial as PRUNED. */
export class TrialPruned extends Error {
  override name = "TrialPruned";
}

/** A study with this name already exists in the storage. */
export class DuplicatedStudyError extends Error {
  override name = "DuplicatedStudyError";
}

/** A finished trial cannot be changed. */
export class UpdateFinishedTrialError extends Error {
  override name = "UpdateFinishedTrialError";
}

/** No study or trial with that id or name (Optuna's `KeyError("Record does not exist.")`). */
export class RecordNotFoundError extends Error {
  override name = "KeyError";
}

/** `study.stop()` called outside `optimize` (GridSampler does so when its grid is done, e.g. under ask/tell). */
export class StopOutsideOptimizeError extends Error {
  override name = "RuntimeError";
}
