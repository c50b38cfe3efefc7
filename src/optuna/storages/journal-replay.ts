/**
 * Replaying Optuna's journal (JournalStorageReplayResult): every operation record, in file order, rebuilds the
 * studies and trials. Records another worker wrote that do not apply (a duplicate study name, an update of a
 * finished trial) are skipped, as Optuna does; this worker's own such records raise.
 */
import { checkDistributionCompatibility, type Distribution, jsonToDistribution } from "../distributions.js";
import { DuplicatedStudyError, RecordNotFoundError, UpdateFinishedTrialError } from "../exceptions.js";
import { FrozenTrial, isFinished, type ParamValue, TrialState } from "../frozen-trial.js";
import type { FrozenStudy, StudyDirection } from "./storage.js";

/** The journal's operation codes. */
export enum JournalOperation {
  CREATE_STUDY = 0,
  DELETE_STUDY = 1,
  SET_STUDY_USER_ATTR = 2,
  SET_STUDY_SYSTEM_ATTR = 3,
  CREATE_TRIAL = 4,
  SET_TRIAL_PARAM = 5,
  SET_TRIAL_STATE_VALUES = 6,
  SET_TRIAL_INTERMEDIATE_VALUE = 7,
  SET_TRIAL_USER_ATTR = 8,
  SET_TRIAL_SYSTEM_ATTR = 9,
  DISCARD_TRIALS = 10,
}

/** One parsed journal line. */
export type JournalRecord = Record<string, unknown> & { op_code: number; worker_id: string };

const NOT_FOUND = "Record does not exist.";

function parseDate(v: unknown): Date | null {
  return typeof v === "string" ? new Date(v) : null;
}

function floatList(v: unknown): number[] | null {
  return Array.isArray(v) ? v.map(Number) : null;
}

/** The studies and trials a journal describes, up to the last record applied. */
export class JournalReplay {
  logNumberRead = 0;
  readonly studies = new Map<number, FrozenStudy>();
  readonly trials: FrozenTrial[] = [];
  readonly studyTrialIds = new Map<number, number[]>();
  private readonly trialStudy = new Map<number, number>();
  private nextStudyId = 0;
  private readonly ownedTrial = new Map<string, number>();
  lastCreatedTrialId = -1;

  constructor(readonly workerId: string) {}

  /** Applies records in order. */
  apply(records: Iterable<JournalRecord>): void {
    for (const r of records) {
      this.logNumberRead += 1;
      switch (r.op_code) {
        case JournalOperation.CREATE_STUDY:
          this.createStudy(r);
          break;
        case JournalOperation.DELETE_STUDY:
          if (this.studyExists(r.study_id as number, r)) this.studies.delete(r.study_id as number);
          break;
        case JournalOperation.SET_STUDY_USER_ATTR:
          if (this.studyExists(r.study_id as number, r)) {
            const s = this.studies.get(r.study_id as number)!;
            s.userAttrs = { ...s.userAttrs, ...(r.user_attr as object) };
          }
          break;
        case JournalOperation.SET_STUDY_SYSTEM_ATTR:
          if (this.studyExists(r.study_id as number, r)) {
            const s = this.studies.get(r.study_id as number)!;
            s.systemAttrs = { ...s.systemAttrs, ...(r.system_attr as object) };
          }
          break;
        case JournalOperation.CREATE_TRIAL:
          this.createTrial(r);
          break;
        case JournalOperation.SET_TRIAL_PARAM:
          this.setParam(r);
          break;
        case JournalOperation.SET_TRIAL_STATE_VALUES:
          this.setStateValues(r);
          break;
        case JournalOperation.SET_TRIAL_INTERMEDIATE_VALUE:
          if (this.updatable(r.trial_id as number, r)) {
            this.edit(r.trial_id as number).intermediateValues.set(
              Number(r.step),
              Number(r.intermediate_value),
            );
          }
          break;
        case JournalOperation.SET_TRIAL_USER_ATTR:
          if (this.updatable(r.trial_id as number, r))
            Object.assign(this.edit(r.trial_id as number).userAttrs, r.user_attr);
          break;
        case JournalOperation.SET_TRIAL_SYSTEM_ATTR:
          if (this.updatable(r.trial_id as number, r)) {
            Object.assign(this.edit(r.trial_id as number).systemAttrs, r.system_attr);
          }
          break;
        case JournalOperation.DISCARD_TRIALS:
          break;
        default:
          throw new Error(`Unknown journal op_code ${String(r.op_code)}`);
      }
    }
  }

  /** The trial this worker popped or created and still runs. */
  get ownedTrialId(): number | undefined {
    return this.ownedTrial.get(this.workerId);
  }

