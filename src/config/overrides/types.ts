/**
 * Data types of parsed overrides, mirroring hydra/core/override_parser/types.py (Hydra 1.3).
 * Floats are always PyFloat so that `1.0` stays a float; ints are JS numbers.
 */
import type { PyFloat } from "../../common/pyvalue.js";

/** A string written with quotes on the command line; kept apart from plain strings so it can be re-quoted. */
export class QuotedString {
  constructor(
    readonly text: string,
    readonly quote: "'" | '"',
  ) {}
}

/** A value as the grammar produced it: plain data, with quoted strings kept as QuotedString. */
export type ParsedElement =
  | null
  | boolean
  | number
  | PyFloat
  | string
  | QuotedString
  | ParsedElement[]
  | { [key: string]: ParsedElement };

/** The same value with QuotedString replaced by its text (Hydra's `Override.value()`). */
export type ElementValue =
  | null
  | boolean
  | number
  | PyFloat
  | string
  | ElementValue[]
  | { [key: string]: ElementValue };

/** An int (JS number) or a float (PyFloat), as range() and interval() hold them. */
export type PyNumber = number | PyFloat;

/** `a,b,c` (simple form) or `choice(a,b,c)`. */
export class ChoiceSweep {
  readonly kind = "choice";
  constructor(
    public list: ParsedElement[],
    public simpleForm = false,
    public shuffle = false,
    public tags: Set<string> = new Set(),
  ) {}
}

/** `range(start, stop, step)`: Python range semantics for ints, decimal stepping for floats. */
export class RangeSweep {
  readonly kind = "range";
  constructor(
    public start: PyNumber,
    public stop: PyNumber,
    public step: PyNumber = 1,
    public shuffle = false,
    public tags: Set<string> = new Set(),
  ) {}
}

/** `interval(a, b)`: a continuous range, only meaningful to optimizing sweepers. */
export class IntervalSweep {
  readonly kind = "interval";
  constructor(
    public start: PyNumber,
    public end: PyNumber,
    public tags: Set<string> = new Set(),
  ) {}
}

/** `glob(include, exclude)`: selects options of a config group by fnmatch patterns. */
export class Glob {
  readonly kind = "glob";
  constructor(
    public include: string[],
    public exclude: string[] = [],
  ) {}
}

export type Sweep = ChoiceSweep | RangeSweep | IntervalSweep;

/** What a value or function call can evaluate to. */
export type GrammarValue = ParsedElement | Sweep | Glob;

export type OverrideType = "change" | "add" | "force_add" | "delete";

export type ValueType =
  | "element"
  | "choice_sweep"
  | "glob_choice_sweep"
  | "simple_choice_sweep"
  | "range_sweep"
  | "interval_sweep";

/** True for the sweep classes (Hydra's `isinstance(x, Sweep)`; Glob is not one). */
export function isSweep(v: unknown): v is Sweep {
  return v instanceof ChoiceSweep || v instanceof RangeSweep || v instanceof IntervalSweep;
}

/** True for a plain dict value (not a list, QuotedString, PyFloat or sweep). */
export function isDict(v: unknown): v is { [key: string]: ParsedElement } {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Sets a dict entry as an own property, so that keys like `__proto__` stay plain data. */
export function setDictEntry(dict: { [key: string]: unknown }, key: string, value: unknown): void {
  Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
}
