// Lightning's load_from_checkpoint (core/saving.py): rebuild a LightningModule or LightningDataModule from the
// hyper_parameters a checkpoint holds (overridden by the caller's), then load its state. Where Lightning
// unpickles objects, Kiln's checkpoints hold their configs (`_target_`, `_partial_`), which are instantiated
// again here through the target registry.
import { PyFloat } from "../common/pyvalue.js";
import { isModuleTarget } from "../config/instantiate/module-targets.js";
import type { Tensor } from "../torch/tensor.js";
import type { LightningDataModule } from "./datamodule.js";
import { LightningModule } from "./module.js";
import { instantiate } from "./targets.js";
import {
  CheckpointError,
  disposeTensors,
  readCheckpoint,
} from "./trainer/connectors/checkpoint-connector.js";

/** Where loaded tensors go: a device for all, or a map from saved devices to devices (torch.load's map_location). */
export type MapLocation = string | Record<string, string> | null;

/** Options of loadFromCheckpoint: Lightning's keywords; every other key overrides a saved hyperparameter. */
export interface LoadFromCheckpointOptions {
  map_location?: MapLocation;
  /** Require the checkpoint's keys to match the module's (default: the module's `strictLoading`, true). */
  strict?: boolean | null;
  /** Also instantiate `file:`/`module:` targets found in the checkpoint (they run code from that module). */
  trust_module_targets?: boolean;
  [hparam: string]: unknown;
}

const OWN_KEYS = new Set(["map_location", "strict", "trust_module_targets"]);

/** A module or datamodule class; it is called with the hyperparameters as its options object. */
type ModuleClass<T> = new (...args: never[]) => T;

/** LightningModule.loadFromCheckpoint (see there). */
export async function loadModuleFromCheckpoint<T extends LightningModule>(
  cls: ModuleClass<T>,
  path: string,
  opts: LoadFromCheckpointOptions = {},
): Promise<T> {
  const checkpoint = readCheckpoint(path);
  try {
    const hparams = await rebuildHparams(checkpoint, "hyper_parameters", opts, path);
    const model = new (cls as unknown as new (options: unknown) => T)(hparams);
    const strict = resolveStrict(model, opts.strict ?? null, cls.name);
    if (model.configureModel !== LightningModule.prototype.configureModel) await model.configureModel();
    await model.onLoadCheckpoint(checkpoint);
    const stateDict = (checkpoint.state_dict ?? {}) as Map<string, Tensor> | Record<string, Tensor>;
    const size = stateDict instanceof Map ? stateDict.size : Object.keys(stateDict).length;
    if (size === 0) {
      process.emitWarning(`The state dict in '${path}' contains no parameters.`);
      return model;
    }
    const keys = model.loadStateDict(stateDict, { strict });
    if (!strict) {
      if (keys.missingKeys.length > 0) {
        process.emitWarning(
          `Found keys that are in the model state dict but not in the checkpoint: ${pyList(keys.missingKeys)}`,
        );
      }
      if (keys.unexpectedKeys.length > 0) {
        process.emitWarning(
          `Found keys that are not in the model state dict but in the checkpoint: ${pyList(keys.unexpectedKeys)}`,
        );
      }
    }
    const device = targetDevice(opts.map_location ?? null);
    return device === "cpu" ? model : model.to(device);
  } finally {
    disposeTensors(checkpoint); // loadStateDict copied the values into the module's own tensors
  }
}

/** LightningDataModule.loadFromCheckpoint (see there). */
export async function loadDataModuleFromCheckpoint<T extends LightningDataModule>(
  cls: ModuleClass<T>,
  path: string,
  opts: LoadFromCheckpointOptions = {},
): Promise<T> {
  const checkpoint = readCheckpoint(path);
  try {
    const hparams = await rebuildHparams(checkpoint, "datamodule_hyper_parameters", opts, path);
    const dm = new (cls as unknown as new (options: unknown) => T)(hparams);
    // Lightning stores a datamodule's state under its class name.
    const state = checkpoint[dm.constructor.name];
    if (state !== null && typeof state === "object")
      dm.loadStateDict(plain(state) as Record<string, unknown>);
    return dm;
  } finally {
    disposeTensors(checkpoint);
  }
}

// The saved hyperparameters with the caller's overrides on top, configs instantiated again.
async function rebuildHparams(
  checkpoint: Record<string, unknown>,
  key: string,
  opts: LoadFromCheckpointOptions,
  path: string,
): Promise<Record<string, unknown>> {
  const saved = plain(checkpoint[key] ?? {}) as Record<string, unknown>;
  const overrides = Object.fromEntries(Object.entries(opts).filter(([k]) => !OWN_KEYS.has(k)));
  const merged: Record<string, unknown> = { ...saved };
  for (const [k, v] of Object.entries(saved)) {
    if (k in overrides) continue;
    checkTargets(v, `${key}.${k}`, opts.trust_module_targets ?? false, path);
    try {
      merged[k] = hasTarget(v) ? await instantiate(v) : v;
    } catch (e) {
      throw new CheckpointError(
        `Cannot rebuild '${k}' from ${path}'s ${key}: ${(e as Error).message}. Pass ${k} to loadFromCheckpoint ` +
          "to override it.",
        { cause: e },
      );
    }
  }
  return { ...merged, ...overrides };
}

function hasTarget(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasTarget);
  if (value === null || typeof value !== "object") return false;
  return "_target_" in value || Object.values(value).some(hasTarget);
}

// As Lightning's instantiator allowlist: a checkpoint may name registered targets, not arbitrary modules.
function checkTargets(value: unknown, where: string, trusted: boolean, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      checkTargets(v, `${where}[${i}]`, trusted, path);
    });
  } else if (value !== null && typeof value === "object") {
    const target = (value as { _target_?: unknown })._target_;
    if (typeof target === "string" && isModuleTarget(target) && !trusted) {
      throw new CheckpointError(
        `${path}: ${where} names the module target '${target}', which was blocked to prevent running code from ` +
          "a checkpoint. If you trust this checkpoint, pass trust_module_targets: true (or pass the value itself).",
      );
    }
    for (const [k, v] of Object.entries(value)) checkTargets(v, `${where}.${k}`, trusted, path);
  }
}

function resolveStrict(model: LightningModule, strict: boolean | null, name: string): boolean {
  const own = model.strictLoading;
  if (own !== null && strict !== null && strict !== own) {
    throw new Error(
      `You set \`.loadFromCheckpoint(..., strict=${pyBool(strict)})\` which is in conflict with ` +
        `\`${name}.strictLoading=${pyBool(own)}. Please set the same value for both of them.`,
    );
  }
  return strict ?? own ?? true;
}

function targetDevice(map: MapLocation): string {
  if (map === null) return "cpu";
  if (typeof map === "string") return map;
  return map.cpu ?? "cpu"; // Kiln reads every tensor onto the CPU first
}

// Loaded dicts may be Maps (OrderedDict); hyperparameters are plain data.
function plain(value: unknown): unknown {
  if (value instanceof PyFloat) return value.value;
  if (value instanceof Map)
    return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

const pyBool = (b: boolean) => (b ? "True" : "False");
const pyList = (keys: string[]) => `[${keys.map((k) => `'${k}'`).join(", ")}]`;
