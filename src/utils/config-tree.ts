/**
 * The config printed as a tree (the template's `print_config_tree`, drawn like rich.tree): one branch per
 * top-level field, the chosen fields first, each branch holding the field's YAML. Colour codes only go to a
 * terminal; `config_tree.log` gets the same tree in plain text.
 */

import { join } from "node:path";
import { writeFileAtomic } from "../common/files.js";
import { pyRepr } from "../common/pyrepr.js";
import { pyStr } from "../common/pyvalue.js";
import {
  type DictConfig,
  DictNode,
  ListNode,
  nodeOfView,
  resolveNode,
  toContainer,
  toYaml,
  ValueNode,
} from "../config/index.js";
import { outputDir } from "./config-access.js";
import { RankedLogger } from "./ranked-logger.js";

const log = new RankedLogger("src.utils.rich_utils", true);

/** The fields printed first, in this order (LHT's print_order); the others follow in config order. */
export const PRINT_ORDER = ["data", "model", "callbacks", "logger", "trainer", "paths", "extras"] as const;

const DIM = "\x1b[2m";
const RESET = "\x1b[0m";
const KEY = "\x1b[38;5;204m"; // rich's yaml theme colours keys pink-red
const VALUE = "\x1b[38;5;186m"; // and values yellow

/** Options of renderConfigTree. */
export interface ConfigTreeOptions {
  printOrder?: readonly string[];
  /** Resolve interpolations (default true, as the template's extras call it). */
  resolve?: boolean;
  /** Emit ANSI colours. */
  color?: boolean;
  /** Warn about print-order fields missing from the config (default true). */
  warnMissing?: boolean;
}

function colorYamlLine(line: string): string {
  const m = /^(\s*(?:- )?)([^:#'"][^:]*?):( .*)?$/.exec(line);
  if (!m) return `${VALUE}${line}${RESET}`;
  return `${m[1]}${KEY}${m[2]}${RESET}:${m[3] ? `${VALUE}${m[3]}${RESET}` : ""}`;
}

function branchText(cfg: DictConfig, field: string, resolve: boolean): string {
  const root = nodeOfView(cfg);
  const child = root instanceof DictNode ? root.get(field) : undefined;
  if (child === undefined) return "None";
  let value: unknown;
  try {
    value = resolve ? resolveNode(child) : child;
  } catch {
    value = child; // e.g. `???` (ckpt_path of eval): printed as written
  }
  // Dicts print as YAML; anything else as Python's str() of it (a list of tags reads `['dev']`).
  if (value instanceof DictNode) return toYaml(value, { resolve }).replace(/\n$/, "");
  if (value instanceof ListNode) return pyRepr(toContainer(value, { resolve, keepFloats: true }));
  return pyStr(value instanceof ValueNode ? value.value : value);
}

/** The tree as text: `CONFIG`, then `├── field` branches whose content is the field's YAML. */
export function renderConfigTree(cfg: DictConfig, opts: ConfigTreeOptions = {}): string {
  const order = opts.printOrder ?? PRINT_ORDER;
  const resolve = opts.resolve ?? true;
  const color = opts.color ?? false;
  const dim = (s: string) => (color ? `${DIM}${s}${RESET}` : s);
  const queue: string[] = [];
  for (const field of order) {
    if (field in cfg) queue.push(field);
    else if (opts.warnMissing !== false)
      log.warning(`Field '${field}' not found in config. Skipping '${field}' config printing...`);
  }
  for (const field of Object.keys(cfg)) if (!queue.includes(field)) queue.push(field);
  const lines = [dim("CONFIG")];
  queue.forEach((field, i) => {
    const last = i === queue.length - 1;
    lines.push(`${dim(last ? "└── " : "├── ")}${dim(field)}`);
    const guide = last ? "    " : "│   ";
    branchText(cfg, field, resolve)
      .split("\n")
      .forEach((line, j) => {
        const lead = j === 0 ? "└── " : "    ";
        lines.push(`${dim(guide + lead)}${color ? colorYamlLine(line) : line}`);
      });
  });
  return `${lines.join("\n")}\n`;
}

/** Prints the tree (coloured on a terminal) and, with `saveToFile`, writes it plain to `config_tree.log`. */
export function printConfigTree(
  cfg: DictConfig,
  opts: ConfigTreeOptions & { saveToFile?: boolean; write?: (text: string) => void; colorOut?: boolean } = {},
): string {
  const write = opts.write ?? ((t: string) => void process.stdout.write(t));
  const color = opts.colorOut ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  write(renderConfigTree(cfg, { ...opts, color }));
  const plain = renderConfigTree(cfg, { ...opts, color: false, warnMissing: false });
  if (opts.saveToFile) {
    writeFileAtomic(join(outputDir(cfg), "config_tree.log"), plain, { place: "paths.output_dir" });
  }
  return plain;
}
