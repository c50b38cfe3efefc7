/**
 * The defaults tree and its flattening (Hydra's DefaultsTreeNode, ResultDefault, `_tree_to_list`): the
 * tree is walked depth-first, each leaf becomes one config to merge, deleted and `???` entries are
 * dropped, and a group chosen twice is an error.
 */
import { GroupDefault, type InputDefault } from "./default-element.js";
import { ConfigCompositionError } from "./errors.js";

/** A node of the defaults tree: an element and, when it loaded a config with a defaults list, its children. */
export class DefaultsTreeNode {
  children: Array<DefaultsTreeNode | InputDefault> | null = null;
  constructor(
    public node: InputDefault,
    public parent: DefaultsTreeNode | null = null,
  ) {}

  parentNode(): InputDefault | null {
    return this.parent?.node ?? null;
  }
}

/** One entry of the final, flattened defaults list: a config to merge at a package. */
export interface ResultDefault {
  configPath: string;
  package: string;
  parent: string | null;
  isSelf: boolean;
  primary: boolean;
  overrideKey: string | null;
}

function createResultDefault(tree: DefaultsTreeNode | null, node: InputDefault): ResultDefault | null {
  if (node.isVirtual() || node.name() === null) return null;
  let res: ResultDefault;
  if (node.isSelf()) {
    const owner = tree as DefaultsTreeNode;
    const pn = owner.parentNode();
    res = {
      configPath: owner.node.configPath(),
      isSelf: true,
      parent: pn ? pn.configPath() : null,
      package: owner.node.finalPackage(),
      primary: owner.node.primary,
      overrideKey: null,
    };
  } else {
    res = {
      configPath: node.configPath(),
      isSelf: false,
      parent: tree ? tree.node.configPath() : null,
      package: node.finalPackage(),
      primary: node.primary,
      overrideKey: node instanceof GroupDefault ? node.overrideKey() : null,
    };
  }
  return res.configPath === "_dummy_empty_config_" ? null : res;
}

function dfsWalk(tree: DefaultsTreeNode, op: (t: DefaultsTreeNode | null, n: InputDefault) => void): void {
  if (tree.children === null || tree.children.length === 0) {
    op(tree.parent, tree.node);
    return;
  }
  for (const child of tree.children) {
    if (child instanceof DefaultsTreeNode) dfsWalk(child, op);
    else op(tree, child);
  }
}

/** Flattens a defaults tree into the merge order (deleted and missing entries dropped). */
export function treeToList(tree: DefaultsTreeNode): ResultDefault[] {
  const out: ResultDefault[] = [];
  dfsWalk(tree, (t, node) => {
    if (node.deleted || node.isMissing()) return;
    const rd = createResultDefault(t, node);
    if (rd) out.push(rd);
  });
  return out;
}

/** Fails when one group key appears twice in the final list. */
export function ensureNoDuplicates(result: ResultDefault[]): void {
  const keys = new Set<string>();
  for (const item of result) {
    if (item.isSelf || item.overrideKey === null) continue;
    if (keys.has(item.overrideKey)) {
      throw new ConfigCompositionError(
        `${item.overrideKey} appears more than once in the final defaults list`,
      );
    }
    keys.add(item.overrideKey);
  }
}
