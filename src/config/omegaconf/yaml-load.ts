/**
 * Reading YAML config files the way OmegaConf 2.3 does: PyYAML's SafeLoader (YAML 1.1 scalars: `yes`/`off`
 * booleans, `0755` octal, `1_000`, `1:30` sexagesimal) with OmegaConf's patches (`1e-3` is a float,
 * timestamps stay strings, duplicate keys are errors). The `yaml` package parses (failsafe schema, every
 * scalar a string) and this module types the plain scalars itself, recording file:line provenance.
 */
import { readFileSync } from "node:fs";
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
  type Scalar as YamlScalar,
} from "yaml";
import { PyFloat } from "../../common/pyvalue.js";
import { ConfigError, type Provenance } from "./errors.js";
import { DictNode, ListNode, type Node, type Scalar, ValueNode } from "./nodes.js";
import { prebuiltTree } from "./yaml-cache.js";

/** A parsed config file: its tree and its header (`# @package foo` gives `{package: "foo"}`). */
export interface ParsedYamlConfig {
  node: DictNode | ListNode;
  header: Record<string, string>;
}

const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
// PyYAML's float resolver plus OmegaConf's patch (exponent without a dot, optional exponent sign).
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** PyYAML's construct_yaml_int. */
function constructInt(text: string): number {
  let v = text.replaceAll("_", "");
  const sign = v.startsWith("-") ? -1 : 1;
  if (v[0] === "-" || v[0] === "+") v = v.slice(1);
  if (v === "0") return 0;
  if (v.startsWith("0b")) return sign * Number.parseInt(v.slice(2), 2);
  if (v.startsWith("0x")) return sign * Number.parseInt(v.slice(2), 16);
  if (v.startsWith("0")) return sign * Number.parseInt(v, 8);
  if (v.includes(":"))
    return sign * v.split(":").reduce((acc, part) => acc * 60 + Number.parseInt(part, 10), 0);
  return sign * Number.parseInt(v, 10);
}

/** PyYAML's construct_yaml_float. */
function constructFloat(text: string): number {
  let v = text.replaceAll("_", "").toLowerCase();
  const sign = v.startsWith("-") ? -1 : 1;
  if (v[0] === "-" || v[0] === "+") v = v.slice(1);
  if (v === ".inf") return sign * Number.POSITIVE_INFINITY;
  if (v === ".nan") return Number.NaN;
  if (v.includes(":")) return sign * v.split(":").reduce((acc, part) => acc * 60 + Number(part), 0);
  return sign * Number(v);
}

/** The value PyYAML's implicit resolvers give a plain (unquoted) scalar. */
export function resolvePlainScalar(text: string): Scalar {
  if (NULL_RE.test(text)) return null;
  if (BOOL_RE.test(text)) return /^(?:yes|true|on)$/i.test(text);
  if (INT_RE.test(text)) return constructInt(text);
  if (FLOAT_RE.test(text)) return new PyFloat(constructFloat(text));
  return text;
}

class Loader {
  private readonly lines = new LineCounter();
  private readonly doc: Document.Parsed;

