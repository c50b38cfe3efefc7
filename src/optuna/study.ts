/**
 * Optuna's Study in camelCase: createStudy / loadStudy, ask / tell, optimize, the best trial(s) and the trial
 * list. Semantics follow Optuna 5.0 (`optuna/study/study.py`, `_tell.py`, `_optimize.py`).
 */
import { pyRepr } from "../common/pyrepr.js";
import { formatPyFloat } from "../common/pyvalue.js";
import { RecordNotFoundError, StopOutsideOptimizeError, UpdateFinishedTrialError } from "./exceptions.js";
import { FrozenTrial, isFinished, TrialState } from "./frozen-trial.js";
import { INFO, log, warn } from "./logging.js";
import { paretoFrontTrials } from "./multi-objective.js";
import { MedianPruner } from "./pruners/percentile.js";
import type { Pruner } from "./pruners/pruner.js";
import { runTrial } from "./run-trial.js";
import type { Sampler } from "./samplers/sampler.js";
import { TPESampler } from "./samplers/tpe/sampler.js";
import { type Storage, StudyDirection } from "./storages/storage.js";
import { Trial } from "./trial.js";

/** `minimize` / `maximize`, as strings or StudyDirection. */
export type DirectionSpec = "minimize" | "maximize" | StudyDirection;

/** What an objective returns: one value, or one per direction. */
export type ObjectiveValue = number | number[];

/** An objective: may be async. */
export type Objective = (trial: Trial) => ObjectiveValue | Promise<ObjectiveValue>;

/** An error class that `optimize` records as a FAIL trial and goes on. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** Options of `study.optimize`. */
export interface OptimizeOptions {
  nTrials?: number | null;
  /** Seconds after which no new trial starts. */
  timeout?: number | null;
  /** Trials run concurrently (for async objectives); -1 = the number of CPUs. */
  nJobs?: number;
  catch?: ErrorClass | ErrorClass[];
  callbacks?: ((study: Study, trial: FrozenTrial) => void)[];
}

function floatRepr(v: number): string {
  return formatPyFloat(v);
}

/** An optimization task: a named set of trials in a storage. */
export class Study {
  readonly studyId: number;
  readonly directions: StudyDirection[];
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  private stopFlag = false;
  private inOptimizeLoop = false;
  private cachedTrials: FrozenTrial[] | null = null;

  constructor(
    readonly studyName: string,
    readonly storage: Storage,
    sampler?: Sampler | null,
    pruner?: Pruner | null,
  ) {
    this.studyId = storage.getStudyIdFromName(studyName);
    this.directions = storage.getStudyDirections(this.studyId);
    this.sampler = sampler ?? new TPESampler();
    this.pruner = pruner ?? new MedianPruner();
  }

  /** The single direction (an error for multi-objective studies). */
  get direction(): StudyDirection {
    if (this.isMultiObjective()) {
      throw new Error(
        "A single direction cannot be retrieved from a multi-objective study. Consider using Study.directions to retrieve a list containing all directions.",
      );
    }
    return this.directions[0];
  }

  isMultiObjective(): boolean {
    return this.directions.length > 1;
  }

  /** Copies of all trials, in number order. */
  get trials(): FrozenTrial[] {
    return this.getTrials();
  }

  /** Copies of the trials (optionally only those in `states`). */
  getTrials(states?: readonly TrialState[] | null): FrozenTrial[] {
    return this.storage.getAllTrials(this.studyId, states).map((t) => t.clone());
  }

  /** The stored trial records themselves (not copies; samplers must not change them). */
  sharedTrials(states?: readonly TrialState[] | null, useCache = false): FrozenTrial[] {
    if (!useCache) return this.storage.getAllTrials(this.studyId, states);
    this.cachedTrials ??= this.storage.getAllTrials(this.studyId);
    return states ? this.cachedTrials.filter((t) => states.includes(t.state)) : this.cachedTrials;
  }

  /** The study as samplers and pruners see it while running `trial` (Hyperband: the trial's bracket). */
  filteredFor(trial: FrozenTrial): Study {
    const peers = this.pruner.peersOf?.(this, trial) ?? null;
    return peers === null ? this : new PeerStudy(this, peers);
  }

