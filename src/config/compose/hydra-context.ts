/**
 * Where `${hydra:...}` looks (Hydra's HydraConfig singleton). Each composed task config remembers the
 * Hydra node it was composed with, so `${hydra:runtime.output_dir}` works on a config from `compose()`
 * without a run (Hydra's "HydraConfig was not set"); the most recent one is the fallback for copies.
 */
import { DictNode, type Node, registerResolver, select } from "../omegaconf/index.js";

const byRoot = new WeakMap<Node, DictNode>();
let current: DictNode | null = null;

/** Remembers `hydraNode` for `taskRoot` and makes it the current one; returns the `{hydra: ...}` holder. */
export function setHydraConfig(hydraNode: DictNode, taskRoot?: Node): DictNode {
  const holder =
    hydraNode.parent instanceof DictNode && hydraNode.key === "hydra" ? hydraNode.parent : wrap(hydraNode);
  current = holder;
  if (taskRoot) byRoot.set(taskRoot, holder);
  return holder;
}

function wrap(hydraNode: DictNode): DictNode {
  const holder = new DictNode();
  holder.set("hydra", hydraNode);
  return holder;
}

/** The current Hydra node (`cfg.hydra`), or null when nothing was composed yet. */
export function getHydraConfig(): DictNode | null {
  const h = current?.get("hydra");
  return h instanceof DictNode ? h : null;
}

/** The `{hydra: ...}` holder for a task config root (or the current one). */
export function hydraHolderFor(root: Node | null): DictNode | null {
  if (root) {
    const own = byRoot.get(root);
    if (own) return own;
    if (root instanceof DictNode && root.get("hydra") instanceof DictNode) return root;
  }
  return current;
}

let registered = false;

/** Registers the `hydra:` resolver once per process. */
export function registerHydraResolver(): void {
  if (registered) return;
  registered = true;
  registerResolver(
    "hydra",
    function (path: unknown) {
      const holder = hydraHolderFor(this.root);
      if (!holder) {
        throw new Error(
          `\${hydra:${String(path)}}: no Hydra config is set; compose the config with compose() or run it through the CLI`,
        );
      }
      return select(holder, `hydra.${String(path)}`);
    },
    { replace: true },
  );
}
