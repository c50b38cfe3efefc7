/**
 * The defaults-list algorithm of Hydra 1.3 (hydra/_internal/defaults_list.py), ported step for step:
 * build the defaults tree depth-first from the primary config (children visited last-to-first so that
 * later entries and `override`s win), resolve `${group}` interpolations once the choices are known,
 * then flatten the tree into the ordered list of configs to merge.
 */
import { ConfigDefault, GroupDefault, type InputDefault, VirtualRoot } from "./default-element.js";
import { DefaultsOverrides, type OverrideInput } from "./defaults-overrides.js";
import { DefaultsTreeNode, ensureNoDuplicates, type ResultDefault, treeToList } from "./defaults-tree.js";
import { ConfigCompositionError, MissingConfigError } from "./errors.js";
import type { ConfigRepo } from "./repository-types.js";

/** The result of the defaults-list computation. */
export interface DefaultsList {
  defaults: ResultDefault[];
  tree: DefaultsTreeNode;
  /** Overrides that change values (not groups), in command-line order. */
  configOverrides: OverrideInput[];
  overrides: DefaultsOverrides;
}

/** Options of `createDefaultsList`. */
export interface DefaultsListOptions {
  repo: ConfigRepo;
  configName: string | null;
  overrides: OverrideInput[];
  /** Put `hydra/config` before the primary config (true for a real run, false in isolated tests). */
  prependHydra: boolean;
  /** Leave `???` group choices unresolved instead of failing (multirun master config). */
  skipMissing: boolean;
  /** Called with Hydra's "Defaults list is missing `_self_`" warning. */
  warn?: (message: string) => void;
}

interface Ctx {
  repo: ConfigRepo;
  overrides: DefaultsOverrides;
  skipMissing: boolean;
  warn: (message: string) => void;
}

/** Computes the defaults list and tree of a primary config with command-line overrides. */
export function createDefaultsList(opts: DefaultsListOptions): DefaultsList {
  const overrides = new DefaultsOverrides((g) => opts.repo.groupExists(g), opts.overrides);
  const ctx: Ctx = {
    repo: opts.repo,
    overrides,
    skipMissing: opts.skipMissing,
    warn: opts.warn ?? ((m) => process.emitWarning(m)),
  };
  const root = createRoot(opts.configName, opts.prependHydra);
  const tree = createTree(ctx, root, true, false);
  const defaults = treeToList(tree);
  ensureNoDuplicates(defaults);
  overrides.ensureOverridesUsed();
  overrides.ensureDeletionsUsed();
  return { defaults, tree, configOverrides: overrides.configOverrides, overrides };
}

function createRoot(configName: string | null, withHydra: boolean): DefaultsTreeNode {
  const primary = new ConfigDefault(configName ?? "_dummy_empty_config_");
  primary.primary = true;
  if (!withHydra) return new DefaultsTreeNode(primary);
  const root = new DefaultsTreeNode(new VirtualRoot());
  root.children = [new ConfigDefault("hydra/config"), primary];
  return root;
}

function validateSelf(containing: InputDefault, defaults: InputDefault[], hasContent: boolean, ctx: Ctx) {
  let hasSelf = false;
  let hasNonOverride = false;
  for (const d of defaults) {
    if (!d.isOverride()) hasNonOverride = true;
    if (d.isSelf()) {
      if (hasSelf) {
        throw new ConfigCompositionError(`Duplicate _self_ defined in ${containing.configPath()}`, d.source);
      }
      hasSelf = true;
    }
  }
  if ((!hasSelf && hasNonOverride) || defaults.length === 0) {
    if (containing.primary && hasContent && hasNonOverride) {
      ctx.warn(
        `In '${containing.configPath()}': Defaults list is missing \`_self_\`. ` +
          "See https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/default_composition_order for more information",
      );
    }
    defaults.push(new ConfigDefault("_self_"));
  }
  return !hasSelf;
}

function updatePackageHeader(ctx: Ctx, node: InputDefault): void {
  if (node.isMissing()) return;
  const loaded = ctx.repo.loadConfig(node.configPath());
  if (loaded) node.setPackageHeader(loaded.header.package);
}

