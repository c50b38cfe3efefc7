/** Setting a child of a container with OmegaConf's checks: read-only, struct mode, list bounds. */
import { ConfigKeyError, type Provenance, ReadonlyConfigError } from "./errors.js";
import { type ContainerNode, DictNode, type Node } from "./nodes.js";

/** Throw unless `container` may be changed (OmegaConf: "Cannot change read-only config container"). */
export function checkWritable(container: ContainerNode, key?: string | number): void {
  if (container.getFlag("readonly")) {
    const keyPath = key === undefined ? container.keyPath() : childPath(container, key);
    throw new ReadonlyConfigError("Cannot change read-only config container", {
      keyPath,
      provenance: container.provenance,
    });
  }
}

/** The full key of `container`'s child at `key`. */
export function childPath(container: ContainerNode, key: string | number): string {
  const base = container.keyPath();
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

/** The error for adding `key` to a struct-mode dict; with an override, Hydra's hint to use `+key=...`. */
export function structError(container: DictNode, key: string, provenance?: Provenance): ConfigKeyError {
  const keyPath = childPath(container, key);
  const reason = `Key '${key}' is not in struct`;
  const override = provenance?.override;
  if (override !== undefined) {
    return new ConfigKeyError(
      `Could not override '${keyPath}'.\nTo append to your config use +${override}\n${reason}`,
      { keyPath, provenance: [provenance as Provenance] },
    );
  }
  return new ConfigKeyError(reason, { keyPath, provenance: provenance ? [provenance] : undefined });
}

/**
 * Put `node` at `key`, keeping the old node's provenance chain in front of the new one. New dict keys in
 * struct mode need `forceAdd`; list indices must exist.
 */
export function assignChild(
  container: ContainerNode,
  key: string | number,
  node: Node,
  options: { forceAdd?: boolean; provenance?: Provenance } = {},
): Node {
  checkWritable(container, key);
  if (container instanceof DictNode) {
    const k = String(key);
    const old = container.get(k);
    if (!old && container.getFlag("struct") && !options.forceAdd)
      throw structError(container, k, options.provenance);
    if (old) node.provenance = [...old.provenance, ...node.provenance];
    return container.set(k, node);
  }
  const i = typeof key === "number" ? key : Number(key);
  if (!Number.isInteger(i) || i < -container.size || i >= container.size) {
    throw new ConfigKeyError(`list index ${key} out of range (size ${container.size})`, {
      keyPath: childPath(container, key),
    });
  }
  const old = container.get(i);
  if (old) node.provenance = [...old.provenance, ...node.provenance];
  return container.set(i, node);
}