  /** Replaces a trial by a copy and returns it: records handed out earlier stay as they were (as Optuna's). */
  private edit(trialId: number): FrozenTrial {
    const copy = this.trials[trialId].shallowCopy();
    this.trials[trialId] = copy;
    return copy;
  }

  private issuedHere(r: JournalRecord): boolean {
    return r.worker_id === this.workerId;
  }

  private studyExists(studyId: number, r: JournalRecord): boolean {
    if (this.studies.has(studyId)) return true;
    if (this.issuedHere(r)) throw new RecordNotFoundError(NOT_FOUND);
    return false;
  }

  private updatable(trialId: number, r: JournalRecord): boolean {
    const t = this.trials[trialId];
    if (t === undefined) {
      if (this.issuedHere(r)) throw new RecordNotFoundError(NOT_FOUND);
      return false;
    }
    if (isFinished(t.state)) {
      if (this.issuedHere(r)) {
        throw new UpdateFinishedTrialError(`Trial#${t.number} has already finished and can not be updated.`);
      }
      return false;
    }
    return true;
  }

  private createStudy(r: JournalRecord): void {
    const name = r.study_name as string;
    if ([...this.studies.values()].some((s) => s.studyName === name)) {
      if (this.issuedHere(r))
        throw new DuplicatedStudyError(`Another study with study_name='${name}' already exists.`);
      return;
    }
    const studyId = this.nextStudyId++;
    const directions = (r.directions as number[]).map((d) => d as StudyDirection);
    this.studies.set(studyId, { studyId, studyName: name, directions, userAttrs: {}, systemAttrs: {} });
    this.studyTrialIds.set(studyId, []);
  }

  private createTrial(r: JournalRecord): void {
    const studyId = r.study_id as number;
    if (!this.studyExists(studyId, r)) return;
    const trialId = this.trials.length;
    const distributions: Record<string, Distribution> = {};
    for (const [k, v] of Object.entries((r.distributions as Record<string, string>) ?? {})) {
      distributions[k] = jsonToDistribution(v);
    }
    const params: Record<string, ParamValue> = {};
    for (const [k, v] of Object.entries((r.params as Record<string, number>) ?? {})) {
      params[k] = distributions[k].toExternal(Number(v));
    }
    const value = r.value === undefined || r.value === null ? null : Number(r.value);
    const values = floatList(r.values) ?? (value === null ? null : [value]);
    const ids = this.studyTrialIds.get(studyId)!;
    const intermediate = new Map<number, number>();
    for (const [k, v] of Object.entries((r.intermediate_values as Record<string, number>) ?? {})) {
      intermediate.set(Number(k), Number(v));
    }
    const trial = new FrozenTrial(
      trialId,
      ids.length,
      (r.state as TrialState | undefined) ?? TrialState.RUNNING,
      values,
      parseDate(r.datetime_start),
      parseDate(r.datetime_complete),
      params,
      distributions,
      { ...((r.user_attrs as object) ?? {}) },
      { ...((r.system_attrs as object) ?? {}) },
      intermediate,
    );
    this.trials.push(trial);
    ids.push(trialId);
    this.trialStudy.set(trialId, studyId);
    if (this.issuedHere(r)) {
      this.lastCreatedTrialId = trialId;
      if (trial.state === TrialState.RUNNING) this.ownedTrial.set(this.workerId, trialId);
    }
  }

  private setParam(r: JournalRecord): void {
    const trialId = r.trial_id as number;
    if (!this.updatable(trialId, r)) return;
    const name = r.param_name as string;
    const distribution = jsonToDistribution(r.distribution as string);
    for (const id of this.studyTrialIds.get(this.trialStudy.get(trialId)!)!) {
      const prev = this.trials[id];
      if (name in prev.params) {
        try {
          checkDistributionCompatibility(prev.distributions[name], distribution);
        } catch (e) {
          if (this.issuedHere(r)) throw e;
          return;
        }
        break;
      }
    }
    const trial = this.edit(trialId);
    trial.params[name] = distribution.toExternal(Number(r.param_value_internal));
    trial.distributions[name] = distribution;
  }

  private setStateValues(r: JournalRecord): void {
    const trialId = r.trial_id as number;
    if (!this.updatable(trialId, r)) return;
    const state = r.state as TrialState;
    if (state === this.trials[trialId].state && state === TrialState.RUNNING) return;
    const trial = this.edit(trialId);
    if (state === TrialState.RUNNING) {
      trial.datetimeStart = parseDate(r.datetime_start);
      if (this.issuedHere(r)) this.ownedTrial.set(this.workerId, trialId);
    }
    if (isFinished(state)) trial.datetimeComplete = parseDate(r.datetime_complete);
    trial.state = state;
    if (r.values !== null && r.values !== undefined) trial.values = floatList(r.values);
  }
}
