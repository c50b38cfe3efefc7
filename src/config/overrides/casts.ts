/**
 * The cast functions of the override grammar, int(), float(), str() and bool() (Hydra's cast_* in
 * grammar_functions.py): they apply through quoted strings, lists, dict values and sweeps.
 */
import { PyFloat, pyStr } from "../../common/pyvalue.js";
import { asNumber, PyError, pyFloatFromStr, pyIntFromNumber, pyIntFromStr } from "./pycompat.js";
import { type FunctionDef, type Param, type TypeSpec, union } from "./signature.js";
import {
  ChoiceSweep,
  Glob,
  type GrammarValue,
  IntervalSweep,
  isDict,
  type ParsedElement,
  type PyNumber,
  QuotedString,
  RangeSweep,
  setDictEntry,
} from "./types.js";

type Bound = Map<string, GrammarValue | GrammarValue[]>;
type Cast = (v: GrammarValue) => GrammarValue;

const ANY_CAST: TypeSpec = union(
  "Optional[Union[str, int, float, bool, List[Any], Dict[str, Any], QuotedString, Sweep]]",
  [
    "str",
    "int",
    "float",
    "bool",
    "list",
    "dict",
    "QuotedString",
    "NoneType",
    "ChoiceSweep",
    "RangeSweep",
    "IntervalSweep",
  ],
);
const castParams: Param[] = [
  { name: "args", kind: "varargs", type: ANY_CAST },
  { name: "value", kind: "keyword", type: ANY_CAST, default: null },
];

function mapDict(
  d: { [k: string]: ParsedElement },
  f: (v: ParsedElement) => ParsedElement,
): { [k: string]: ParsedElement } {
  const out: { [k: string]: ParsedElement } = {};
  for (const [k, v] of Object.entries(d)) setDictEntry(out, k, f(v));
  return out;
}

/** Hydra's _normalize_cast_value: one value, the `value=` argument, or several values as a simple sweep. */
function castInput(b: Bound): GrammarValue {
  const args = b.get("args") as GrammarValue[];
  const value = b.get("value") as GrammarValue;
  if (args.length > 0 && value !== null)
    throw new PyError("TypeError", "cannot use both position and named arguments");
  if (value !== null) return value;
  if (args.length === 0) throw new PyError("TypeError", "No positional args or value specified");
  if (args.length === 1) return args[0];
  return new ChoiceSweep(args as ParsedElement[], true);
}

/** Applies a scalar cast through quoted strings, dicts, lists and sweeps, as Hydra's cast_* functions do. */
function deepCast(name: "int" | "float" | "str" | "bool", scalar: (v: GrammarValue) => GrammarValue): Cast {
  const cast: Cast = (v) => {
    if (v instanceof QuotedString) return cast(v.text);
    if (isDict(v)) return mapDict(v, (x) => cast(x) as ParsedElement);
    if (Array.isArray(v)) return v.map((x) => cast(x) as ParsedElement);
    if (v instanceof ChoiceSweep)
      return new ChoiceSweep(
        v.list.map((x) => cast(x) as ParsedElement),
        v.simpleForm,
      );
    if (v instanceof RangeSweep) {
      if (name !== "int" && name !== "float")
        throw new PyError("ValueError", "Range can only be cast to int or float");
      return new RangeSweep(cast(v.start) as PyNumber, cast(v.stop) as PyNumber, cast(v.step) as PyNumber);
    }
    if (v instanceof IntervalSweep) {
      if (name !== "int" && name !== "float")
        throw new PyError("ValueError", `Intervals cannot be cast to ${name}`);
      return new IntervalSweep(cast(v.start) as PyNumber, cast(v.end) as PyNumber, new Set(v.tags));
    }
    return scalar(v);
  };
  return cast;
}

const assertPrimitive = (v: GrammarValue): void => {
  if (v === null || v instanceof Glob) throw new PyError("AssertionError", "");
};

export const castInt = deepCast("int", (v) => {
  assertPrimitive(v);
  if (typeof v === "string") return pyIntFromStr(v);
  return pyIntFromNumber(asNumber(v) as number);
});

export const castFloat = deepCast("float", (v) => {
  assertPrimitive(v);
  return new PyFloat(typeof v === "string" ? pyFloatFromStr(v) : (asNumber(v) as number));
});

export const castStr = deepCast("str", (v) => {
  assertPrimitive(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return pyStr(v as number | PyFloat | string);
});

export const castBool = deepCast("bool", (v) => {
  if (typeof v === "string") {
    if (v.toLowerCase() === "false") return false;
    if (v.toLowerCase() === "true") return true;
    throw new PyError("ValueError", `Cannot cast '${v}' to bool`);
  }
  if (v === null) return false;
  const n = asNumber(v);
  return n === null ? true : n !== 0;
});

/** The definition of a cast function: `name(*args, value=None)`. */
export const castDef = (cast: Cast): FunctionDef => ({
  params: castParams,
  call: (b) => cast(castInput(b)),
});
