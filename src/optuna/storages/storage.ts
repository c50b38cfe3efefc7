/** What a study needs from a storage (Optuna's BaseStorage), and the study record it keeps. */
import type { Distribution } from "../distributions.js";
import type { FrozenTrial, TrialState } from "../frozen-trial.js";

/** Optuna's StudyDirection, with the journal's integer codes. */
export enum StudyDirection {
  NOT_SET = 0,
  MINIMIZE = 1,
  MAXIMIZE = 2,
}

/** A study's record (Optuna's FrozenStudy). */
export interface FrozenStudy {
  studyId: number;
  studyName: string;
  directions: StudyDirection[];
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
}

/** The operations Optuna's Study and Trial call on a storage. */
export interface Storage {
  /** Creates a study (a generated name when null); throws DuplicatedStudyError for a taken name. */
  createNewStudy(directions: StudyDirection[], studyName: string | null): number;
  setStudyUserAttr(studyId: number, key: string, value: unknown): void;
  setStudySystemAttr(studyId: number, key: string, value: unknown): void;
  /** Throws RecordNotFoundError when no study has this name. */
  getStudyIdFromName(studyName: string): number;
  getStudyNameFromId(studyId: number): string;
  getStudyDirections(studyId: number): StudyDirection[];
  getStudyUserAttrs(studyId: number): Record<string, unknown>;
  getStudySystemAttrs(studyId: number): Record<string, unknown>;
  getAllStudies(): FrozenStudy[];
  /** Creates a RUNNING trial, or a copy of `template` (state, values, params, attributes, dates). */
  createNewTrial(studyId: number, template?: FrozenTrial | null): number;
  setTrialParam(trialId: number, paramName: string, internalValue: number, distribution: Distribution): void;
  getTrialIdFromStudyIdTrialNumber(studyId: number, trialNumber: number): number;
  /** Sets the state (and values); returns false when a WAITING trial was taken by another worker. */
  setTrialStateValues(trialId: number, state: TrialState, values?: number[] | null): boolean;
  setTrialIntermediateValue(trialId: number, step: number, value: number): void;
  setTrialUserAttr(trialId: number, key: string, value: unknown): void;
  setTrialSystemAttr(trialId: number, key: string, value: unknown): void;
  /** The trial's current record (shared, not a copy: callers must not change it). */
  getTrial(trialId: number): FrozenTrial;
  /** The study's trials in number order (shared records), optionally only those in `states`. */
  getAllTrials(studyId: number, states?: readonly TrialState[] | null): FrozenTrial[];
}
