/**
 * The one place where composition meets the override grammar (src/config/overrides): parsed overrides
 * are reduced to what the defaults list and the value updates need, and sweeps are expanded into the
 * per-job `key=value` overrides of the basic sweeper.
 */
import { jobOverrides, type Override, parseOverrides } from "../overrides/index.js";
import type { OverrideInput } from "./defaults-overrides.js";

/** A parsed command-line override with the composition view of it. */
export interface ParsedOverride {
  raw: Override;
  input: OverrideInput;
  /** The value as plain JS for `update()` (quoted strings unwrapped; sweeps are not values). */
  plainValue(): unknown;
}

/** Parses override lines (syntax errors carry the caret and expected tokens from the grammar). */
export function parseOverrideLines(lines: string[]): ParsedOverride[] {
  return parseOverrides(lines).map((raw) => ({
    raw,
    input: {
      type: raw.type,
      keyOrGroup: raw.keyOrGroup,
      package: raw.package,
      value: raw.isSweep() ? undefined : raw.plainValue(),
      inputLine: raw.inputLine,
      isSweep: raw.isSweep(),
    },
    plainValue: () => raw.plainValue(),
  }));
}

/** `simple_choice` for `a,b` (ambiguous without --multirun), `other` for range/choice/glob/interval. */
export function sweepOverrideKind(p: ParsedOverride): "simple_choice" | "other" {
  return p.raw.valueType === "simple_choice_sweep" ? "simple_choice" : "other";
}

/** What sweep expansion needs to know about config groups (for `glob()`). */
export interface GroupLookup {
  groupExists(name: string): boolean;
  groupOptions(group: string): string[];
}

/**
 * Hydra's BasicSweeper.split_arguments before the product: for each key (with its `+`/`~` prefix and
 * `@package`), the list of `key=value` job overrides; a later override of the same key replaces the
 * earlier one but keeps its position.
 */
export function jobOverrideStrings(lines: string[], groups: GroupLookup): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of parseOverrides(lines)) {
    const candidates =
      o.isSweep() && groups.groupExists(o.keyOrGroup) ? groups.groupOptions(o.keyOrGroup) : [];
    out.set(o.keyElement, jobOverrides(o, { globCandidates: candidates }));
  }
  return out;
}