  constructor(
    text: string,
    private readonly file: string | undefined,
  ) {
    this.doc = parseDocument(text, {
      lineCounter: this.lines,
      schema: "failsafe",
      version: "1.1",
      uniqueKeys: false,
      prettyErrors: false,
    });
    const err = this.doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0] ?? this.lines.linePos(err.pos[0]);
      throw new ConfigError(`YAML syntax error: ${err.message.split("\n")[0]}`, {
        provenance: [{ file, line: pos?.line, col: pos?.col }],
      });
    }
  }

  private where(offset: number | undefined): Provenance {
    const p: Provenance = {};
    if (this.file !== undefined) p.file = this.file;
    if (offset !== undefined) {
      const { line, col } = this.lines.linePos(offset);
      p.line = line;
      p.col = col;
    }
    return p;
  }

  private fail(message: string, offset: number | undefined): never {
    throw new ConfigError(message, { provenance: [this.where(offset)] });
  }

  root(): DictNode | ListNode {
    const contents = this.doc.contents as YamlNode | null;
    if (contents === null) return new DictNode([this.where(0)]);
    const node = this.build(contents, contents.range?.[0]);
    if (node instanceof ValueNode) {
      if (node.value === null) return new DictNode([this.where(0)]);
      this.fail(
        `A config file must hold a mapping or a sequence, not a scalar: ${String(node.value)}`,
        contents.range?.[0],
      );
    }
    return node;
  }

  private build(n: YamlNode | null, at: number | undefined): Node {
    if (n === null) return new ValueNode(null, [this.where(at)]);
    if (isAlias(n)) {
      const target = (n as Alias).resolve(this.doc);
      if (!target) this.fail(`Unknown YAML alias *${(n as Alias).source}`, n.range?.[0]);
      return this.build(target as YamlNode, at);
    }
    if (isScalar(n)) return new ValueNode(this.scalar(n), [this.where(at)]);
    if (isSeq(n)) {
      const list = new ListNode([this.where(at)]);
      for (const item of n.items)
        list.append(this.build(item as YamlNode, (item as YamlNode | null)?.range?.[0] ?? at));
      return list;
    }
    if (isMap(n)) return this.mapping(n.items, at);
    return this.fail("Unsupported YAML node", at);
  }

  private scalar(n: YamlScalar): Scalar {
    const text = String(n.value ?? "");
    const tag = n.tag;
    if (tag === undefined || tag === "!") {
      if (n.type === "PLAIN") {
        if (text === "=")
          this.fail("could not determine a constructor for the tag 'tag:yaml.org,2002:value'", n.range?.[0]);
        return resolvePlainScalar(text);
      }
      return text;
    }
    const short = tag.replace("tag:yaml.org,2002:", "!!");
    switch (short) {
      case "!!str":
        return text;
      case "!!int":
        if (INT_RE.test(text)) return constructInt(text);
        break;
      case "!!float":
        if (FLOAT_RE.test(text) || INT_RE.test(text)) return new PyFloat(constructFloat(text));
        break;
      case "!!bool":
        if (BOOL_RE.test(text)) return /^(?:yes|true|on)$/i.test(text);
        break;
      case "!!null":
        return null;
    }
    return this.fail(
      `could not determine a constructor for the tag '${tag}' (value '${text}')`,
      n.range?.[0],
    );
  }

  private mapping(items: { key: unknown; value: unknown }[], at: number | undefined): DictNode {
    const dict = new DictNode([this.where(at)]);
    const seen = new Set<string>();
    const merged: DictNode[] = [];
    const own: [string, Node][] = [];
    for (const pair of items) {
      const keyNode = pair.key as YamlNode | null;
      const keyAt = keyNode?.range?.[0];
      if (
        keyNode &&
        isScalar(keyNode) &&
        keyNode.type === "PLAIN" &&
        keyNode.value === "<<" &&
        !keyNode.tag
      ) {
        merged.push(...this.mergeSources(pair.value as YamlNode | null, keyAt));
        continue;
      }
      if (keyNode && !isScalar(keyNode) && !isAlias(keyNode)) this.fail("Config keys must be scalars", keyAt);
      const keyValue =
        keyNode === null ? null : isAlias(keyNode) ? this.build(keyNode, keyAt) : this.scalar(keyNode);
      const raw = keyValue instanceof ValueNode ? keyValue.value : keyValue;
      // OmegaConf keys are str/int/float/bool; Kiln keeps them all as strings (`1: a` gives key "1").
      const key = raw === null ? "None" : raw === true ? "True" : raw === false ? "False" : String(raw);
      // OmegaConf's loader only rejects duplicates among keys that load as strings; for other keys
      // (`1:`, `yes:`) PyYAML silently keeps the last value.
      if (typeof raw === "string" && keyNode && isScalar(keyNode)) {
        const dupKey = String(keyNode.value);
        if (seen.has(dupKey)) this.fail(`while constructing a mapping: found duplicate key ${dupKey}`, keyAt);
        seen.add(dupKey);
      }
      own.push([key, this.build(pair.value as YamlNode | null, keyAt)]);
    }
    // PyYAML puts merged (`<<`) keys first, later sources first (so earlier ones win), then the own keys.
    for (const source of merged.reverse()) for (const [k, child] of [...source.children]) dict.set(k, child);
    for (const [k, child] of own) dict.set(k, child);
    return dict;
  }

  private mergeSources(value: YamlNode | null, at: number | undefined): DictNode[] {
    const built = this.build(value, at);
    const sources = built instanceof ListNode ? built.items : [built];
    return sources.map((s) => {
      if (!(s instanceof DictNode)) this.fail("expected a mapping or list of mappings for merging", at);
      return s;
    });
  }
}

/** Hydra's `_get_header_dict`: `# @key value` comment lines at the top, up to the first other line. */
export function parseHeader(text: string, file?: string): Record<string, string> {
  const header: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "") continue;
    if (!/^\s*#\s*@/.test(line)) break;
    const parts = line
      .replace(/^#+/, "")
      .trim()
      .split(" ")
      .filter((s) => s.length > 0);
    const where = file !== undefined ? [{ file }] : undefined;
    if (parts.length < 2)
      throw new ConfigError(`Expected header format: KEY VALUE, got '${line}'`, { provenance: where });
    if (parts.length > 2) throw new ConfigError(`Too many components in '${line}'`, { provenance: where });
    if (parts[0].startsWith("@")) header[parts[0].slice(1)] = parts[1];
  }
  return header;
}

/** Parse YAML text into a node tree (YAML 1.1 scalars, positions recorded as provenance). */
export function parseYamlConfig(text: string, source: { file?: string } = {}): ParsedYamlConfig {
  const header = parseHeader(text, source.file);
  const node = prebuiltTree(text, source.file) ?? new Loader(text, source.file).root();
  return { node, header };
}

/** Read and parse a YAML config file; provenance names `path`. */
export function loadYamlConfigFile(path: string): ParsedYamlConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`Cannot read config file: ${(e as Error).message}`, {
      provenance: [{ file: path }],
      cause: e,
    });
  }
  return parseYamlConfig(text, { file: path });
}
