/**
 * The grammar functions of Hydra 1.3 (hydra/_internal/grammar/grammar_functions.py, registered by
 * create_functions): casts int/float/str/bool, choice, range, interval, tag, sort, shuffle, glob.
 */
import { PyFloat } from "../../common/pyvalue.js";
import { castBool, castDef, castFloat, castInt, castStr } from "./casts.js";
import { PyError, parsedValueRepr, pySorted, pyTypeName } from "./pycompat.js";
import { exact, type FunctionDef, type Param, type TypeSpec, union } from "./signature.js";
import {
  ChoiceSweep,
  Glob,
  type GrammarValue,
  IntervalSweep,
  type ParsedElement,
  type PyNumber,
  RangeSweep,
} from "./types.js";

type Bound = Map<string, GrammarValue | GrammarValue[]>;

const NUMBER = union("Union[int, float]", ["int", "float"]);
const SORTABLE_NAMES = ["str", "int", "bool", "float", "list", "dict", "ChoiceSweep", "RangeSweep"];
const SORTABLE = union("Union[str, int, bool, float, list, dict, ChoiceSweep, RangeSweep]", SORTABLE_NAMES);
const OPT_SWEEP = union("Optional[Union[ChoiceSweep, RangeSweep]]", [
  "ChoiceSweep",
  "RangeSweep",
  "NoneType",
]);
const OPT_LIST = union("Optional[List[Any]]", ["list", "NoneType"]);

const vararg = (type: TypeSpec): Param => ({ name: "args", kind: "varargs", type });
const kw = (name: string, type: TypeSpec, dflt: GrammarValue = null): Param => ({
  name,
  kind: "keyword",
  type,
  default: dflt,
});

function choice(b: Bound): GrammarValue {
  const args = b.get("args") as GrammarValue[];
  if (args.length === 0) throw new PyError("ValueError", "empty choice is not legal");
  const first = args[0];
  if (args.length === 1 && first instanceof ChoiceSweep) {
    if (!first.simpleForm) throw new PyError("ValueError", "nesting choices is not supported");
    first.simpleForm = false;
    return first;
  }
  return new ChoiceSweep(args as ParsedElement[]);
}

function range(b: Bound): GrammarValue {
  let start = b.get("start") as PyNumber;
  let stop = b.get("stop") as PyNumber | null;
  if (stop === null) {
    stop = start;
    start = 0;
  }
  return new RangeSweep(start, stop, b.get("step") as PyNumber);
}

function tag(b: Bound): GrammarValue {
  const args = [...(b.get("args") as GrammarValue[])];
  const sweep = b.get("sweep") as GrammarValue;
  if (args.length < 1)
    throw new PyError("ValueError", "Not enough arguments to tag, must take at least a sweep");
  if (sweep !== null) args.push(sweep);
  const last = args[args.length - 1];
  if (!(last instanceof ChoiceSweep || last instanceof RangeSweep || last instanceof IntervalSweep))
    throw new PyError(
      "ValueError",
      `Last argument to tag() must be a choice(), range() or interval(), got ${pyTypeName(sweep)}`,
    );
  const tags = new Set<string>();
  for (const t of args.slice(0, -1)) {
    if (typeof t !== "string")
      throw new PyError("ValueError", `tag arguments type must be string, got ${pyTypeName(t)}`);
    tags.add(t);
  }
  last.tags = tags;
  return last;
}

/** Random integer in [0, n) from a [0, 1) generator. */
export const randBelow = (rng: () => number, n: number): number => Math.floor(rng() * n);

