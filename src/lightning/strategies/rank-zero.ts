// Lightning's rank_zero_only for what touches the disk: on the other ranks, loggers write nothing (their
// name, version and folders are rank 0's, as Lightning broadcasts trainer.log_dir), and checkpoint callbacks
// decide and save nothing; after each entry point they take rank 0's state (best_model_path, ...), so
// `ckptPath: "best"` names the same file on every rank.

import { tidy } from "../../torch/scope.js";
import type { Callback } from "../callbacks/callback.js";
import { scalarValue } from "../callbacks/scalar-state.js";
import type { Logger } from "../loggers/logger.js";
import { isCheckpointCallback } from "../trainer/hooks.js";

/** The identity of a logger that the other ranks must report as theirs. */
interface LoggerIdentity {
  name: string | null;
  version: number | string | null;
  saveDir: string | null;
  rootDir: string | null;
  logDir: string | null;
  runId: string | null;
}

const IDENTITY_KEYS = ["name", "version", "saveDir", "rootDir", "logDir", "runId"] as const;
// Methods that write or send something: no-ops off rank 0 (Lightning decorates them with rank_zero_only).
const WRITING_METHODS = new Set([
  "logHyperparams",
  "logMetrics",
  "logGraph",
  "save",
  "finalize",
  "afterSaveCheckpoint",
  "logArtifact",
]);

function identityOf(logger: Logger): LoggerIdentity {
  const out = {} as Record<(typeof IDENTITY_KEYS)[number], unknown>;
  for (const key of IDENTITY_KEYS) out[key] = logger[key] ?? null;
  return out as unknown as LoggerIdentity;
}

/**
 * Makes the loggers rank-zero-only: rank 0 sends each logger's identity (creating nothing), the other ranks
 * replace their loggers by stand-ins that report it and write nothing. Every rank must call it.
 */
export function rankZeroLoggers(
  loggers: Logger[],
  isGlobalZero: boolean,
  broadcast: <T>(value: T) => T,
): void {
  const identities = broadcast(isGlobalZero ? loggers.map(identityOf) : null) ?? [];
  if (isGlobalZero) return;
  loggers.forEach((logger, i) => {
    const identity = identities[i];
    if (identity !== undefined) loggers[i] = silentLogger(logger, identity);
  });
}

function silentLogger(logger: Logger, identity: LoggerIdentity): Logger {
  return new Proxy(logger, {
    get(target, prop) {
      if (typeof prop === "string" && (IDENTITY_KEYS as readonly string[]).includes(prop)) {
        return identity[prop as keyof LoggerIdentity] ?? undefined;
      }
      // Lightning's rank_zero_experiment: the other ranks get a dummy experiment.
      if (prop === "experiment") return DUMMY_EXPERIMENT;
      if (prop === "whenStarted") return undefined;
      if (typeof prop === "string" && WRITING_METHODS.has(prop)) return () => undefined;
      // Without the proxy as receiver, getters that read private fields see the real logger.
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// Lightning's DummyExperiment: every attribute is a no-op function, every call returns it again.
const DUMMY_EXPERIMENT: unknown = new Proxy(() => undefined, {
  get: (_target, prop) => (prop === Symbol.toPrimitive ? () => "DummyExperiment" : DUMMY_EXPERIMENT),
  apply: () => DUMMY_EXPERIMENT,
});

const KEPT_HOOKS = new Set(["setup", "teardown", "stateDict", "loadStateDict", "stateKey"]);

/**
 * Off rank 0, checkpoint callbacks skip every event hook (no decision, no file written or removed); their
 * setup still runs, so the folder they resolve is rank 0's (through the loggers' identity).
 */
export function rankZeroCheckpoints(callbacks: Callback[], isGlobalZero: boolean): void {
  if (isGlobalZero) return;
  for (const cb of callbacks) {
    if (!isCheckpointCallback(cb)) continue;
    const record = cb as unknown as Record<string, unknown>;
    for (let proto = Object.getPrototypeOf(cb); proto !== null; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (!/^on[A-Z]/.test(name) || KEPT_HOOKS.has(name) || Object.hasOwn(record, name)) continue;
        const descriptor = Object.getOwnPropertyDescriptor(proto, name);
        if (typeof descriptor?.value === "function") record[name] = () => undefined;
      }
    }
  }
}

/** After an entry point: every rank's checkpoint callbacks take rank 0's state. Every rank must call it. */
export function shareCheckpointState(
  callbacks: Callback[],
  isGlobalZero: boolean,
  broadcast: <T>(value: T) => T,
): void {
  const checkpoints = callbacks.filter(isCheckpointCallback);
  // stateDict() holds scores as scalar tensors: read them inside tidy, which frees them.
  const mine = isGlobalZero ? tidy(() => checkpoints.map((cb) => jsonSafe(cb.stateDict()))) : null;
  const states = broadcast(mine) ?? [];
  if (isGlobalZero) return;
  checkpoints.forEach((cb, i) => {
    const state = states[i];
    if (state === undefined) return;
    const withDir = cb as unknown as { dirpath?: string | null };
    if (typeof state.dirpath === "string" || state.dirpath === null) withDir.dirpath = state.dirpath;
    cb.loadStateDict(state);
  });
}

// Scores are scalar tensors, raw or not (or numbers); what crosses the store is JSON, so tensors become numbers first.
function jsonSafe(value: unknown): Record<string, unknown> {
  return plain(value) as Record<string, unknown>;
}

function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const scalar = value as { item?: unknown; storage?: unknown };
  if (typeof scalar.item === "function" || scalar.storage !== undefined) return scalarValue(value);
  if (value instanceof Map) return plain(Object.fromEntries(value));
  if (Array.isArray(value)) return value.map(plain);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}
