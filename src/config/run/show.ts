/**
 * What `--cfg`, `--help` and `--hydra-help` print (Hydra's `show_cfg`, `app_help`, `hydra_help`): the
 * composed config or a part of it as YAML, and help pages generated from the config groups.
 */

import { pyStr } from "../../common/pyvalue.js";
import type { ConfigRepository } from "../compose/repository.js";
import { copyNode, DictNode, ListNode, type Node, resolve, select, toYaml } from "../omegaconf/index.js";
import type { HydraApp } from "./app.js";
import { formatFlagsHelp } from "./argv.js";

/** The config with only the job part, only the hydra part (minus help texts), or everything. */
export function sanitizedConfig(cfg: DictNode, cfgType: "job" | "hydra" | "all"): DictNode {
  const out = copyNode(cfg);
  out.setFlag("struct", false);
  if (cfgType === "job") out.delete("hydra");
  if (cfgType === "hydra") {
    for (const k of out.keys()) if (k !== "hydra") out.delete(k);
    const h = out.get("hydra");
    if (h instanceof DictNode) {
      h.delete("hydra_help");
      h.delete("help");
    }
  }
  return out;
}

/** Text of `--cfg job|hydra|all [--package p] [--resolve]`; throws when the package is absent. */
export function showCfg(
  app: HydraApp,
  overrides: string[],
  cfgType: "job" | "hydra" | "all",
  pkg: string | null,
  doResolve: boolean,
): string {
  const { cfg } = app.composeConfig({ overrides, mode: "RUN" });
  let ret: unknown = sanitizedConfig(cfg, cfgType);
  const p = pkg === "_global_" ? null : pkg;
  if (p !== null) {
    ret = select(ret as DictNode, p, { default: null });
    if (ret === null) throw new Error(`package '${p}' not found in config`);
  }
  if (!(ret instanceof DictNode || ret instanceof ListNode)) return `${pyStr(ret)}\n`;
  let node = ret as DictNode | ListNode;
  if (doResolve) {
    // Resolve in the full tree (interpolations may point outside the package), then take a copy.
    if (p !== null) {
      const full = sanitizedConfig(cfg, cfgType);
      resolve(full);
      node = select(full, p) as DictNode | ListNode;
    } else resolve(node);
  }
  return (p !== null ? `# @package ${p}\n` : "") + toYaml(node);
}

/** Every group that has options, recursively, as Hydra's `list_all_config_groups`. */
export function listAllConfigGroups(repo: ConfigRepository, parent = ""): string[] {
  const groups: string[] = [];
  for (const group of repo.groupOptions(parent, "group")) {
    const name = parent === "" ? group : `${parent}/${group}`;
    if (repo.groupOptions(name, "config").length > 0) groups.push(name);
    if (repo.groupOptions(name, "group").length > 0) groups.push(...listAllConfigGroups(repo, name));
  }
  return groups;
}

/** `group: a, b, c` lines for the groups that pass `predicate`, sorted. */
export function formatConfigGroups(repo: ConfigRepository, predicate: (g: string) => boolean): string {
  let s = "";
  for (const group of listAllConfigGroups(repo).filter(predicate).sort()) {
    s += `${group}: ${repo.groupOptions(group, "config").join(", ")}\n`;
  }
  return s;
}

const isHydraGroup = (g: string) => g === "hydra" || g.startsWith("hydra/");

/** Python's `string.Template.substitute` for the `$NAME` placeholders of the help templates. */
function substitute(template: string, values: Record<string, string>): string {
  return template.replace(
    /\$(\$|[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})/g,
    (whole, name: string) => {
      if (name === "$") return "$";
      const key = name.startsWith("{") ? name.slice(1, -1) : name;
      if (!(key in values)) throw new Error(`help template: unknown placeholder ${whole}`);
      return values[key];
    },
  );
}

function helpText(
  templateNode: Node | string,
  repo: ConfigRepository,
  cfg: DictNode,
  prog: string,
  doResolve: boolean,
) {
  const template = String(templateNode);
  let shown = cfg;
  if (doResolve) {
    shown = copyNode(cfg);
    resolve(shown);
  }
  return substitute(template, {
    FLAGS_HELP: formatFlagsHelp(prog),
    HYDRA_CONFIG_GROUPS: formatConfigGroups(repo, isHydraGroup),
    APP_CONFIG_GROUPS: formatConfigGroups(repo, (g) => !isHydraGroup(g)),
    CONFIG: toYaml(shown),
  });
}

/** `--help`: the app's help page (config groups and the composed config). */
export function appHelp(app: HydraApp, overrides: string[], doResolve: boolean, prog: string): string {
  const { cfg, repo } = app.composeConfig({ overrides, mode: "RUN" });
  const template = select(cfg, "hydra.help.template") as string;
  return `${helpText(template, repo, sanitizedConfig(cfg, "job"), prog, doResolve)}\n`;
}

/** `--hydra-help`: Hydra's flags and the `hydra/...` groups. */
export function hydraHelp(app: HydraApp, overrides: string[], prog: string): string {
  const { cfg, repo } = app.composeConfig({ overrides, mode: "RUN", configName: null });
  const template = select(cfg, "hydra.hydra_help.template") as string;
  return `${helpText(template, repo, sanitizedConfig(cfg, "hydra"), prog, false)}\n`;
}
