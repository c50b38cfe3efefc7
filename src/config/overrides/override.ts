/** A parsed command-line override (Hydra's `Override` from hydra/core/override_parser/types.py). */
import { formatElement } from "./format.js";
import {
  ChoiceSweep,
  type ElementValue,
  Glob,
  type GrammarValue,
  IntervalSweep,
  isDict,
  isSweep,
  type OverrideType,
  type ParsedElement,
  QuotedString,
  RangeSweep,
  type ValueType,
} from "./types.js";

/** Replaces QuotedString by its text, recursively (Hydra's Override._convert_value). */
export function plainValue(value: ParsedElement): ElementValue {
  if (value instanceof QuotedString) return value.text;
  if (Array.isArray(value)) return value.map(plainValue);
  if (isDict(value)) {
    const out: { [key: string]: ElementValue } = {};
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, {
        value: plainValue(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return value;
}

/** The value type Hydra's visitor assigns to a parsed value. */
export function valueTypeOf(value: GrammarValue): ValueType {
  if (value instanceof ChoiceSweep) return value.simpleForm ? "simple_choice_sweep" : "choice_sweep";
  if (value instanceof Glob) return "glob_choice_sweep";
  if (value instanceof IntervalSweep) return "interval_sweep";
  if (value instanceof RangeSweep) return "range_sweep";
  return "element";
}

export class Override {
  /** The package after `@` (`group@pkg=...`); "" for `group@=...`; null without `@`. */
  readonly package: string | null;

  constructor(
    /** change (`key=v`), add (`+key=v`), force_add (`++key=v`) or delete (`~key`, `~key=v`). */
    readonly type: OverrideType,
    /** The config key (`a.b.c`) or config group (`hydra/launcher`). */
    readonly keyOrGroup: string,
    pkg: string | null,
    /** The kind of value; null only for a bare `~key`. */
    readonly valueType: ValueType | null,
    /** The parsed value: quoted strings stay QuotedString; null for a bare `~key` (and for `key=null`). */
    readonly value: GrammarValue,
    /** The override as given on the command line. */
    readonly inputLine: string,
  ) {
    this.package = pkg;
  }

  /** True for `~key` and `~key=value`. */
  isDelete(): boolean {
    return this.type === "delete";
  }

  /** True for `+key=value`. */
  isAdd(): boolean {
    return this.type === "add";
  }

  /** True for `++key=value`. */
  isForceAdd(): boolean {
    return this.type === "force_add";
  }

  /** True when the value is a sweep of any kind (Hydra's is_sweep_override). */
  isSweep(): boolean {
    return this.valueType !== null && this.valueType !== "element";
  }

  /** True for `a,b`, `choice(...)` and `glob(...)`. */
  isChoiceSweep(): boolean {
    return ["simple_choice_sweep", "choice_sweep", "glob_choice_sweep"].includes(this.valueType ?? "");
  }

  /** True for sweeps the basic sweeper can enumerate (choices, globs and ranges). */
  isDiscreteSweep(): boolean {
    return this.isChoiceSweep() || this.valueType === "range_sweep";
  }

  /** True for `interval(...)`. */
  isIntervalSweep(): boolean {
    return this.valueType === "interval_sweep";
  }

  /** True when the key targets Hydra's own config (`hydra.x` or `hydra/x`). */
  isHydraOverride(): boolean {
    return this.keyOrGroup.startsWith("hydra.") || this.keyOrGroup.startsWith("hydra/");
  }

  /** The key with its prefix and package, e.g. `+db@backup` (Hydra's get_key_element). */
  get keyElement(): string {
    const prefix = { delete: "~", add: "+", force_add: "++", change: "" }[this.type];
    return prefix + this.keyOrGroup + (this.package === null ? "" : `@${this.package}`);
  }

  /** The value as override text, e.g. `[1,2]` or `'a b'` (Hydra's get_value_element_as_str); not for sweeps. */
  valueElementAsString(spaceAfterSep = false): string {
    if (isSweep(this.value) || this.value instanceof Glob) throw new Error("Cannot convert sweep to str");
    return formatElement(this.value, spaceAfterSep);
  }

  /** The value with quoted strings turned into plain strings (Hydra's Override.value()); sweeps as they are. */
  plainValue(): ElementValue | ChoiceSweep | RangeSweep | IntervalSweep | Glob {
    if (isSweep(this.value) || this.value instanceof Glob) return this.value;
    return plainValue(this.value);
  }

  /** The text after the first `=` exactly as typed (Hydra's get_value_string). */
  valueString(): string {
    const i = this.inputLine.indexOf("=");
    if (i < 0) throw new Error(`No value component in ${this.inputLine}`);
    return this.inputLine.slice(i + 1);
  }
}
