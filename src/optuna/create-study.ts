/** Opening studies (Optuna's `create_study` and `load_study`). */
import { pyRepr } from "../common/pyrepr.js";
import { DuplicatedStudyError, RecordNotFoundError } from "./exceptions.js";
import { INFO, log } from "./logging.js";
import type { Pruner } from "./pruners/pruner.js";
import type { Sampler } from "./samplers/sampler.js";
import { getStorage, type StorageSpec } from "./storages/get-storage.js";
import { StudyDirection } from "./storages/storage.js";
import { type DirectionSpec, Study } from "./study.js";

function directionOf(d: DirectionSpec): StudyDirection {
  if (d === StudyDirection.MINIMIZE || d === StudyDirection.MAXIMIZE) return d;
  if (d === "minimize") return StudyDirection.MINIMIZE;
  if (d === "maximize") return StudyDirection.MAXIMIZE;
  throw new RangeError(
    `\`directions\` must be a list of \`minimize\` or \`maximize\`, but got ${String(d)}.`,
  );
}

/** Options of `createStudy`. */
export interface CreateStudyOptions {
  storage?: StorageSpec;
  sampler?: Sampler | null;
  pruner?: Pruner | null;
  studyName?: string | null;
  direction?: DirectionSpec | null;
  directions?: DirectionSpec[] | null;
  /** Open the study when one of this name exists instead of failing. */
  loadIfExists?: boolean;
}

/** Creates a study (Optuna's `create_study`). */
export function createStudy(opts: CreateStudyOptions = {}): Study {
  if (opts.direction != null && opts.directions != null)
    throw new Error("Specify only one of `direction` and `directions`.");
  if (Array.isArray(opts.direction)) {
    throw new Error("Use `directions` instead of `direction` for multi-objective optimization.");
  }
  const specs = opts.directions ?? [opts.direction ?? "minimize"];
  if (specs.length < 1) throw new Error("The number of objectives must be greater than 0.");
  const directions = specs.map(directionOf);
  const storage = getStorage(opts.storage);
  let studyId: number;
  try {
    studyId = storage.createNewStudy(directions, opts.studyName ?? null);
  } catch (e) {
    if (!(e instanceof DuplicatedStudyError)) throw e;
    if (!opts.loadIfExists) {
      throw new DuplicatedStudyError(
        `Another study with study_name='${opts.studyName}' already exists. Please specify a name not in the storage, or reuse the existing one by setting \`loadIfExists\`.`,
      );
    }
    log(INFO, `Using an existing study with study_name='${opts.studyName}' instead of creating a new one.`);
    studyId = storage.getStudyIdFromName(opts.studyName!);
  }
  return new Study(storage.getStudyNameFromId(studyId), storage, opts.sampler, opts.pruner);
}

/** Options of `loadStudy`. */
export interface LoadStudyOptions {
  studyName?: string | null;
  storage: StorageSpec;
  sampler?: Sampler | null;
  pruner?: Pruner | null;
}

/** Opens an existing study (Optuna's `load_study`); the name may be omitted when the storage holds one study. */
export function loadStudy(opts: LoadStudyOptions): Study {
  const storage = getStorage(opts.storage);
  let name = opts.studyName ?? null;
  if (name === null) {
    const names = storage.getAllStudies().map((s) => s.studyName);
    if (names.length !== 1) {
      throw new Error(
        `Could not determine the study name since the storage does not contain exactly 1 study. Specify \`studyName\` from ${pyRepr(names)}.`,
      );
    }
    name = names[0];
  }
  try {
    return new Study(name, storage, opts.sampler, opts.pruner);
  } catch (e) {
    if (e instanceof RecordNotFoundError) {
      const names = storage.getAllStudies().map((s) => s.studyName);
      throw new Error(
        `No study named '${name}' in the storage (studies: ${names.length ? names.join(", ") : "none"}).`,
      );
    }
    throw e;
  }
}
