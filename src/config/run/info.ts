/**
 * `--info` (Hydra's `show_info`): the search path, the defaults list and tree, and the composed config;
 * Kiln adds `--info config=<key>`, the chain of sources (file:line or override) that set one value.
 */
import { GroupDefault, type InputDefault } from "../compose/default-element.js";
import { DefaultsTreeNode } from "../compose/defaults-tree.js";
import { formatProvenance, getNode, type Provenance, provenanceOf, toYaml } from "../omegaconf/index.js";
import type { HydraApp } from "./app.js";
import { sanitizedConfig } from "./show.js";

function header(title: string, filler: string): string[] {
  return [title, "".padEnd(title.length, filler)];
}

function widths(rows: string[][]): number[] {
  const w: number[] = [];
  for (const row of rows) for (let i = 0; i < row.length; i++) w[i] = Math.max(w[i] ?? 0, row[i].length);
  return w;
}

/** The config search path table. */
export function infoSearchPath(app: HydraApp, overrides: string[]): string[] {
  const { repo } = app.composeConfig({ overrides, mode: "RUN" });
  const rows = [["Provider", "Search path"], ...repo.sources.map((s) => [s.provider, s.url])];
  const [a, b] = widths(rows);
  const head = `| ${"Provider".padEnd(a)} | ${"Search path".padEnd(b)} |`;
  return [
    "",
    ...header("Config search path", "*"),
    ...header(head, "-"),
    ...rows.slice(1).map(([p, u]) => `| ${p.padEnd(a)} | ${u.padEnd(b)} |`),
    "".padEnd(head.length, "-"),
  ];
}

/** The final defaults list table. */
export function infoDefaultsList(app: HydraApp, overrides: string[]): string[] {
  const { defaultsList } = app.composeConfig({ overrides, mode: "RUN" });
  const rows = [
    ["Config path", "Package", "_self_", "Parent"],
    ...defaultsList.defaults.map((d) => [
      d.configPath,
      d.package,
      d.isSelf ? "True" : "False",
      d.parent ?? "",
    ]),
  ];
  const w = widths(rows);
  const head = `| ${rows[0].map((c, i) => c.padEnd(w[i])).join(" | ")} | `;
  return [
    "",
    ...header("Defaults List", "*"),
    ...header(head, "-"),
    ...rows.slice(1).map((r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`),
    "".padEnd(head.length, "-"),
  ];
}

function treeLabel(node: InputDefault): string {
  if (node.isVirtual()) return node.configPath();
  if (node instanceof GroupDefault) return `${node.overrideKey()}: ${node.name() ?? "null"}`;
  return node.configPath();
}

/** The defaults tree, indented two spaces per level (Hydra's `_print_defaults_tree_impl`). */
export function formatDefaultsTree(tree: DefaultsTreeNode | InputDefault, indent = 0): string[] {
  const pad = "  ".repeat(indent);
  if (tree instanceof DefaultsTreeNode) {
    const label = treeLabel(tree.node);
    if (tree.children && tree.children.length > 0) {
      return [`${pad}${label}:`, ...tree.children.flatMap((c) => formatDefaultsTree(c, indent + 1))];
    }
    return [`${pad}${label}`];
  }
  return [`${pad}${treeLabel(tree)}`];
}

/** The defaults tree section. */
export function infoDefaultsTree(app: HydraApp, overrides: string[]): string[] {
  const { defaultsList } = app.composeConfig({ overrides, mode: "RUN" });
  return ["", ...header("Defaults Tree", "*"), ...formatDefaultsTree(defaultsList.tree)];
}

/** Where each value of the chain came from, newest last. */
export function formatProvenanceChain(chain: Provenance[]): string[] {
  if (chain.length === 0) return ["  (no recorded source)"];
  return chain.map((p, i) => `  ${i === chain.length - 1 ? "=>" : "  "} ${formatProvenance(p)}`);
}

/** Search path, defaults tree and list, then the config; with `key`, the provenance of that key. */
export function infoConfig(app: HydraApp, overrides: string[], key: string | null): string[] {
  const out = [
    ...infoSearchPath(app, overrides),
    ...infoDefaultsTree(app, overrides),
    ...infoDefaultsList(app, overrides),
  ];
  const { cfg } = app.composeConfig({ overrides, mode: "RUN" });
  out.push(...header("Config", "*"), toYaml(sanitizedConfig(cfg, "job")));
  if (key !== null) {
    if (getNode(cfg, key) === undefined)
      throw new Error(`--info config=${key}: no key '${key}' in the composed config`);
    out.push(...header(`Sources of '${key}' (oldest first; => is the value in effect)`, "*"));
    out.push(...formatProvenanceChain(provenanceOf(cfg, key)));
  }
  return out;
}

/** The text of `--info <what>[=key]`. */
export function showInfo(app: HydraApp, what: string, overrides: string[], key: string | null): string {
  let lines: string[];
  switch (what) {
    case "searchpath":
      lines = infoSearchPath(app, overrides);
      break;
    case "defaults":
      lines = infoDefaultsList(app, overrides);
      break;
    case "defaults-tree":
      lines = infoDefaultsTree(app, overrides);
      break;
    case "config":
      lines = infoConfig(app, overrides, key);
      break;
    case "plugins":
      lines = [
        "",
        ...header("Installed Hydra Plugins", "*"),
        "\tSweeper:",
        "\t\tBasicSweeper",
        "\tLauncher:",
        "\t\tBasicLauncher",
      ];
      break;
    default:
      lines = [...header("Hydra (Kiln)", "="), ...infoConfig(app, overrides, key)];
  }
  return `${lines.join("\n")}\n`;
}
