/**
 * One trial of `study.optimize` (Optuna's `_optimize._run_trial`): ask, run the objective, tell how it ended
 * (COMPLETE, PRUNED on TrialPruned, FAIL on any other error or an unusable value), log it as Optuna does, and
 * rethrow errors that `catch` does not list.
 */
import { pyRepr } from "../common/pyrepr.js";
import { formatPyFloat } from "../common/pyvalue.js";
import { TrialPruned } from "./exceptions.js";
import { TrialState } from "./frozen-trial.js";
import { getVerbosity, INFO, log, WARNING } from "./logging.js";
import type { ErrorClass, Objective, Study } from "./study.js";

const floatRepr = (v: number): string => formatPyFloat(v);

/** Runs one trial of `objective` and records how it ended (Optuna's `_run_trial`); returns its trial id. */
export async function runTrial(study: Study, objective: Objective, catches: ErrorClass[]): Promise<number> {
  const trial = study.ask();
  let state: TrialState | null = null;
  let value: number | number[] | null = null;
  let error: unknown = null;
  try {
    value = await objective(trial);
  } catch (e) {
    state = e instanceof TrialPruned ? TrialState.PRUNED : TrialState.FAIL;
    error = e;
  }
  const r = study.tellWithWarning(trial, value, state, false, true);
  if (r.state === TrialState.COMPLETE) logCompleted(study, r.values!, trial.number, trial.params);
  else if (r.state === TrialState.PRUNED) log(INFO, `Trial ${trial.number} pruned. ${errorText(error)}`);
  else {
    const why = error !== null ? reprError(error) : r.failure;
    const params = pyRepr(trial.params);
    log(
      WARNING,
      `Trial ${trial.number} failed with parameters: ${params} because of the following error: ${why}.`,
    );
    log(WARNING, `Trial ${trial.number} failed with value ${pyRepr(value)}.`);
    if (error !== null && !catches.some((c) => error instanceof c)) throw error;
  }
  return trial.trialId;
}

function logCompleted(
  study: Study,
  values: number[],
  number: number,
  paramValues: Record<string, unknown>,
): void {
  if (getVerbosity() > INFO) return;
  const params = pyRepr(paramValues);
  if (values.length > 1) {
    log(
      INFO,
      `Trial ${number} finished with values: [${values.map(floatRepr).join(", ")}] and parameters: ${params}.`,
    );
    return;
  }
  let message = `Trial ${number} finished with value: ${floatRepr(values[0])} and parameters: ${params}.`;
  try {
    const best = study.bestTrial;
    message += ` Best is trial ${best.number} with value: ${floatRepr(best.value!)}.`;
  } catch {
    // no completed trial yet
  }
  log(INFO, message);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e ?? "");
}

function reprError(e: unknown): string {
  return e instanceof Error ? `${e.name}(${pyRepr(e.message)})` : String(e);
}
