/**
 * Command-line group overrides and `override` entries, as Hydra's `Overrides` class keeps them while the
 * defaults tree is built: which choices are overridden, which groups are deleted, which are appended,
 * and the checks at the end that every override and deletion matched something.
 */
import { type ElementSource, GroupDefault, type InputDefault } from "./default-element.js";
import { ConfigCompositionError } from "./errors.js";

/** The parts of a parsed command-line override that composition needs. */
export interface OverrideInput {
  type: "change" | "add" | "force_add" | "delete";
  keyOrGroup: string;
  package: string | null;
  /** The parsed value: string, number, list, dict, null, or a sweep (sweeps are skipped here). */
  value: unknown;
  inputLine: string;
  isSweep: boolean;
}

interface OverrideMetadata {
  /** The command-line override or the `override` entry (file:line) that set the choice. */
  source?: ElementSource;
  externalOverride: boolean;
  containingConfigPath: string | null;
  used: boolean;
  relativeKey: string | null;
}

interface Deletion {
  name: string | null;
  used: boolean;
}

/** `group@pkg` for a command-line override, Hydra's `get_key_element` without the prefix. */
export function overrideKeyElement(o: OverrideInput): string {
  return o.package === null ? o.keyOrGroup : `${o.keyOrGroup}@${o.package}`;
}

function isPlainObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The state of group overrides during one defaults-list computation. */
export class DefaultsOverrides {
  readonly overrideChoices = new Map<string, string | string[] | null>();
  readonly overrideMetadata = new Map<string, OverrideMetadata>();
  readonly appendGroupDefaults: GroupDefault[] = [];
  /** Overrides that are not about groups: applied to the composed config afterwards. */
  readonly configOverrides: OverrideInput[] = [];
  readonly knownChoices = new Map<string, string | null>();
  readonly knownChoicesPerGroup = new Map<string, Set<string>>();
  readonly deletions = new Map<string, Deletion>();

  constructor(groupExists: (group: string) => boolean, overrides: OverrideInput[]) {
    for (const o of overrides) {
      if (o.isSweep) continue;
      const isGroup = groupExists(o.keyOrGroup);
      const value = o.value;
      if (isPlainObject(value) || !isGroup) {
        this.configOverrides.push(o);
      } else if (o.type === "force_add") {
        throw new ConfigCompositionError(`force-add of config groups is not supported: '${o.inputLine}'`, {
          override: o.inputLine,
        });
      } else if (o.type === "delete") {
        if (value !== null && typeof value !== "string") {
          throw new ConfigCompositionError(
            `Config group override deletion value must be a string : ${o.inputLine}`,
            { override: o.inputLine },
          );
        }
        this.deletions.set(overrideKeyElement(o), { name: value, used: false });
      } else if (typeof value !== "string" && !Array.isArray(value)) {
        const type = value === null ? "NoneType" : typeof value;
        throw new ConfigCompositionError(
          `Config group override must be a string or a list. Got ${type}` +
            (value === null ? `\nTo drop the group '${o.keyOrGroup}' use ~${o.keyOrGroup}` : ""),
          { override: o.inputLine },
        );
      } else if (o.type === "add") {
        const gd = new GroupDefault(o.keyOrGroup, value as string | string[], o.package, false, false, true);
        gd.source = { override: o.inputLine };
        this.appendGroupDefaults.push(gd);
      } else {
        const key = overrideKeyElement(o);
        this.overrideChoices.set(key, value as string | string[]);
        this.overrideMetadata.set(key, {
          source: { override: o.inputLine },
          externalOverride: true,
          containingConfigPath: null,
          used: false,
          relativeKey: null,
        });
      }
    }
  }

  /** Registers an `override` entry from a config's defaults list; the command line wins over it. */
  addOverride(parentConfigPath: string, d: GroupDefault): void {
    const key = d.overrideKey();
    if (this.overrideChoices.has(key)) return;
    this.overrideChoices.set(key, d.value);
    this.overrideMetadata.set(key, {
      source: d.source,
      externalOverride: false,
      containingConfigPath: parentConfigPath,
      used: false,
      relativeKey: d.relativeOverrideKey(),
    });
  }

  isOverridden(d: InputDefault): boolean {
    return d instanceof GroupDefault && this.overrideChoices.has(d.overrideKey());
  }

  /** Replaces the choice of `d` by the override for its key; errors about `d` then point at the override. */
  overrideDefaultOption(d: GroupDefault): void {
    const key = d.overrideKey();
    if (!this.overrideChoices.has(key)) return;
    d.value = this.overrideChoices.get(key) ?? null;
    d.configNameOverridden = true;
    const meta = this.overrideMetadata.get(key);
    if (meta) {
      meta.used = true;
      if (meta.source) d.source = meta.source;
    }
  }

  /** Fails on an override that matched no group of the defaults list (Hydra's messages). */
  ensureOverridesUsed(): void {
    for (const [key, meta] of this.overrideMetadata) {
      if (meta.used) continue;
      const group = key.split("@")[0];
      const choices = [...(this.knownChoicesPerGroup.get(group) ?? new Set<string>())].sort();
      let msg: string;
      if (choices.length > 1)
        msg = `Could not override '${key}'.\nDid you mean to override one of ${choices.join(", ")}?`;
      else if (choices.length === 1)
        msg = `Could not override '${key}'.\nDid you mean to override ${choices[0]}?`;
      else msg = `Could not override '${key}'. No match in the defaults list.`;
      if (meta.containingConfigPath !== null) msg = `In '${meta.containingConfigPath}': ${msg}`;
      if (meta.externalOverride) {
        const v = this.overrideChoices.get(key);
        const shown = Array.isArray(v) ? `[${v.join(",")}]` : String(v);
        msg += `\nTo append to your default list use +${key}=${shown}`;
      }
      throw new ConfigCompositionError(msg, meta.source);
    }
  }

  /** Fails on a `~group` that deleted nothing. */
  ensureDeletionsUsed(): void {
    for (const [key, deletion] of this.deletions) {
      if (deletion.used) continue;
      const desc = deletion.name !== null ? `${key}=${deletion.name}` : key;
      throw new ConfigCompositionError(`Could not delete '${desc}'. No match in the defaults list`, {
        override: `~${desc}`,
      });
    }
  }

  /** Records the choice made for a group; two different choices for one key are an error. */
  setKnownChoice(d: InputDefault): void {
    if (!(d instanceof GroupDefault)) return;
    const key = d.overrideKey();
    if (!this.knownChoices.has(key)) {
      this.knownChoices.set(key, d.name());
    } else {
      const prev = this.knownChoices.get(key);
      if (d.name() !== prev) {
        throw new ConfigCompositionError(
          `Multiple values for ${key}. To override a value use 'override ${key}: ${prev}'`,
          d.source,
        );
      }
    }
    const group = d.groupPath();
    let set = this.knownChoicesPerGroup.get(group);
    if (!set) {
      set = new Set();
      this.knownChoicesPerGroup.set(group, set);
    }
    set.add(key);
  }

  isDeleted(d: InputDefault): boolean {
    if (!(d instanceof GroupDefault)) return false;
    const deletion = this.deletions.get(d.overrideKey());
    if (!deletion) return false;
    return deletion.name === null || deletion.name === d.name();
  }

  delete(d: InputDefault): void {
    d.deleted = true;
    const deletion = this.deletions.get(d.overrideKey());
    if (deletion) deletion.used = true;
  }
}