/** Python's random.shuffle on a copy. */
export function shuffled<V>(items: readonly V[], rng: () => number): V[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randBelow(rng, i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function copySweep<S extends ChoiceSweep | RangeSweep>(s: S): S {
  return Object.assign(Object.create(Object.getPrototypeOf(s)), s, { tags: new Set(s.tags) });
}

const pyAdd = (a: PyNumber, b: PyNumber): PyNumber =>
  a instanceof PyFloat || b instanceof PyFloat
    ? new PyFloat(Number(a) + Number(b))
    : (a as number) + (b as number);
const pyNeg = (a: PyNumber): PyNumber => (a instanceof PyFloat ? new PyFloat(-a.value) : -a);
const pyAbs = (a: PyNumber): PyNumber => (Number(a) < 0 ? pyNeg(a) : a);

/** Hydra 1.3's _sort_sweep (its range arithmetic included, even where the result is not the sorted range). */
function sortSweep(sweep: ChoiceSweep | RangeSweep, reverse: boolean): ChoiceSweep | RangeSweep {
  const s = copySweep(sweep);
  if (s instanceof ChoiceSweep) {
    s.list = pySorted(s.list, reverse);
    return s;
  }
  const step = pyAbs(s.step);
  if (!reverse ? Number(s.start) > Number(s.stop) : Number(s.start) < Number(s.stop)) {
    const start = reverse ? pyAdd(s.stop, pyNeg(step)) : pyAdd(s.stop, step);
    const stop = reverse ? pyAdd(s.start, pyNeg(step)) : pyAdd(s.start, step);
    s.start = start;
    s.stop = stop;
    s.step = pyNeg(s.step);
  }
  return s;
}

function sort(b: Bound): GrammarValue {
  const args = b.get("args") as GrammarValue[];
  const reverse = b.get("reverse") as boolean;
  const list = b.get("list") as GrammarValue;
  const sweep = b.get("sweep") as GrammarValue;
  if (list !== null) return pySorted(list as ParsedElement[], reverse);
  if (sweep !== null) return sortSweep(sweep as ChoiceSweep | RangeSweep, reverse);
  if (args.length === 1) {
    const arg = args[0];
    if (arg instanceof ChoiceSweep || arg instanceof RangeSweep) return sortSweep(arg, reverse);
    if (Array.isArray(arg)) return pySorted(arg, reverse);
    return arg;
  }
  for (const a of args)
    if (!["int", "float", "bool", "str"].includes(pyTypeName(a)))
      throw new PyError("TypeError", `Invalid arguments: (${args.map(parsedValueRepr).join(", ")})`);
  if (args.length === 0) throw new PyError("ValueError", "empty sort input");
  return sortSweep(new ChoiceSweep(args as ParsedElement[], true), reverse);
}

function shuffle(b: Bound, rng: () => number): GrammarValue {
  const args = b.get("args") as GrammarValue[];
  const list = b.get("list") as GrammarValue;
  const sweep = b.get("sweep") as GrammarValue;
  const one = list !== null ? list : sweep !== null ? sweep : args.length === 1 ? args[0] : undefined;
  if (one === undefined) return new ChoiceSweep(args as ParsedElement[], true, true);
  if (one instanceof ChoiceSweep || one instanceof RangeSweep)
    return Object.assign(copySweep(one), { shuffle: true });
  if (Array.isArray(one)) return shuffled(one, rng);
  return [one as ParsedElement];
}

function glob(b: Bound): GrammarValue {
  const asList = (v: GrammarValue): string[] => (typeof v === "string" ? [v] : ((v ?? []) as string[]));
  return new Glob(asList(b.get("include") as GrammarValue), asList(b.get("exclude") as GrammarValue));
}

/** The functions available in overrides, by name (Hydra's create_functions). */
export function createFunctions(rng: () => number = Math.random): Map<string, FunctionDef> {
  const globType = union("Union[List[str], str]", ["list", "str"]);
  return new Map<string, FunctionDef>([
    ["int", castDef(castInt)],
    ["str", castDef(castStr)],
    ["bool", castDef(castBool)],
    ["float", castDef(castFloat)],
    [
      "choice",
      {
        params: [
          vararg(
            union("Union[str, int, float, bool, Dict[Any, Any], List[Any], ChoiceSweep]", [
              "str",
              "int",
              "float",
              "dict",
              "list",
              "ChoiceSweep",
            ]),
          ),
        ],
        call: choice,
      },
    ],
    [
      "range",
      {
        params: [
          { name: "start", kind: "positional", type: NUMBER },
          {
            name: "stop",
            kind: "positional",
            type: union("Optional[Union[int, float]]", ["int", "float", "NoneType"]),
            default: null,
          },
          { name: "step", kind: "positional", type: NUMBER, default: 1 },
        ],
        call: range,
      },
    ],
    [
      "interval",
      {
        params: [
          { name: "start", kind: "positional", type: NUMBER },
          { name: "end", kind: "positional", type: NUMBER },
        ],
        call: (b) =>
          new IntervalSweep(
            castFloat(b.get("start") as GrammarValue) as PyFloat,
            castFloat(b.get("end") as GrammarValue) as PyFloat,
          ),
      },
    ],
    [
      "tag",
      {
        params: [
          vararg(union("Union[str, Sweep]", ["str", "ChoiceSweep", "RangeSweep", "IntervalSweep"])),
          kw("sweep", union("Optional[Sweep]", ["ChoiceSweep", "RangeSweep", "IntervalSweep", "NoneType"])),
        ],
        call: tag,
      },
    ],
    [
      "sort",
      {
        params: [
          vararg(SORTABLE),
          kw("sweep", OPT_SWEEP),
          kw("list", OPT_LIST),
          kw("reverse", exact("bool"), false),
        ],
        call: sort,
      },
    ],
    [
      "shuffle",
      {
        params: [vararg(SORTABLE), kw("sweep", OPT_SWEEP), kw("list", OPT_LIST)],
        call: (b) => shuffle(b, rng),
      },
    ],
    [
      "glob",
      {
        params: [
          { name: "include", kind: "positional", type: globType },
          {
            name: "exclude",
            kind: "positional",
            type: union("Optional[Union[List[str], str]]", ["list", "str", "NoneType"]),
            default: null,
          },
        ],
        call: glob,
      },
    ],
  ]);
}