function expandVirtualRoot(ctx: Ctx, root: DefaultsTreeNode): DefaultsTreeNode {
  const children: Array<DefaultsTreeNode | InputDefault> = [];
  for (const d of [...(root.children ?? [])].reverse()) {
    const node = d as InputDefault;
    const newRoot = new DefaultsTreeNode(node, root);
    node.updateParent("", "");
    const subtree = createTree(ctx, newRoot, node.primary, false);
    children.push(subtree.children === null ? node : subtree);
  }
  if (children.length > 0) root.children = children.reverse();
  return root;
}

function checkNotMissing(ctx: Ctx, d: InputDefault): boolean {
  if (!d.configPath().endsWith("???")) return false;
  if (ctx.skipMissing) return true;
  if (d instanceof GroupDefault) {
    const key = d.overrideKey();
    const options = ctx.repo.groupOptions(d.groupPath(), "config");
    throw new ConfigCompositionError(
      `You must specify '${key}', e.g, ${key}=<OPTION>\nAvailable options:\n` +
        options.map((x) => `\t${x}`).join("\n"),
      d.source,
    );
  }
  throw new ConfigCompositionError(`Missing ConfigDefault is not supported : ${d.configPath()}`, d.source);
}

function interpolationMap(ctx: Ctx): Map<string, string | null> {
  return new Map(ctx.overrides.knownChoices);
}

function updateOverrides(
  ctx: Ctx,
  defaults: InputDefault[],
  parent: InputDefault,
  interpolatedSubtree: boolean,
): void {
  let seenOverride = false;
  let lastOverride: GroupDefault | null = null;
  for (const d of defaults) {
    if (d.isSelf()) continue;
    d.updateParent(parent.groupPath(), parent.finalPackage());
    // Hydra 1.3 still accepts `hydra/...` choices without `override` in a primary config, with a warning. A
    // `+hydra/group=option` from the command line is an append (e.g. `+hydra/sweeper/pruner=median`), as with
    // version_base 1.3, not such a legacy override.
    const legacyHydraOverride =
      d instanceof GroupDefault && !d.override && !d.isExternalAppend() && d.group.startsWith("hydra/");
    if (seenOverride && !(d.isOverride() || d.isExternalAppend() || legacyHydraOverride)) {
      const last = lastOverride as GroupDefault;
      throw new ConfigCompositionError(
        `In ${parent.configPath()}: Override '${last.overrideKey()} : ${last.name()}' is defined before ` +
          `'${d.overrideKey()}: ${d.name()}'.\nOverrides must be at the end of the defaults list`,
        d.source,
      );
    }
    if (d instanceof GroupDefault && legacyHydraOverride) {
      d.override = true;
      ctx.warn(
        `In ${parent.configPath()}: Invalid overriding of ${d.group}:\n` +
          "Default list overrides requires 'override' keyword.\n" +
          "See https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/defaults_list_override for more information.",
      );
    }
    if (d instanceof GroupDefault && d.override) {
      if (!legacyHydraOverride) seenOverride = true;
      lastOverride = d;
      if (interpolatedSubtree) {
        throw new ConfigCompositionError(
          `${parent.configPath()}: Default List Overrides are not allowed in the subtree\n` +
            `of an in interpolated config group (override ${d.overrideKey()}=${d.name()}).`,
          d.source,
        );
      }
      ctx.overrides.addOverride(parent.configPath(), d);
    }
  }
}

