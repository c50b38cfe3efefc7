/**
 * `extras.enforce_tags` (the template's `enforce_tags`): when the config has no tags, ask for them on a
 * terminal ("Enter a list of comma separated tags", default `dev`); refuse in a multirun or without a
 * terminal, where nobody can answer; save the tags to `tags.log` in the output dir.
 */

import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { writeFileAtomic } from "../common/files.js";
import { pyRepr } from "../common/pyrepr.js";
import { type DictConfig, getHydraConfig, nodeOfView, select, update } from "../config/index.js";
import { cfgGet, outputDir, toPlain } from "./config-access.js";
import { RankedLogger } from "./ranked-logger.js";

const log = new RankedLogger("src.utils.rich_utils", true);

/** Where the tags prompt reads and writes (tests inject streams; default: stdin/stdout). */
export interface PromptIO {
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream;
}

/** Python's repr of a list of tags: `['dev', 'mnist']`. */
export function tagsRepr(tags: unknown[]): string {
  return pyRepr(tags.map(String));
}

function inMultirun(): boolean {
  const hydra = getHydraConfig();
  if (hydra === null) return false;
  return (
    select(hydra, "job.id", { default: null }) !== null ||
    select(hydra, "mode", { default: null }) === "MULTIRUN"
  );
}

/** Asks "Enter a list of comma separated tags" (default `dev`) and returns the answer split on commas. */
export async function promptTags(io: PromptIO = {}): Promise<string[]> {
  const input = io.input ?? process.stdin;
  const output = io.output ?? process.stdout;
  const rl = createInterface({ input, output, terminal: false });
  try {
    const answer = (await rl.question("Enter a list of comma separated tags (dev): ")).trim();
    const tags = (answer === "" ? "dev" : answer)
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t !== "");
    return tags.length > 0 ? tags : ["dev"];
  } finally {
    rl.close();
  }
}

/** Fills `cfg.tags` from a prompt when empty (errors in multirun or without a TTY); writes `tags.log`. */
export async function enforceTags(
  cfg: DictConfig,
  opts: PromptIO & { saveToFile?: boolean } = {},
): Promise<string[]> {
  let tags = toPlain(cfgGet(cfg, "tags")) as unknown[] | null;
  if (!Array.isArray(tags) || tags.length === 0) {
    if (inMultirun()) {
      throw new Error(
        "Specify tags before launching a multirun! The config has no tags and extras.enforce_tags=true, " +
          "but a sweep cannot stop to ask. Pass them, e.g. `tags=[exp1]`, or set `extras.enforce_tags=false`.",
      );
    }
    const input = opts.input ?? process.stdin;
    if (input.isTTY !== true) {
      throw new Error(
        "No tags provided in config, and stdin is not a terminal to ask for them (extras.enforce_tags=true). " +
          "Pass them on the command line, e.g. `tags=[dev]`, or set `extras.enforce_tags=false`.",
      );
    }
    log.warning("No tags provided in config. Prompting user to input tags...");
    tags = await promptTags(opts);
    // open_dict in the template: the key may be absent in struct mode.
    const root = nodeOfView(cfg);
    if (root !== undefined) update(root, "tags", tags, { forceAdd: true, merge: false });
    log.info(`Tags: ${tagsRepr(tags)}`);
  }
  if (opts.saveToFile) {
    writeFileAtomic(join(outputDir(cfg), "tags.log"), `${tagsRepr(tags)}\n`, { place: "paths.output_dir" });
  }
  return tags.map(String);
}
