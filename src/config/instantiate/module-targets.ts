/**
 * Targets that name a user's own module explicitly. Only these two forms load code that is not in the
 * registry, so a config cannot reach arbitrary modules by accident:
 *
 *   _target_: "file:./src/my_model.ts#MyModel"     a file, relative to the current working directory
 *                                                   (absolute paths work too); `.ts` files load through tsx
 *   _target_: "module:my-package#MyModel"          a package (or `my-package/sub/path`), resolved from the
 *                                                   current working directory first, then from Kiln's own location
 *
 * After `#` comes the export's name; a dotted name reaches inside it (`#models.MyModel`); without `#` the
 * default export is used. The value's calling convention is the registered one if the module registered it
 * (`registerTarget` at import time), else it is detected: a `class` → `new X(options)`, a function → `fn(options)`.
 */
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { conventionForValue, type ResolvedTarget, type TargetValue } from "./registry.js";
import { enableTypeScript, isSyntaxError, isTypeScript, locateSyntaxError } from "./typescript-targets.js";

/** A parsed `file:`/`module:` reference. */
export interface ModuleReference {
  scheme: "file" | "module";
  specifier: string;
  exportPath: string[];
}

/** True when the target string names a module explicitly (`file:...` or `module:...`). */
export function isModuleTarget(target: string): boolean {
  return target.startsWith("file:") || target.startsWith("module:");
}

/** Parse `file:<path>#<export>` / `module:<package>#<export>`; throws on an empty path or export name. */
export function parseModuleTarget(target: string): ModuleReference {
  const scheme = target.startsWith("file:") ? "file" : "module";
  const rest = target.slice(scheme.length + 1);
  const hash = rest.lastIndexOf("#");
  const specifier = hash < 0 ? rest : rest.slice(0, hash);
  const exportName = hash < 0 ? "default" : rest.slice(hash + 1);
  if (specifier === "") {
    throw new Error(`Module target '${target}' has no ${scheme === "file" ? "file path" : "package name"}`);
  }
  const exportPath = exportName.split(".");
  if (exportPath.some((p) => p === "")) {
    throw new Error(`Module target '${target}' has an empty export name after '#'`);
  }
  return { scheme, specifier, exportPath };
}

function importUrl(ref: ModuleReference, cwd: string): string {
  if (ref.scheme === "file") {
    const path = isAbsolute(ref.specifier) ? ref.specifier : resolve(cwd, ref.specifier);
    return pathToFileURL(path).href;
  }
  try {
    // Resolve from the user's project, not from Kiln's node_modules.
    return pathToFileURL(createRequire(join(cwd, "package.json")).resolve(ref.specifier)).href;
  } catch {
    return ref.specifier;
  }
}

const cache = new Map<string, Promise<ResolvedTarget>>();
const loaded = new Map<string, ResolvedTarget>();

async function load(target: string, ref: ModuleReference, cwd: string): Promise<ResolvedTarget> {
  const url = importUrl(ref, cwd);
  const file = url.startsWith("file:") ? fileURLToPath(url) : null;
  let namespace: Record<string, unknown>;
  try {
    if (file !== null && isTypeScript(file)) await enableTypeScript(file);
    namespace = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    const where = file !== null && isSyntaxError(err) ? await locateSyntaxError(file, err) : null;
    const why = where ?? (err instanceof Error ? err.message : String(err));
    throw new Error(`Cannot load module target '${target}' from ${url}: ${why}`, { cause: err });
  }
  let value: unknown = namespace;
  const walked: string[] = [];
  for (const part of ref.exportPath) {
    walked.push(part);
    value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[part];
    if (value === undefined) {
      const exported = Object.keys(namespace).join(", ") || "(nothing)";
      throw new Error(
        `Module target '${target}': '${walked.join(".")}' is not exported. Exports: ${exported}`,
      );
    }
  }
  if (typeof value !== "function") {
    throw new Error(`Module target '${target}' is a ${typeof value}, not a class or function`);
  }
  const resolved = conventionForValue(value as TargetValue);
  return { ...resolved, name: target };
}

/** Load the class or function named by a `file:`/`module:` target (cached per target and working directory). */
export function resolveModuleTarget(target: string, cwd = process.cwd()): Promise<ResolvedTarget> {
  const key = `${cwd}\0${target}`;
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = load(target, parseModuleTarget(target), cwd).then((resolved) => {
      loaded.set(key, resolved);
      return resolved;
    });
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

/** The module target if an earlier async resolution loaded it, for instantiateSync (which cannot import). */
export function loadedModuleTarget(target: string, cwd = process.cwd()): ResolvedTarget | undefined {
  return loaded.get(`${cwd}\0${target}`);
}
