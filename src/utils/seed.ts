/** `seed_everything` for Kiln: seeds libtorch's global generator (weights, shuffling, dropout). */
import { ConfigError, type DictConfig, getNode, nodeOfView } from "../config/index.js";
import { getLogger } from "../config/run/logger.js";
import { cfgGet, truthy } from "./config-access.js";
import { envRank, rankPrefixed } from "./ranked-logger.js";

const log = getLogger("lightning.fabric.utilities.seed");
const MAX_SEED = 0xffffffff;

/** Seeds every generator Kiln draws from and records the seed in PL_GLOBAL_SEED, as Lightning does. */
export async function seedEverything(seed: number): Promise<number> {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`seed=${seed} is out of bounds: it must be an integer between 0 and ${MAX_SEED}`);
  }
  const { manualSeed } = await import("../torch/runtime.js");
  manualSeed(seed);
  process.env.PL_GLOBAL_SEED = String(seed);
  log.info(rankPrefixed(`Seed set to ${seed}`, envRank()));
  return seed;
}

/**
 * The config's `seed` as Lightning's seed_everything reads it (Python's int(): a whole number, a numeric
 * string, a float truncated), or null when it is unset or falsy. Anything else, or a value out of [0, 2^32),
 * is a ConfigError at the file line or command-line override that set `seed`.
 */
export function configSeed(cfg: DictConfig): number | null {
  const raw = cfgGet(cfg, "seed");
  if (!truthy(raw)) return null;
  const value = typeof raw === "object" && raw !== null ? Number(raw) : raw; // a PyFloat
  const n =
    typeof value === "number"
      ? Math.trunc(value)
      : typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (Number.isInteger(n) && n >= 0 && n <= MAX_SEED) return n;
  const root = nodeOfView(cfg);
  const provenance = root === undefined ? undefined : getNode(root, "seed")?.provenance;
  const what = Number.isNaN(n)
    ? `seed=${String(raw)} is not an integer`
    : `seed=${String(raw)} is out of bounds (Lightning's seed_everything accepts 0 to ${MAX_SEED})`;
  throw new ConfigError(
    `${what}: set seed to a whole number from 0 to ${MAX_SEED}, or seed=null not to seed`,
    {
      keyPath: "seed",
      ...(provenance !== undefined && provenance.length > 0 ? { provenance } : {}),
    },
  );
}