function createTree(
  ctx: Ctx,
  root: DefaultsTreeNode,
  isRootConfig: boolean,
  interpolatedSubtree: boolean,
): DefaultsTreeNode {
  const parent = root.node;
  const children: Array<DefaultsTreeNode | InputDefault> = [];
  if (parent.isVirtual()) return isRootConfig ? expandVirtualRoot(ctx, root) : root;

  if (isRootConfig) {
    parent.updateParent("", "");
    if (!ctx.repo.configExists(parent.configPath())) configNotFound(ctx, root);
  }
  updatePackageHeader(ctx, parent);
  if (ctx.overrides.isDeleted(parent)) {
    ctx.overrides.delete(parent);
    return root;
  }
  ctx.overrides.setKnownChoice(parent);
  if (parent.name() === null) return root;
  if (checkNotMissing(ctx, parent)) return root;

  const path = parent.configPath();
  const loaded = ctx.repo.loadConfig(path);
  if (loaded === null) {
    if (parent.isOptional()) {
      parent.deleted = true;
      return root;
    }
    configNotFound(ctx, root);
  }
  const defaults = (loaded as NonNullable<typeof loaded>).defaults();
  let selfAdded = false;
  if (defaults.length > 0 || (isRootConfig && ctx.overrides.appendGroupDefaults.length > 0)) {
    selfAdded = validateSelf(parent, defaults, (loaded as NonNullable<typeof loaded>).hasContent, ctx);
  }
  if (isRootConfig) defaults.push(...ctx.overrides.appendGroupDefaults);
  updateOverrides(ctx, defaults, parent, interpolatedSubtree);
  void selfAdded;

  const addChild = (newRoot: DefaultsTreeNode) => {
    const subtree = createTree(ctx, newRoot, false, interpolatedSubtree);
    children.push(subtree.children === null ? newRoot.node : subtree);
  };

  for (const d of [...defaults].reverse()) {
    if (d.isSelf()) {
      d.updateParent(root.node.parentBaseDir ?? "", root.node.getPackage() ?? "");
      children.push(d);
      continue;
    }
    if (d.isOverride()) continue;
    d.updateParent(parent.groupPath(), parent.finalPackage());
    if (ctx.overrides.isOverridden(d)) ctx.overrides.overrideDefaultOption(d as GroupDefault);
    if (d instanceof GroupDefault && d.isOptions()) {
      for (const item of [...d.options()].reverse()) {
        if (item.includes("${")) {
          throw new ConfigCompositionError(
            `In '${path}': Defaults List interpolation is not supported in options list items`,
            d.source,
          );
        }
        const node = new ConfigDefault(`${d.group}/${item}`, d.package, d.isOptional());
        node.source = d.source;
        node.updateParent(parent.groupPath(), parent.finalPackage());
        addChild(new DefaultsTreeNode(node, root));
      }
    } else if (d.isInterpolation()) {
      children.push(d);
    } else {
      addChild(new DefaultsTreeNode(d, root));
    }
  }

  // Interpolated choices (`db: ${server}`) are resolved only now, when every choice at this level is known.
  const known = interpolationMap(ctx);
  for (let i = 0; i < children.length; i++) {
    const dd = children[i];
    if (dd instanceof DefaultsTreeNode || !dd.isInterpolation()) continue;
    dd.resolveInterpolation(known);
    const newRoot = new DefaultsTreeNode(dd, root);
    dd.updateParent(parent.groupPath(), parent.finalPackage());
    const subtree = createTree(ctx, newRoot, false, true);
    if (subtree.children !== null) children[i] = subtree;
  }
  if (children.length > 0) root.children = children.reverse();
  return root;
}

function configNotFound(ctx: Ctx, tree: DefaultsTreeNode): never {
  const element = tree.node;
  let options: string[] | null = null;
  let msg: string;
  if (element instanceof GroupDefault) options = ctx.repo.groupOptions(element.groupPath(), "config");
  if (element.primary) {
    msg = `Cannot find primary config '${element.configPath()}'. Check that it's in your config search path.\n`;
  } else {
    if (element instanceof GroupDefault) {
      msg = `Could not find '${element.configPath()}'\n`;
      if (options && options.length > 0) {
        msg += `\nAvailable options in '${element.groupPath()}':\n` + options.map((x) => `\t${x}`).join("\n");
      }
    } else {
      msg = `Could not load '${element.configPath()}'.\n`;
    }
    const parent = tree.parent?.node;
    if (parent && !parent.isVirtual()) msg = `In '${parent.configPath()}': ${msg}`;
  }
  msg += `\nConfig search path:\n${ctx.repo
    .describeSources()
    .map((s) => `\t${s}`)
    .join("\n")}`;
  throw new MissingConfigError(msg, element.configPath(), options, element.source);
}
