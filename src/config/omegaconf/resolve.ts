/**
 * Resolving interpolations against the tree, following OmegaConf 2.3's grammar visitor: a value that is a
 * single `${...}` keeps the target's type (and may be a whole container), anything else is a string built
 * with Python's str() of each piece. Errors name the key and the file:line of the interpolating value.
 */
import { PyFloat } from "../../common/pyvalue.js";
import {
  ConfigError,
  ConfigKeyError,
  GrammarParseError,
  InterpolationKeyError,
  InterpolationResolutionError,
  InterpolationToMissingValueError,
  MissingMandatoryValue,
  UnsupportedInterpolationType,
} from "./errors.js";
import {
  type Element,
  type Interpolation,
  isInterpolation,
  parseConfigValue,
  parseSingleElement,
  type TextItem,
} from "./grammar.js";
import type { Token } from "./grammar-lexer.js";
import { resolveKeyAndRoot, selectImpl } from "./key-path.js";
import { nodeStr } from "./node-str.js";
import { type ContainerNode, isNode, type Node, type Scalar, ValueNode } from "./nodes.js";
import { attachResult } from "./plain.js";
import { callResolver } from "./resolvers.js";

/** The interpolation nodes being resolved right now, to detect cycles. */
export type Memo = Set<Node>;

/** A resolved value: a scalar (floats as PyFloat) or a container node. */
export type ResolvedValue = Scalar | ContainerNode;

/** Context of one interpolation evaluation: the node that holds it. */
export interface EvalContext {
  node: ValueNode;
  memo: Memo;
}

/** The resolved value of a node: interpolations evaluated, `???` raises MissingMandatoryValue. */
export function resolveNode(node: Node): ResolvedValue {
  const target = derefNode(node, new Set());
  if (target instanceof ValueNode) {
    if (target.isMissing()) {
      throw new MissingMandatoryValue(`Missing mandatory value: ${node.keyPath()}`, {
        keyPath: node.keyPath(),
        provenance: node.provenance,
      });
    }
    return target.value;
  }
  return target;
}

/**
 * The node that holds a node's final value: the node itself when it is not an interpolation, else the
 * interpolation's target node or a detached node wrapping the computed value (its parent is set so
 * relative interpolations inside a resolver's result work).
 */
export function derefNode(node: Node, memo: Memo): Node {
  if (!(node instanceof ValueNode) || !node.isInterpolation()) return node;
  if (memo.has(node)) {
    throw new InterpolationResolutionError("Recursive interpolation detected", {
      keyPath: node.keyPath(),
      provenance: node.provenance,
    });
  }
  memo.add(node);
  try {
    return evaluateValue(node, memo);
  } catch (e) {
    throw withLocation(e, node);
  } finally {
    memo.delete(node);
  }
}

/** Give an error the key path and provenance of the value whose interpolation failed (innermost wins). */
function withLocation(e: unknown, node: ValueNode): unknown {
  // As in OmegaConf's resolve_parse_tree, only interpolation (and grammar) errors pass through unwrapped.
  if (e instanceof InterpolationResolutionError || e instanceof GrammarParseError) {
    if (e.keyPath !== undefined || e.provenance !== undefined) return e;
    const Ctor = e.constructor as new (reason: string, options: object) => ConfigError;
    const err = new Ctor(e.reason, { keyPath: node.keyPath(), provenance: node.provenance, cause: e.cause });
    err.stack = `${err.name}: ${err.message}\n${(e.stack ?? "").split("\n").slice(1).join("\n")}`;
    return err;
  }
  const name = e instanceof Error ? e.constructor.name : "Error";
  const message = e instanceof ConfigError ? e.reason : e instanceof Error ? e.message : String(e);
  return new InterpolationResolutionError(`${name} raised while resolving interpolation: ${message}`, {
    keyPath: node.keyPath(),
    provenance: node.provenance,
    cause: e,
  });
}

function evaluateValue(node: ValueNode, memo: Memo): Node {
  const tree = parseConfigValue(node.value as string);
  const ctx: EvalContext = { node, memo };
  const single = tree.items.length === 1 ? tree.items[0] : undefined;
  if (single && isInterpolation(single)) {
    const result = evalInterpolation(single, ctx);
    return isNode(result) ? result : attachResult(result, node);
  }
  return attachResult(concatText(tree.items, ctx, "top"), node);
}

/** OmegaConf's `_get_value`: a value node gives its value, containers stay nodes. */
function unbox(v: unknown): unknown {
  return v instanceof ValueNode ? v.value : v;
}

function evalInterpolation(interp: Interpolation, ctx: EvalContext): unknown {
  if (interp.kind === "node") {
    const key = interp.parts.map((p) => (typeof p === "string" ? p : keyPiece(p, ctx))).join("");
    return resolveNodeInterpolation(key, ctx);
  }
  const name = interp.name
    .map((p) => {
      if (typeof p === "string") return p;
      const v = unbox(evalInterpolation(p, ctx));
      if (typeof v !== "string") {
        throw new InterpolationResolutionError(
          `The name of a resolver must be a string, but the interpolation ${p.text} resolved to \`${nodeStr(v)}\``,
        );
      }
      return v;
    })
    .join("");
  const args = interp.args.map((a) => unbox(evalElement(a, ctx)));
  const argsStr = interp.args.map((a) => a.text);
  const result = callResolver(name, args, argsStr, ctx);
  if (result === undefined) throw new UnsupportedInterpolationType(`Unsupported interpolation type ${name}`);
  return result.value;
}

