/**
 * Calling grammar functions the way Hydra does (hydra/_internal/grammar/functions.py): bind positional and
 * named arguments like Python's inspect.Signature.bind, check each bound argument against the declared type
 * (is_type_matching), then call. Error texts are Python's, because Hydra shows them to the user.
 */
import { PyError, pyTypeName } from "./pycompat.js";
import { type GrammarValue, QuotedString } from "./types.js";

/** A declared parameter type: its display (OmegaConf type_str) and the Python type names it accepts. */
export interface TypeSpec {
  display: string;
  accepts: (typeName: string) => boolean;
}

/** `Union[...]` of isinstance checks (bool counts as int, as in Python). */
export function union(display: string, names: string[]): TypeSpec {
  const set = new Set(names);
  if (set.has("int")) set.add("bool");
  return { display, accepts: (n) => set.has(n) };
}

/** A bare primitive annotation: Hydra checks `type(value) is int` exactly, so bool is not an int here. */
export function exact(name: string): TypeSpec {
  return { display: name, accepts: (n) => n === name };
}

export interface Param {
  name: string;
  kind: "positional" | "varargs" | "keyword";
  type: TypeSpec;
  /** Present when the parameter is optional. */
  default?: GrammarValue;
}

export type GrammarFunction = (bound: Map<string, GrammarValue | GrammarValue[]>) => GrammarValue;

export interface FunctionDef {
  params: Param[];
  call: GrammarFunction;
}

/** Python's Signature.bind: maps the call's arguments to parameter names or raises Python's TypeError. */
function bind(
  params: Param[],
  args: GrammarValue[],
  kwargs: Map<string, GrammarValue>,
): Map<string, GrammarValue | GrammarValue[]> {
  const bound = new Map<string, GrammarValue | GrammarValue[]>();
  let next = 0;
  let p = 0;
  for (; p < params.length && next < args.length; p++) {
    const param = params[p];
    if (param.kind === "keyword") break;
    if (param.kind === "varargs") {
      bound.set(param.name, args.slice(next));
      next = args.length;
      p++;
      break;
    }
    if (kwargs.has(param.name))
      throw new PyError("TypeError", `multiple values for argument '${param.name}'`);
    bound.set(param.name, args[next++]);
  }
  if (next < args.length) throw new PyError("TypeError", "too many positional arguments");
  const remaining = new Map(kwargs);
  for (const param of params.slice(p)) {
    if (param.kind === "varargs") continue;
    if (remaining.has(param.name)) {
      bound.set(param.name, remaining.get(param.name) as GrammarValue);
      remaining.delete(param.name);
    } else if (!("default" in param)) {
      throw new PyError("TypeError", `missing a required argument: '${param.name}'`);
    }
  }
  for (const param of params)
    if (param.kind === "varargs" && !bound.has(param.name)) bound.set(param.name, []);
  const unexpected = [...remaining.keys()][0];
  if (unexpected !== undefined)
    throw new PyError("TypeError", `got an unexpected keyword argument '${unexpected}'`);
  return bound;
}

/** Binds, type-checks and calls a grammar function (Hydra's Functions.eval). */
export function callFunction(
  def: FunctionDef,
  args: GrammarValue[],
  kwargs: Map<string, GrammarValue>,
): GrammarValue {
  // Hydra unquotes top-level quoted strings before binding (nested ones stay quoted).
  const unquote = (v: GrammarValue): GrammarValue => (v instanceof QuotedString ? v.text : v);
  const bound = bind(def.params, args.map(unquote), new Map([...kwargs].map(([k, v]) => [k, unquote(v)])));
  for (const param of def.params) {
    if (!bound.has(param.name)) continue;
    const value = bound.get(param.name);
    if (param.kind === "varargs") {
      (value as GrammarValue[]).forEach((v, i) => {
        if (!param.type.accepts(pyTypeName(v)))
          throw new PyError(
            "TypeError",
            `mismatch type argument ${param.name}[${i}]: ${pyTypeName(v)} is incompatible with ${param.type.display}`,
          );
      });
    } else if (!param.type.accepts(pyTypeName(value))) {
      throw new PyError(
        "TypeError",
        `mismatch type argument ${param.name}: ${pyTypeName(value)} is incompatible with ${param.type.display}`,
      );
    }
  }
  for (const param of def.params) {
    if (!bound.has(param.name) && "default" in param) bound.set(param.name, param.default as GrammarValue);
  }
  return def.call(bound);
}
