/** `seed_everything` for Kiln: seeds libtorch's global generator (weights, shuffling, dropout). */
import { getLogger } from "../config/run/logger.js";
import { envRank, rankPrefixed } from "./ranked-logger.js";

const log = getLogger("lightning.fabric.utilities.seed");

/** Seeds every generator Kiln draws from and records the seed in PL_GLOBAL_SEED, as Lightning does. */
export async function seedEverything(seed: number): Promise<number> {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed=${seed} is out of bounds: it must be an integer between 0 and 4294967295`);
  }
  const { manualSeed } = await import("../torch/runtime.js");
  manualSeed(seed);
  process.env.PL_GLOBAL_SEED = String(seed);
  log.info(rankPrefixed(`Seed set to ${seed}`, envRank()));
  return seed;
}
