/**
 * ModelCheckpoint's texts for the user, worded as Lightning 2.6 words them (values in Python repr) so that
 * logs read the same as a Lightning run's and searches for Lightning's messages find Kiln's.
 */
import { pyRepr } from "../../common/pyrepr.js";
import { pyFormatNumber } from "./pyformat.js";

/** Where training stands, as the verbose lines print it. */
export interface EpochStep {
  epoch: number;
  step: number;
}

/** The error (after a validation run) or warning (before one) when the monitored key was never logged. */
export function missingMonitorMessage(monitor: string, loggedKeys: string[]): string {
  return (
    `\`ModelCheckpoint(monitor=${pyRepr(monitor)})\` could not find the monitored key in the returned ` +
    `metrics: ${pyRepr(loggedKeys)}. HINT: Did you call \`log(${pyRepr(monitor)}, value)\` ` +
    "in the `LightningModule`?"
  );
}

/** The verbose line for a monitored value that did not make the top k. */
export function notInTopKMessage(at: EpochStep, monitor: string | null, k: number): string {
  return `Epoch ${at.epoch}, global step ${at.step}: ${pyRepr(monitor)} was not in top ${k}`;
}

/** The verbose line for a checkpoint saved into the top k. */
export function savedInTopKMessage(
  at: EpochStep,
  monitor: string | null,
  score: number,
  best: number | null,
  filepath: string,
  k: number,
): string {
  return (
    `Epoch ${at.epoch}, global step ${at.step}: ${pyRepr(monitor)} reached ${fmt5(score)} ` +
    `(best ${fmt5(best)}), saving model to ${pyRepr(filepath)} as top ${k}`
  );
}

/** The warning when a resumed checkpoint was written to another dirpath (only best_model_path reloads). */
export function dirpathChangedMessage(fromCheckpoint: string | null, current: string | null): string {
  return (
    `The dirpath has changed from ${pyRepr(fromCheckpoint)} to ${pyRepr(current)}, therefore ` +
    "`best_model_score`, `kth_best_model_path`, `kth_value`, `last_model_path` and `best_k_models` won't " +
    "be reloaded. Only `best_model_path` will be reloaded."
  );
}

/** The info line after save_on_exception saved a checkpoint. */
export function savedOnExceptionMessage(exception: unknown, filepath: string): string {
  const err = exception instanceof Error ? exception : new Error(String(exception));
  return `An ${err.name} was raised with message: ${err.message}, saved checkpoint to ${filepath}`;
}

// Python's f"{x:0.5f}", and "None" for a missing score, as Lightning's f-string prints them.
function fmt5(x: number | null): string {
  return x === null ? "None" : pyFormatNumber({ value: x, isInt: false }, "0.5f");
}
