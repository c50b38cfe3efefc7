/**
 * Reading a DictConfig view the way the Python template does with `cfg.get(key)`: a missing key gives null
 * instead of the struct-mode error that plain property access raises.
 */
import { makeDirs } from "../common/files.js";
import { type DictConfig, nodeOfView, toContainer } from "../config/index.js";

/** `cfg.get(key)` of OmegaConf: the value, or null when the key is absent. */
export function cfgGet(cfg: DictConfig | null | undefined, key: string): unknown {
  if (cfg === null || cfg === undefined || typeof cfg !== "object") return null;
  return key in cfg ? (cfg[key] ?? null) : null;
}

/** Python truthiness of a config value (empty dicts, lists and strings, 0, null and false are falsy). */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object" && nodeOfView(value) !== undefined) return Object.keys(value).length > 0;
  return true;
}

/** A config value as plain resolved JS data (views become objects and arrays; others pass through). */
export function toPlain(value: unknown): unknown {
  const node = nodeOfView(value);
  return node === undefined ? value : toContainer(node, { resolve: true });
}

/**
 * The run's output dir (`paths.output_dir`), created if missing. A config from `compose()` has none (Hydra's
 * compose API makes no run directory), so that case is an error that says what to set.
 */
export function outputDir(cfg: DictConfig): string {
  const paths = cfgGet(cfg, "paths") as DictConfig | null;
  const dir = paths === null ? null : cfgGet(paths, "output_dir");
  if (dir === null || dir === undefined || String(dir) === "" || String(dir) === "null") {
    throw new Error(
      "paths.output_dir is not set: a config made by compose() has no run directory. " +
        "Add the override 'paths.output_dir=<folder>' (e.g. logs/my-run), or run through `kiln train` / runHydraApp.",
    );
  }
  makeDirs(String(dir), "paths.output_dir");
  return String(dir);
}
