/**
 * Parsed trees of the config files Kiln ships, made at build time (`npm run build` runs
 * scripts/build-yaml-cache.mjs) into dist/yaml-cache.json. Parsing YAML with a cold JIT was most of
 * `kiln train --cfg job` (~45 of its ~75 ms of JavaScript). An entry is found by the file's whole text, so an
 * edited file or a user's own config is parsed as usual; provenance names the file being read, as the parser
 * would. KILN_YAML_CACHE=0 turns the cache off.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../common/package-root.js";
import { PyFloat } from "../../common/pyvalue.js";
import type { Provenance } from "./errors.js";
import { DictNode, ListNode, type Node, type Scalar, ValueNode } from "./nodes.js";

/** Where a node starts: [line, col], or [] where the parser recorded no position. */
type PackedWhere = [] | [number, number];
/** A scalar as JSON can hold it: PyFloats and non-finite or negative-zero numbers are tagged. */
type PackedValue = null | boolean | number | string | { f: number | string } | { n: string };
/** 0: mapping (ordered pairs), 1: sequence, 2: scalar. */
export type PackedNode =
  | [0, PackedWhere, [string, PackedNode][]]
  | [1, PackedWhere, PackedNode[]]
  | [2, PackedWhere, PackedValue];

/** The file's format; a cache of another version is ignored. */
export const YAML_CACHE_VERSION = 1;
const CACHE_FILE = join(packageRoot(import.meta.url), "dist", "yaml-cache.json");

const NUMBER_TAGS: Record<string, number> = { inf: Infinity, "-inf": -Infinity, nan: Number.NaN, "-0": -0 };

function packNumber(x: number): number | string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return Object.is(x, -0) ? "-0" : x;
}

function unpackNumber(x: number | string): number {
  return typeof x === "number" ? x : NUMBER_TAGS[x]!;
}

function packWhere(provenance: readonly Provenance[]): PackedWhere {
  const p = provenance[0];
  return p?.line !== undefined && p.col !== undefined ? [p.line, p.col] : [];
}

function packValue(v: Scalar): PackedValue {
  if (v instanceof PyFloat) return { f: packNumber(v.value) };
  if (typeof v === "number") {
    const packed = packNumber(v);
    return typeof packed === "number" ? packed : { n: packed };
  }
  return v;
}

/** A parsed tree as JSON (what the build step stores); positions only, the file is added when read. */
export function packTree(node: Node): PackedNode {
  const where = packWhere(node.provenance);
  if (node instanceof DictNode) return [0, where, [...node.children].map(([k, c]) => [k, packTree(c)])];
  if (node instanceof ListNode) return [1, where, node.items.map(packTree)];
  return [2, where, packValue(node.value)];
}

/** The tree `packTree` stored, with provenance naming `file` (as the parser gives it). */
export function unpackTree(packed: PackedNode, file: string | undefined): Node {
  const [kind, where, body] = packed;
  const provenance: Provenance = {};
  if (file !== undefined) provenance.file = file;
  if (where.length === 2) {
    provenance.line = where[0];
    provenance.col = where[1];
  }
  if (kind === 0) {
    const dict = new DictNode([provenance]);
    for (const [key, child] of body) dict.set(key, unpackTree(child, file));
    return dict;
  }
  if (kind === 1) {
    const list = new ListNode([provenance]);
    for (const child of body) list.append(unpackTree(child, file));
    return list;
  }
  let value: Scalar;
  if (body !== null && typeof body === "object") {
    value = "f" in body ? new PyFloat(unpackNumber(body.f)) : unpackNumber(body.n);
  } else {
    value = body;
  }
  return new ValueNode(value, [provenance]);
}

let entries: Map<string, PackedNode> | null | undefined;

function loadEntries(): Map<string, PackedNode> | null {
  if (entries !== undefined) return entries;
  entries = null;
  try {
    const raw = JSON.parse(readFileSync(CACHE_FILE, "utf8")) as {
      version?: number;
      entries?: [string, PackedNode][];
    };
    if (raw.version === YAML_CACHE_VERSION && Array.isArray(raw.entries)) entries = new Map(raw.entries);
  } catch {
    // No cache (a source checkout before `npm run build`) or an unreadable one: parse as usual.
  }
  return entries;
}

/** The prebuilt tree of a config file whose text is exactly `text`, or undefined (then parse it). */
export function prebuiltTree(text: string, file: string | undefined): DictNode | ListNode | undefined {
  if (process.env.KILN_YAML_CACHE === "0") return undefined;
  const packed = loadEntries()?.get(text);
  if (packed === undefined || packed[0] === 2) return undefined;
  return unpackTree(packed, file) as DictNode | ListNode;
}