  /** The best COMPLETE trial of a single-objective study. */
  get bestTrial(): FrozenTrial {
    if (this.isMultiObjective()) {
      throw new Error(
        "A single best trial cannot be retrieved from a multi-objective study. Consider using Study.best_trials to retrieve a list containing the best trials.",
      );
    }
    const complete = this.storage.getAllTrials(this.studyId, [TrialState.COMPLETE]);
    if (complete.length === 0) throw new Error("No trials are completed yet.");
    const max = this.direction === StudyDirection.MAXIMIZE;
    let best = complete[0];
    for (const t of complete) if (max ? t.value! > best.value! : t.value! < best.value!) best = t;
    return best.clone();
  }

  get bestValue(): number {
    return this.bestTrial.value!;
  }

  get bestParams(): Record<string, unknown> {
    return this.bestTrial.params;
  }

  /** The Pareto-optimal COMPLETE trials. */
  get bestTrials(): FrozenTrial[] {
    return paretoFrontTrials(this.getTrials(), this.directions);
  }

  get userAttrs(): Record<string, unknown> {
    return structuredClone(this.storage.getStudyUserAttrs(this.studyId));
  }

  get systemAttrs(): Record<string, unknown> {
    return structuredClone(this.storage.getStudySystemAttrs(this.studyId));
  }

  setUserAttr(key: string, value: unknown): void {
    this.storage.setStudyUserAttr(this.studyId, key, value);
  }

  /** Stops `optimize` after the running trials (only inside the loop: an objective or a callback). */
  stop(): void {
    if (!this.inOptimizeLoop) {
      throw new StopOutsideOptimizeError(
        "`Study.stop` is supposed to be invoked inside an objective function or a callback.",
      );
    }
    this.stopFlag = true;
  }

  /** Queues a trial whose parameters are fixed in advance; the next `ask` takes it. */
  enqueueTrial(params: Record<string, unknown>, userAttrs: Record<string, unknown> = {}): void {
    const t = new FrozenTrial(-1, -1, TrialState.WAITING, null, null, null, {}, {}, userAttrs, {
      fixed_params: params,
    });
    this.storage.createNewTrial(this.studyId, t);
  }

  /** Starts a trial (a queued one first). */
  ask(): Trial {
    this.cachedTrials = null;
    let trialId: number | null = null;
    for (const t of this.storage.getAllTrials(this.studyId, [TrialState.WAITING])) {
      try {
        if (this.storage.setTrialStateValues(t.trialId, TrialState.RUNNING)) {
          trialId = t.trialId;
          break;
        }
      } catch (e) {
        if (!(e instanceof UpdateFinishedTrialError)) throw e;
      }
    }
    trialId ??= this.storage.createNewTrial(this.studyId);
    return new Trial(this, trialId);
  }

  /** Finishes a trial: COMPLETE with `values`, or PRUNED / FAIL; with no state, bad values make it FAIL. */
  tell(
    trial: Trial | number,
    values?: number | number[] | null,
    state?: TrialState | null,
    skipIfFinished = false,
  ): FrozenTrial {
    this.tellWithWarning(trial, values ?? null, state ?? null, skipIfFinished, false);
    return this.frozenOf(trial).clone();
  }

  private frozenOf(trial: Trial | number): FrozenTrial {
    if (trial instanceof Trial) return this.storage.getTrial(trial.trialId);
    try {
      return this.storage.getTrial(this.storage.getTrialIdFromStudyIdTrialNumber(this.studyId, trial));
    } catch (e) {
      if (e instanceof RecordNotFoundError) {
        throw new RangeError(`Cannot tell for trial with number ${trial} since it has not been created.`);
      }
      throw e;
    }
  }

