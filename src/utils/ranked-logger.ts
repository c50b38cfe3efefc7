// The template's RankedLogger (src/utils/pylogger.py): every message starts with "[rank: N] ", and a logger made
// with rankZeroOnly (all of the template's are) stays silent on the other ranks of a multi-process run.
import { getLogger, LEVELS, type Logger } from "../config/run/logger.js";

/** Lightning's _get_rank(): the first of these variables that is set, else undefined (no launcher). */
export function envRank(env: NodeJS.ProcessEnv = process.env): number | undefined {
  for (const key of ["RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK"]) {
    const raw = env[key];
    if (raw !== undefined && raw !== "" && Number.isInteger(Number(raw))) return Number(raw);
  }
  return undefined;
}

/** Lightning's rank_zero_only.rank before a strategy sets it: envRank(), else 0. */
export function currentRank(env: NodeJS.ProcessEnv = process.env): number {
  return envRank(env) ?? 0;
}

/** Lightning's rank_prefixed_message: "[rank: N] message", the message alone when the rank is unknown. */
export function rankPrefixed(message: string, rank: number | undefined): string {
  return rank === undefined ? message : `[rank: ${rank}] ${message}`;
}

/** A logger adapter that prefixes the rank (Lightning's rank_prefixed_message). */
export class RankedLogger {
  readonly #logger: Logger;

  constructor(
    name: string,
    readonly rankZeroOnly = false,
  ) {
    this.#logger = getLogger(name);
  }

  /** Logs on this rank (on rank 0 only when rankZeroOnly, or only on `rank` when given). */
  log(level: number, message: string, rank?: number): void {
    if (!this.#logger.isEnabledFor(level)) return;
    const current = currentRank();
    if (this.rankZeroOnly ? current !== 0 : rank !== undefined && rank !== current) return;
    this.#logger.log(level, rankPrefixed(message, current));
  }
  debug(message: string): void {
    this.log(LEVELS.DEBUG, message);
  }
  info(message: string): void {
    this.log(LEVELS.INFO, message);
  }
  warning(message: string): void {
    this.log(LEVELS.WARNING, message);
  }
  error(message: string): void {
    this.log(LEVELS.ERROR, message);
  }
  critical(message: string): void {
    this.log(LEVELS.CRITICAL, message);
  }
}
