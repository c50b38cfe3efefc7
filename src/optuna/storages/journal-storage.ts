/**
 * Optuna's JournalStorage: every change is appended to a journal as one operation record, then the journal is
 * replayed from where this process last read (so other processes' changes are seen too). Records are written
 * with Python's JSON formatting, field for field as Optuna writes them, so Optuna and optuna-dashboard read
 * Kiln's journals and Kiln reads theirs. In-memory storage is the same engine over an in-memory journal.
 */
import { randomUUID } from "node:crypto";
import { PyFloat } from "../../common/pyvalue.js";
import { CategoricalDistribution, type Distribution, distributionToJson } from "../distributions.js";
import { DuplicatedStudyError, RecordNotFoundError, UpdateFinishedTrialError } from "../exceptions.js";
import { type FrozenTrial, isFinished, TrialState } from "../frozen-trial.js";
import { INFO, log } from "../logging.js";
import { InMemoryJournalBackend, type JournalBackend, JournalFileBackend } from "./journal-file.js";
import { JournalOperation, JournalReplay } from "./journal-replay.js";
import type { FrozenStudy, Storage, StudyDirection } from "./storage.js";

/** Optuna's prefix of generated study names. */
export const DEFAULT_STUDY_NAME_PREFIX = "no-name-";

/** `datetime.now(timezone.utc).isoformat(timespec="microseconds")`. */
export function isoNowMicros(): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  return `${iso.slice(0, 19)}.${String(micros % 1_000_000).padStart(6, "0")}+00:00`;
}

