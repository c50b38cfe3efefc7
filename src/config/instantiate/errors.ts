/**
 * instantiate's errors, in Hydra's layout: what failed, the real cause on the next line, then (added by
 * ConfigError, as for every config error) `  full_key: model.optimizer` and `  at configs/model/mnist.yaml:7:5`.
 */
import { ConfigError, type Provenance } from "../omegaconf/errors.js";

/** Hydra's InstantiationException: `keyPath` is the config node's full key, `cause` the original error. */
export class InstantiationError extends ConfigError {}

/** One line for a cause: `TypeError: message` (an Error) or the value itself. */
export function describeCause(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Where an error points: the node's full key and the provenance chain of the value to blame. */
export interface ErrorSite {
  fullKey: string;
  provenance?: readonly Provenance[];
}

/** Build an InstantiationError: `headline`, the cause (if any), then ConfigError's `full_key:` and `at` lines. */
export function instantiationError(headline: string, site: ErrorSite, cause?: unknown): InstantiationError {
  let reason = headline;
  if (cause !== undefined) reason += `\n${describeCause(cause)}`;
  return new InstantiationError(reason, {
    ...(site.fullKey !== "" ? { keyPath: site.fullKey } : {}),
    ...(site.provenance !== undefined && site.provenance.length > 0 ? { provenance: site.provenance } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}