  /** Optuna's `_tell_with_warning`; returns the final state and values, and why values were refused. */
  tellWithWarning(
    trial: Trial | number,
    valueOrValues: number | number[] | null,
    stateIn: TrialState | null,
    skipIfFinished: boolean,
    suppressWarning: boolean,
  ): { state: TrialState; values: number[] | null; failure: string | null } {
    this.cachedTrials = null;
    const frozen = this.frozenOf(trial);
    if (isFinished(frozen.state) && skipIfFinished) {
      log(INFO, `Skipped telling trial ${frozen.number} since trial was already finished.`);
      return { state: frozen.state, values: frozen.values, failure: null };
    }
    if (frozen.state !== TrialState.RUNNING)
      throw new Error(`Cannot tell a ${TrialState[frozen.state]} trial.`);
    let values: unknown[] | null =
      valueOrValues === null ? null : Array.isArray(valueOrValues) ? valueOrValues : [valueOrValues];
    let state = stateIn;
    let failure: string | null = null;
    if (state === TrialState.COMPLETE && values === null) {
      throw new Error("No values were told. Values are required when state is TrialState.COMPLETE.");
    }
    if ((state === TrialState.PRUNED || state === TrialState.FAIL) && values !== null) {
      throw new Error(
        "Values were told. Values cannot be specified when state is TrialState.PRUNED or TrialState.FAIL.",
      );
    }
    if (state === TrialState.COMPLETE) {
      failure = this.checkValues(values!);
      if (failure !== null) throw new Error(failure);
    } else if (state === TrialState.PRUNED) {
      const last = frozen.lastStep;
      if (last !== null) {
        const v = frozen.intermediateValues.get(last)!;
        if (this.checkValues([v]) === null) values = [v];
      }
    } else if (state === null) {
      failure = values === null ? "The value None could not be cast to float." : this.checkValues(values);
      if (failure === null) state = TrialState.COMPLETE;
      else {
        state = TrialState.FAIL;
        values = null;
        if (!suppressWarning) {
          warn(failure);
          failure = null;
        }
      }
    }
    const finalValues = values === null ? null : values.map(Number);
    try {
      this.sampler.afterTrial?.(this.filteredFor(frozen), frozen, state!, finalValues);
    } finally {
      this.storage.setTrialStateValues(frozen.trialId, state!, finalValues);
    }
    return { state: state!, values: finalValues, failure };
  }

  private checkValues(values: unknown[]): string | null {
    const errors: string[] = [];
    for (const v of values) {
      if (typeof v !== "number") errors.push(`The value ${pyRepr(v)} could not be cast to float`);
      else if (Number.isNaN(v)) errors.push(`The value ${floatRepr(v)} is not acceptable`);
    }
    if (errors.length > 0) return errors.join("; ");
    if (values.length !== this.directions.length) {
      return `The number of the values ${values.length} did not match the number of the objectives ${this.directions.length}`;
    }
    return null;
  }

  /** Runs `objective` on new trials until `nTrials`, `timeout` or `stop()`. */
  async optimize(objective: Objective, opts: OptimizeOptions = {}): Promise<void> {
    if (this.inOptimizeLoop) throw new Error("Nested invocation of `Study.optimize` method isn't allowed.");
    const catches = opts.catch === undefined ? [] : Array.isArray(opts.catch) ? opts.catch : [opts.catch];
    const nJobs = opts.nJobs === -1 ? (await import("node:os")).availableParallelism() : (opts.nJobs ?? 1);
    const start = Date.now();
    let started = 0;
    this.stopFlag = false;
    this.inOptimizeLoop = true;
    if (nJobs !== 1) this.sampler.reseedRng?.();
    const worker = async (): Promise<void> => {
      for (;;) {
        if (this.stopFlag) return;
        if (opts.nTrials != null && started >= opts.nTrials) return;
        if (opts.timeout != null && (Date.now() - start) / 1000 >= opts.timeout) return;
        started += 1;
        const trialId = await runTrial(this, objective, catches);
        if (opts.callbacks) {
          const frozen = this.storage.getTrial(trialId).clone();
          for (const cb of opts.callbacks) cb(this, frozen);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, nJobs) }, worker));
    } finally {
      this.inOptimizeLoop = false;
    }
  }
}

/** The study restricted to some trials (for pruners that split a study). */
class PeerStudy extends Study {
  constructor(
    readonly parent: Study,
    private readonly peers: (t: FrozenTrial) => boolean,
  ) {
    super(parent.studyName, parent.storage, parent.sampler, parent.pruner);
  }

  override getTrials(states?: readonly TrialState[] | null): FrozenTrial[] {
    return super.getTrials(states).filter(this.peers);
  }

  override stop(): void {
    this.parent.stop();
  }
}
