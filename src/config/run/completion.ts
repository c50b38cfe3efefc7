/**
 * Shell completion candidates (Hydra 1.3's CompletionPlugin._query, hydra/plugins/completion_plugin.py): for the
 * last word of a command line, the config groups (`db=`, `hydra/`), their options (`db=mysql`), the keys of the
 * config composed from the words before it (`trainer.`, `trainer.max_epochs=`) and a key's current value
 * (`trainer.max_epochs=10`), or files for a value that starts like a path (`ckpt_path=./`). `-sc query=<shell>`
 * prints them for the scripts of completion-scripts.ts, which call back into the program on every <TAB>.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";
import { pyStr } from "../../common/pyvalue.js";
import type { ConfigRepository } from "../compose/repository.js";
import { DictNode, ListNode, MissingMandatoryValue, select, ValueNode } from "../omegaconf/index.js";
import type { HydraApp } from "./app.js";
import { parseHydraArgs } from "./argv.js";

/** The overrides typed so far and whether `--multirun` is among the flags (Hydra's get_args on the line). */
function parseLine(words: string[]): { overrides: string[]; multirun: boolean } {
  try {
    const args = parseHydraArgs(words);
    return { overrides: args.overrides, multirun: args.multirun };
  } catch {
    // A flag still being typed (`-c` without its value): the words that look like overrides.
    const multirun = words.includes("-m") || words.includes("--multirun");
    return { overrides: words.filter((w) => !w.startsWith("-")), multirun };
  }
}

/** Python's os.path.join of two parts (Node's join would drop the "./" of "./x"). */
const pyJoin = (dir: string, file: string) =>
  dir === "" ? file : dir.endsWith("/") ? dir + file : `${dir}/${file}`;

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** Hydra's _get_filename: `key=` and the value when the value starts like a path. */
function filenameOf(word: string): [keyEq: string, filename: string] | null {
  const last = word.lastIndexOf("=");
  if (last === -1) return null;
  const filename = word.slice(last + 1);
  if (filename === "") return null;
  const lower = filename.toLowerCase();
  return [".", "/", "\\", "./", ".\\"].some((p) => lower.startsWith(p))
    ? [word.slice(0, last + 1), filename]
    : null;
}

/** Hydra's complete_files: the entries of the folder `word` names, or of its parent that start with its name. */
function completeFiles(word: string): string[] {
  if (isDir(word)) return readdirSync(word).map((f) => pyJoin(word, f));
  const dir = word.includes("/") ? dirname(word) : "";
  const files = isDir(dir) ? readdirSync(dir) : [];
  const prefix = basename(word);
  return files.filter((f) => f.startsWith(prefix)).map((f) => pyJoin(dir, f));
}

/** Hydra's _query_config_groups: groups and group options matching `word`, and whether it named a group's options. */
function queryConfigGroups(repo: ConfigRepository, typed: string): { matches: string[]; exact: boolean } {
  const isDeletion = typed.startsWith("~");
  const prefix = typed.startsWith("+") || isDeletion ? typed[0]! : "";
  const word = typed.slice(prefix.length);
  const lastEq = word.lastIndexOf("=");
  const lastSlash = word.lastIndexOf("/");
  const matches: string[] = [];
  let exact = false;
  if (lastEq !== -1) {
    const parent = word.slice(0, lastEq);
    for (const option of repo.groupOptions(parent, "config")) {
      const name = parent !== "" ? `${parent}=${option}` : option;
      if (name.startsWith(word)) matches.push(name);
      exact = true;
    }
  } else {
    const parent = lastSlash === -1 ? "" : word.slice(0, lastSlash);
    for (const group of repo.groupOptions(parent, "group")) {
      let name = parent !== "" ? `${parent}/${group}` : group;
      if (!name.startsWith(word)) continue;
      const files = repo.groupOptions(name, "config").length;
      const dirs = repo.groupOptions(name, "group").length;
      if (dirs === 0 && files > 0 && !isDeletion) name += "=";
      else if (dirs > 0 && files === 0) name += "/";
      matches.push(name);
    }
  }
  return { matches: matches.map((g) => `${prefix}${g}`), exact };
}