function keyPiece(p: Interpolation, ctx: EvalContext): string {
  const v = unbox(evalInterpolation(p, ctx));
  if (typeof v !== "string") {
    throw new InterpolationResolutionError(
      `The following interpolation is used to denote a config key and thus should return a string, but instead returned \`${nodeStr(v)}\`: ${p.text}`,
    );
  }
  return v;
}

/** `${a.b}`: find the target node (absolute from the root, or relative with leading dots). */
export function resolveNodeInterpolation(key: string, ctx: EvalContext): Node {
  const from = ctx.node.parent;
  let root: ContainerNode;
  let rest: string;
  try {
    if (from === null) throw new ConfigKeyError(`Error resolving key '${key}'`);
    ({ root, key: rest } = resolveKeyAndRoot(from, key));
  } catch (e) {
    if (e instanceof ConfigKeyError) {
      throw new InterpolationKeyError(`ConfigKeyError while resolving interpolation: ${e.reason}`);
    }
    throw e;
  }
  let found: Node | undefined;
  let parent: ContainerNode | undefined;
  try {
    ({ value: found, parent } = selectImpl(root, rest, { throwOnMissing: true, memo: ctx.memo }));
  } catch (e) {
    if (e instanceof MissingMandatoryValue) {
      throw new InterpolationToMissingValueError(
        `MissingMandatoryValue while resolving interpolation: ${e.reason}`,
      );
    }
    throw e;
  }
  if (parent === undefined || found === undefined) {
    throw new InterpolationKeyError(`Interpolation key '${rest}' not found`);
  }
  for (let n: Node | null = ctx.node; n !== null; n = n.parent) {
    if (n === found) throw new InterpolationResolutionError("Interpolation to parent node detected");
  }
  if (found instanceof ValueNode && found.isMissing()) {
    throw new InterpolationToMissingValueError(
      `MissingMandatoryValue while resolving interpolation: Missing mandatory value: ${found.keyPath()}`,
    );
  }
  return found;
}

/** Evaluate one resolver argument / container element. */
export function evalElement(el: Element, ctx: EvalContext): unknown {
  switch (el.kind) {
    case "empty":
      return "";
    case "quoted": {
      const items = el.content.items;
      if (items.length === 1 && isInterpolation(items[0])) return nodeStr(evalInterpolation(items[0], ctx));
      return concatText(items, ctx, "quoted");
    }
    case "list":
      return el.items.map((item) => unbox(evalElement(item, ctx)));
    case "dict": {
      const out: Record<string, unknown> = {};
      for (const { key, value } of el.entries)
        out[nodeStr(evalElement(key, ctx))] = unbox(evalElement(value, ctx));
      return out;
    }
    case "primitive": {
      if (el.items.length > 1) return concatText(el.items, ctx, "primitive");
      const item = el.items[0];
      return isInterpolation(item) ? evalInterpolation(item, ctx) : typedToken(item);
    }
  }
}

function typedToken(t: Token): unknown {
  switch (t.type) {
    case "NULL":
      return null;
    case "INT":
      return Number.parseInt(t.text.replaceAll("_", ""), 10);
    case "FLOAT":
      return new PyFloat(parsePyFloat(t.text));
    case "BOOL":
      return t.text.toLowerCase() === "true";
    case "ESC":
      return everyOther(t.text);
    default:
      return t.text;
  }
}

/** Python float() of a grammar FLOAT token (underscores, inf, nan). */
function parsePyFloat(text: string): number {
  const s = text.replaceAll("_", "").toLowerCase();
  if (s.endsWith("inf")) return s.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (s.endsWith("nan")) return Number.NaN;
  return Number(s);
}

/** `s[1::2]`: halve escaped backslashes / drop the escaping backslash. */
function everyOther(s: string): string {
  let out = "";
  for (let i = 1; i < s.length; i += 2) out += s[i];
  return out;
}

/** OmegaConf's `_unescape`: concatenate pieces, un-escaping where the grammar says so. */
function concatText(items: TextItem[], ctx: EvalContext, where: "top" | "quoted" | "primitive"): string {
  let out = "";
  items.forEach((item, k) => {
    if (isInterpolation(item)) {
      out += nodeStr(evalInterpolation(item, ctx));
      return;
    }
    const next = items[k + 1];
    const nextIsInterp = next !== undefined && isInterpolation(next);
    if (item.type === "ESC_INTER") out += item.text.slice(-(Math.floor(item.text.length / 2) + 1));
    else if (item.type === "ESC") out += everyOther(item.text);
    else if (item.type === "TOP_ESC" && nextIsInterp) out += everyOther(item.text);
    else if (item.type === "QUOTED_ESC" && where === "quoted" && (next === undefined || nextIsInterp)) {
      out += everyOther(item.text);
    } else out += item.text;
  });
  return out;
}

/** Parse a string as OmegaConf's `singleElement` rule and evaluate it (the `oc.decode` resolver). */
export function decodeElement(text: string, ctx: EvalContext): unknown {
  return unbox(evalElement(parseSingleElement(text), ctx));
}
