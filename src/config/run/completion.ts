/**
 * Shell completion (Hydra's `--shell-completion`): `install=bash` prints a bash function that asks the
 * app for candidates, `query=bash` answers for `$COMP_LINE`: group names and their options, and config
 * keys of the composed config (`trainer.` then `trainer.max_epochs=`).
 */
import { DictNode } from "../omegaconf/index.js";
import type { HydraApp } from "./app.js";
import { listAllConfigGroups } from "./show.js";

/** Completion candidates for the last word of a command line (words before it are used as overrides). */
export function completeLine(app: HydraApp, line: string): string[] {
  const words = line.split(/\s+/).filter((w) => w.length > 0);
  const current = line.endsWith(" ") || words.length === 0 ? "" : (words.pop() as string);
  const previous = words.slice(1).filter((w) => !w.startsWith("-") && w.includes("="));
  if (current.startsWith("-")) return [];
  let composed: ReturnType<HydraApp["composeConfig"]>;
  try {
    composed = app.composeConfig({ overrides: previous, mode: "RUN", validateSweeps: false });
  } catch {
    composed = app.composeConfig({ overrides: [], mode: "RUN", validateSweeps: false });
  }
  const { repo, cfg } = composed;
  const prefixMatch = current.match(/^(\+{0,2}|~)/);
  const prefix = prefixMatch ? prefixMatch[0] : "";
  const word = current.slice(prefix.length);
  const eq = word.indexOf("=");
  if (eq !== -1) {
    const key = word.slice(0, eq);
    const partial = word.slice(eq + 1);
    const group = key.split("@")[0];
    if (repo.groupExists(group)) {
      return repo
        .groupOptions(group, "config")
        .filter((o) => o.startsWith(partial))
        .map((o) => `${prefix}${key}=${o}`);
    }
    return [];
  }
  const out: string[] = [];
  for (const g of listAllConfigGroups(repo)) {
    // Hydra's own groups are offered only once the user starts typing `hydra`.
    if (g.startsWith(word) && (!g.startsWith("hydra") || word.startsWith("hydra")))
      out.push(`${prefix}${g}=`);
  }
  const dot = word.lastIndexOf(".");
  const parentPath = dot === -1 ? "" : word.slice(0, dot);
  const leaf = dot === -1 ? word : word.slice(dot + 1);
  let node: unknown = cfg;
  for (const part of parentPath === "" ? [] : parentPath.split(".")) {
    node = node instanceof DictNode ? node.get(part) : undefined;
  }
  if (node instanceof DictNode) {
    for (const k of node.keys()) {
      if (!k.startsWith(leaf) || (parentPath === "" && k === "hydra" && !word.startsWith("hydra"))) continue;
      const full = parentPath === "" ? k : `${parentPath}.${k}`;
      if (out.includes(`${prefix}${full}=`)) continue;
      out.push(node.get(k) instanceof DictNode ? `${prefix}${full}.` : `${prefix}${full}=`);
    }
  }
  return out.sort();
}

/** The bash completion script for `prog` (`eval "$(prog -sc install=bash)"`). */
export function bashInstallScript(prog: string): string {
  const fn = `_kiln_hydra_complete_${prog.replace(/[^A-Za-z0-9_]/g, "_")}`;
  return `${fn}()
{
    local word="\${COMP_WORDS[COMP_CWORD]}"
    local choices
    choices=$(COMP_POINT=$COMP_POINT COMP_LINE="$COMP_LINE" ${prog} -sc query=bash 2>/dev/null)
    COMPREPLY=($(compgen -o nospace -o default -W "$choices" -- "$word"))
}
COMP_WORDBREAKS=\${COMP_WORDBREAKS//=}
complete -o nospace -o default -F ${fn} ${prog}
`;
}

/** Handles `-sc install=bash|uninstall=bash|query=bash`; returns the text to print. */
export function shellCompletion(app: HydraApp, overrides: string[], prog: string, env = process.env): string {
  const cmds = new Map(overrides.map((o) => o.split("=", 2) as [string, string]));
  const sub = ["install", "uninstall", "query"].filter((k) => cmds.has(k));
  if (sub.length !== 1)
    throw new Error("Expecting one subcommand from ['install', 'uninstall', 'query'] to be set");
  const shell = cmds.get(sub[0]);
  if (shell !== "bash") throw new Error(`No completion plugin for '${shell}' found, available : \n\tbash`);
  if (sub[0] === "install") return bashInstallScript(prog);
  if (sub[0] === "uninstall") return `complete -r ${prog}\n`;
  const line = (env.COMP_LINE ?? "").slice(0, env.COMP_POINT ? Number(env.COMP_POINT) : undefined);
  return `${completeLine(app, line).join(" ")}\n`;
}