/** `key.` for a container, `key=` for a value (Hydra's str_rep). */
const keyRep = (key: string | number, node: unknown) =>
  node instanceof DictNode || node instanceof ListNode ? `${key}.` : `${key}=`;

/** A value as the candidate after `key=`: Python's str(), booleans lower case (Hydra's). */
const valueRep = (v: unknown): string => (typeof v === "boolean" ? String(v) : pyStr(v));

/** Hydra's _get_matches: the keys of `config` (a container) that complete `word`, or a key's value after `=`. */
function configMatches(config: unknown, word: string): string[] {
  if (config === null || config === undefined) return [];
  if (!(config instanceof DictNode || config instanceof ListNode)) return [];
  if (word.endsWith(".") || word.endsWith("=")) {
    const exactKey = word.slice(0, -1);
    let node: unknown;
    try {
      node = select(config, exactKey, { throwOnMissing: true });
    } catch (e) {
      if (!(e instanceof MissingMandatoryValue)) throw e;
      node = "";
    }
    if (node === null || node === undefined) return [];
    const keys =
      node instanceof DictNode || node instanceof ListNode ? configMatches(node, "") : [valueRep(node)];
    return keys.map((k) => `${word}${k}`);
  }
  const lastDot = word.lastIndexOf(".");
  if (lastDot !== -1) {
    const base = word.slice(0, lastDot);
    return configMatches(select(config, base), word.slice(lastDot + 1)).map((m) => `${base}.${m}`);
  }
  if (config instanceof DictNode)
    return config
      .keys()
      .filter((k) => k.startsWith(word))
      .map((k) => keyRep(k, config.get(k)));
  const out: string[] = [];
  config.items.forEach((item, i) => {
    if (!String(i).startsWith(word)) return;
    out.push(item instanceof ValueNode && item.isMissing() ? `${i}=` : keyRep(i, item));
  });
  return out;
}

/** Completion candidates for the last word of `line`, the arguments after the program (sorted, unique). */
export function completeLine(app: HydraApp, line: string): string[] {
  const newWord = line.length === 0 || line.endsWith(" ");
  const parsed = parseLine(line.split(/\s+/).filter((w) => w !== ""));
  let words = parsed.overrides;
  let word = "";
  if (!newWord && words.length > 0) {
    word = words.at(-1)!;
    words = words.slice(0, -1);
  }
  let result: string[];
  const file = filenameOf(word);
  if (file !== null) {
    result = completeFiles(file[1]).map((f) => file[0] + f);
  } else {
    let repo: ConfigRepository;
    try {
      repo = app.repository(words);
    } catch {
      repo = app.repository([]);
    }
    const { matches, exact } = queryConfigGroups(repo, word);
    let keys: string[] = [];
    if (!exact) {
      try {
        const mode = parsed.multirun ? "MULTIRUN" : "RUN";
        const { cfg } = app.composeConfig({ overrides: words, mode });
        keys = configMatches(cfg, word);
      } catch {
        // A config that does not compose yet (a `???` default, a bad override) offers no keys, as in Hydra.
      }
    }
    result = [...matches, ...keys];
  }
  return [...new Set(result)].sort();
}

/**
 * The arguments of a completion line: `COMP_LINE` up to the cursor without the program (Hydra's
 * strip_python_or_app_name: `python app.py` or the app's name) and, for a program whose apps are subcommands
 * (`kiln train`), without the subcommand `appName` either.
 */
export function completionArgs(compLine: string, appName: string, subcommand: boolean): string {
  const python = /^\s*[\w/]*python3?\s*[\w/.]*\s*(.*)$/s.exec(compLine);
  const app = /^\s*[\w\-=./]+\s*(.*)$/s.exec(compLine);
  let rest = python ? python[1]! : app ? app[1]! : compLine;
  if (subcommand && (rest === appName || rest.startsWith(`${appName} `) || rest.startsWith(`${appName}\t`)))
    rest = rest.slice(appName.length).replace(/^\s+/, "");
  return rest;
}
