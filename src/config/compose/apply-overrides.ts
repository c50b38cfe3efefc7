/**
 * Applying value overrides to the composed config (Hydra's `_apply_overrides_to_config`), in struct
 * mode: `k=v` must name an existing key, `+k=v` adds a new one, `++k=v` adds or overrides, `~k[=v]`
 * deletes (checking the value when given). Each applied value records the override as its provenance.
 */

import { pyStr } from "../../common/pyvalue.js";
import {
  ConfigError,
  ConfigKeyError,
  type ContainerNode,
  type DictNode,
  deleteKey,
  getNode,
  isContainer,
  select,
  toContainer,
  update,
} from "../omegaconf/index.js";
import type { OverrideInput } from "./defaults-overrides.js";
import { ConfigCompositionError } from "./errors.js";

function plain(v: unknown): unknown {
  if (isContainer(v)) return toContainer(v as ContainerNode);
  return v;
}

function isDictOrList(v: unknown): boolean {
  if (Array.isArray(v) || isContainer(v)) return true;
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function sameValue(a: unknown, b: unknown): boolean {
  const pa = plain(a);
  const pb = plain(b);
  if (typeof pa === "object" || typeof pb === "object") return JSON.stringify(pa) === JSON.stringify(pb);
  return pyStr(pa) === pyStr(pb);
}

function show(v: unknown): string {
  const p = plain(v);
  return typeof p === "object" && p !== null ? JSON.stringify(p) : pyStr(p);
}

/**
 * OmegaConf.update(force_add=True) lifts struct mode on the parent of the key while it merges, so a dict
 * merged into an existing dict may bring new keys; the same is done here around the update.
 */
function forceAddUpdate(cfg: DictNode, key: string, value: unknown, provenance: { override: string }): void {
  const dot = key.lastIndexOf(".");
  const parent = dot === -1 ? cfg : getNode(cfg, key.slice(0, dot));
  if (!isContainer(parent)) {
    update(cfg, key, value, { merge: true, forceAdd: true, provenance });
    return;
  }
  const own = parent.flags.struct;
  parent.setFlag("struct", false);
  try {
    update(cfg, key, value, { merge: true, forceAdd: true, provenance });
  } finally {
    parent.setFlag("struct", own);
  }
}

/** Applies non-group overrides in command-line order. */
export function applyOverridesToConfig(
  overrides: OverrideInput[],
  cfg: DictNode,
  valueFor: (o: OverrideInput) => unknown,
) {
  for (const o of overrides) {
    const where = { override: o.inputLine };
    if (o.package !== null) {
      throw new ConfigCompositionError(
        `Override ${o.inputLine} looks like a config group override, but config group '${o.keyOrGroup}' does not exist.`,
        where,
      );
    }
    const key = o.keyOrGroup;
    const value = valueFor(o);
    const provenance = { override: o.inputLine };
    try {
      if (o.type === "delete") {
        const current = select(cfg, key, { default: null });
        if (current === null || current === undefined) {
          throw new ConfigCompositionError(`Could not delete from config. '${key}' does not exist.`, where);
        }
        if (value !== null && value !== undefined && !sameValue(value, current)) {
          throw new ConfigCompositionError(
            `Could not delete from config. The value of '${key}' is ${show(current)} and not ${show(value)}.`,
            where,
          );
        }
        deleteKey(cfg, key);
      } else if (o.type === "add") {
        const current = select(cfg, key, { default: null });
        // Hydra adds over an existing key only a dict or a list (merged in); a scalar there is an error,
        // whatever its type (a PyFloat is an object in JS, but a scalar to Hydra).
        if (current === null || current === undefined || isDictOrList(value)) {
          forceAddUpdate(cfg, key, value, provenance);
        } else {
          throw new ConfigCompositionError(
            `Could not append to config. An item is already at '${key}'.\n` +
              `Either remove + prefix: '${o.inputLine.slice(1)}'\n` +
              `Or add a second + to add or override '${key}': '+${o.inputLine}'`,
            where,
          );
        }
      } else if (o.type === "force_add") {
        forceAddUpdate(cfg, key, value, provenance);
      } else {
        try {
          update(cfg, key, value, { merge: true, provenance });
        } catch (e) {
          if (e instanceof ConfigKeyError) {
            throw new ConfigCompositionError(
              `Could not override '${key}'.\nTo append to your config use +${o.inputLine}`,
              where,
              { cause: e },
            );
          }
          throw e;
        }
      }
    } catch (e) {
      if (e instanceof ConfigCompositionError) throw e;
      if (e instanceof ConfigError) {
        throw new ConfigCompositionError(`Error merging override ${o.inputLine}: ${e.reason}`, where, {
          cause: e,
        });
      }
      throw e;
    }
  }
}
