/**
 * `extras(cfg)`: the template's optional utilities, applied before the task starts and driven by
 * `cfg.extras`: `ignore_warnings` (silence Node process warnings, through which Kiln's own warnings also go),
 * `enforce_tags` (ask for tags when there are none, save `tags.log`) and `print_config` (print the config tree,
 * save `config_tree.log`).
 */
import type { DictConfig } from "../config/index.js";
import { cfgGet, truthy } from "./config-access.js";
import { printConfigTree } from "./config-tree.js";
import { currentRank, RankedLogger } from "./ranked-logger.js";
import { enforceTags, type PromptIO } from "./tags.js";

const log = new RankedLogger("src.utils.utils", true);

/** Options of extras: where the tags prompt reads/writes and where the tree is printed. */
export interface ExtrasOptions extends PromptIO {
  write?: (text: string) => void;
  colorOut?: boolean;
}

/** Removes Node's warning printer: `process.emitWarning` (Kiln's and Node's warnings) then prints nothing. */
export function ignoreWarnings(): void {
  process.removeAllListeners("warning");
  process.noDeprecation = true;
}

/** Applies `cfg.extras`; warns and returns when the config has no `extras`. */
export async function extras(cfg: DictConfig, opts: ExtrasOptions = {}): Promise<void> {
  const ex = cfgGet(cfg, "extras") as DictConfig | null;
  if (!truthy(ex)) {
    log.warning("Extras config not found! <cfg.extras=null>");
    return;
  }
  if (truthy(cfgGet(ex, "ignore_warnings"))) {
    log.info("Disabling python warnings! <cfg.extras.ignore_warnings=True>");
    ignoreWarnings();
  }
  // The template's enforce_tags and print_config_tree are @rank_zero_only: launched ranks neither ask nor print.
  const rankZero = currentRank() === 0;
  if (rankZero && truthy(cfgGet(ex, "enforce_tags"))) {
    log.info("Enforcing tags! <cfg.extras.enforce_tags=True>");
    await enforceTags(cfg, { ...opts, saveToFile: true });
  }
  if (rankZero && truthy(cfgGet(ex, "print_config"))) {
    log.info("Printing config tree with Rich! <cfg.extras.print_config=True>");
    printConfigTree(cfg, { resolve: true, saveToFile: true, write: opts.write, colorOut: opts.colorOut });
  }
}
