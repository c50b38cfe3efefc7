/**
 * `storage` as Optuna's `create_study` takes it: null keeps the study in memory; a file path or a `file:` URL is
 * an Optuna journal file (JournalStorage over JournalFileBackend); a Storage is used as it is. Database and
 * Redis URLs need Optuna's Python storages and are refused with the forms that work.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { JournalFileBackend } from "./journal-file.js";
import { inMemoryStorage, JournalStorage } from "./journal-storage.js";
import type { Storage } from "./storage.js";

/** What `storage` may be. */
export type StorageSpec = Storage | string | null | undefined;

/** The supported forms, for error messages. */
export const SUPPORTED_STORAGE_FORMS =
  "null (in memory), a journal file path (e.g. optuna-journal.log) or a file: URL (file:optuna-journal.log, file:///abs/path/optuna-journal.log)";

/** The journal file a storage string names (relative paths against `cwd`). */
export function journalPathOf(url: string, cwd = process.cwd()): string {
  if (url.startsWith("file://")) return fileURLToPath(url);
  const path = url.startsWith("file:") ? url.slice("file:".length) : url;
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** Opens the storage `spec` names (Optuna's `get_storage`). */
export function getStorage(spec: StorageSpec): Storage {
  if (spec === null || spec === undefined) return inMemoryStorage();
  if (typeof spec !== "string") return spec;
  if (spec.trim() === "") throw new Error(`Empty storage URL. Use ${SUPPORTED_STORAGE_FORMS}.`);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(spec);
  if (scheme && scheme[1].toLowerCase() !== "file") {
    throw new Error(
      `Unsupported storage '${spec}': Kiln keeps Optuna studies in memory or in Optuna's journal file format; ` +
        `'${scheme[1]}:' storages (RDB URLs such as sqlite:///example.db, redis://) need Python Optuna. ` +
        `Use ${SUPPORTED_STORAGE_FORMS}. Python Optuna and optuna-dashboard open the journal with ` +
        "JournalStorage(JournalFileBackend(path)).",
    );
  }
  return new JournalStorage(new JournalFileBackend(journalPathOf(spec)));
}