function isoOf(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000+00:00`;
}

const floats = (values: readonly number[] | null | undefined): PyFloat[] | null =>
  values === null || values === undefined ? null : values.map((v) => new PyFloat(v));

/** The internal value as Optuna writes it: a categorical's index is an int, any other value a float. */
function internalJson(d: Distribution, internal: number): number | PyFloat {
  return d instanceof CategoricalDistribution ? internal : new PyFloat(internal);
}

/** A storage backed by an Optuna journal. */
export class JournalStorage implements Storage {
  readonly workerId = `${randomUUID()}-${process.pid}`;
  private readonly replay = new JournalReplay(this.workerId);

  constructor(readonly backend: JournalBackend) {
    this.sync();
  }

  /** The journal file, or null for an in-memory journal. */
  get path(): string | null {
    return this.backend instanceof JournalFileBackend ? this.backend.path : null;
  }

  private sync(): void {
    this.replay.apply(this.backend.readLogs(this.replay.logNumberRead));
  }

  private write(op: JournalOperation, fields: Record<string, unknown>): void {
    this.backend.appendLogs([{ op_code: op, worker_id: this.workerId, ...fields }]);
    this.sync();
  }

  private study(studyId: number): FrozenStudy {
    this.sync();
    const s = this.replay.studies.get(studyId);
    if (s === undefined) throw new RecordNotFoundError("Record does not exist.");
    return s;
  }

  createNewStudy(directions: StudyDirection[], studyName: string | null): number {
    const name = studyName ?? `${DEFAULT_STUDY_NAME_PREFIX}${randomUUID()}`;
    this.write(JournalOperation.CREATE_STUDY, { study_name: name, directions });
    for (const s of this.replay.studies.values()) {
      if (s.studyName !== name) continue;
      // Optuna's line; a journal kept in memory stands for its InMemoryStorage (storage=None).
      const where = this.backend instanceof InMemoryJournalBackend ? "memory" : "Journal";
      log(INFO, `A new study created in ${where} with name: ${name}`);
      return s.studyId;
    }
    throw new DuplicatedStudyError(`Another study with study_name='${name}' already exists.`);
  }

  setStudyUserAttr(studyId: number, key: string, value: unknown): void {
    this.write(JournalOperation.SET_STUDY_USER_ATTR, { study_id: studyId, user_attr: { [key]: value } });
  }

  setStudySystemAttr(studyId: number, key: string, value: unknown): void {
    this.write(JournalOperation.SET_STUDY_SYSTEM_ATTR, { study_id: studyId, system_attr: { [key]: value } });
  }

  getStudyIdFromName(studyName: string): number {
    this.sync();
    for (const s of this.replay.studies.values()) if (s.studyName === studyName) return s.studyId;
    throw new RecordNotFoundError("Record does not exist.");
  }

  getStudyNameFromId(studyId: number): string {
    return this.study(studyId).studyName;
  }

  getStudyDirections(studyId: number): StudyDirection[] {
    return [...this.study(studyId).directions];
  }

  getStudyUserAttrs(studyId: number): Record<string, unknown> {
    return this.study(studyId).userAttrs;
  }

  getStudySystemAttrs(studyId: number): Record<string, unknown> {
    return this.study(studyId).systemAttrs;
  }

  getAllStudies(): FrozenStudy[] {
    this.sync();
    return [...this.replay.studies.values()];
  }

  createNewTrial(studyId: number, template?: FrozenTrial | null): number {
    const log: Record<string, unknown> = { study_id: studyId, datetime_start: isoNowMicros() };
    if (template) {
      log.state = template.state;
      const multi = template.values !== null && template.values.length > 1;
      log.value = multi || template.values === null ? null : new PyFloat(template.values[0]);
      log.values = multi ? floats(template.values) : null;
      log.datetime_start = template.datetimeStart ? isoOf(template.datetimeStart) : null;
      if (template.datetimeComplete) log.datetime_complete = isoOf(template.datetimeComplete);
      log.distributions = Object.fromEntries(
        Object.entries(template.distributions).map(([k, d]) => [k, distributionToJson(d)]),
      );
      log.params = Object.fromEntries(
        Object.entries(template.params).map(([k, v]) => {
          const d = template.distributions[k];
          return [k, internalJson(d, d.toInternal(v))];
        }),
      );
      log.user_attrs = template.userAttrs;
      log.system_attrs = template.systemAttrs;
      log.intermediate_values = Object.fromEntries(
        [...template.intermediateValues].map(([s, v]) => [String(s), new PyFloat(v)]),
      );
    }
    this.write(JournalOperation.CREATE_TRIAL, log);
    return this.replay.lastCreatedTrialId;
  }

  setTrialParam(trialId: number, paramName: string, internalValue: number, distribution: Distribution): void {
    this.write(JournalOperation.SET_TRIAL_PARAM, {
      trial_id: trialId,
      param_name: paramName,
      param_value_internal: internalJson(distribution, internalValue),
      distribution: distributionToJson(distribution),
    });
  }

  getTrialIdFromStudyIdTrialNumber(studyId: number, trialNumber: number): number {
    this.sync();
    const ids = this.replay.studyTrialIds.get(studyId) ?? [];
    if (trialNumber >= ids.length) {
      throw new RecordNotFoundError(
        `No trial with trial_number=${trialNumber} exists in study with study_id=${studyId}.`,
      );
    }
    return ids[trialNumber];
  }

  setTrialStateValues(trialId: number, state: TrialState, values: number[] | null = null): boolean {
    const log: Record<string, unknown> = { trial_id: trialId, state, values: floats(values) };
    if (state === TrialState.RUNNING) log.datetime_start = isoNowMicros();
    else if (isFinished(state)) log.datetime_complete = isoNowMicros();
    if (state === TrialState.RUNNING) {
      this.sync();
      const existing = this.replay.trials[trialId];
      if (isFinished(existing.state)) {
        throw new UpdateFinishedTrialError(
          `Trial#${existing.number} has already finished and can not be updated.`,
        );
      }
      if (existing.state !== TrialState.WAITING) return false;
    }
    this.write(JournalOperation.SET_TRIAL_STATE_VALUES, log);
    return state !== TrialState.RUNNING || trialId === this.replay.ownedTrialId;
  }

  setTrialIntermediateValue(trialId: number, step: number, value: number): void {
    this.write(JournalOperation.SET_TRIAL_INTERMEDIATE_VALUE, {
      trial_id: trialId,
      step,
      intermediate_value: new PyFloat(value),
    });
  }

  setTrialUserAttr(trialId: number, key: string, value: unknown): void {
    this.write(JournalOperation.SET_TRIAL_USER_ATTR, { trial_id: trialId, user_attr: { [key]: value } });
  }

  setTrialSystemAttr(trialId: number, key: string, value: unknown): void {
    this.write(JournalOperation.SET_TRIAL_SYSTEM_ATTR, { trial_id: trialId, system_attr: { [key]: value } });
  }

  getTrial(trialId: number): FrozenTrial {
    this.sync();
    const t = this.replay.trials[trialId];
    if (t === undefined) throw new RecordNotFoundError("Record does not exist.");
    return t;
  }

  getAllTrials(studyId: number, states?: readonly TrialState[] | null): FrozenTrial[] {
    this.study(studyId);
    const ids = this.replay.studyTrialIds.get(studyId) ?? [];
    const trials = ids.map((id) => this.replay.trials[id]);
    return states ? trials.filter((t) => states.includes(t.state)) : trials;
  }
}

/** Optuna's storage kept in this process only. */
export function inMemoryStorage(): JournalStorage {
  return new JournalStorage(new InMemoryJournalBackend());
}
