/**
 * The config repository (Hydra's ConfigRepository + CachingConfigRepository): looks configs and groups up
 * along the search path (first source wins), parses each config once, and turns its `defaults` list
 * into defaults-list elements, with the file:line of each entry kept for errors.
 */
import {
  DictNode,
  ListNode,
  type Node,
  type Provenance,
  parseYamlConfig,
  ValueNode,
} from "../omegaconf/index.js";
import { ConfigDefault, GroupDefault, type InputDefault } from "./default-element.js";
import { ConfigCompositionError } from "./errors.js";
import type { ConfigRepo, LoadedConfig, ObjectType } from "./repository-types.js";
import type { ConfigSource } from "./sources.js";

function lineOf(node: Node | undefined): { line?: number } {
  const p: Provenance | undefined = node?.provenance[0];
  return p?.line !== undefined ? { line: p.line } : {};
}

/** `group@pkg` -> [group, pkg]; Hydra's `_split_group` (the 1.0 `pkg:renamed` form is ignored). */
function splitGroup(groupWithPackage: string): [string, string | null] {
  const idx = groupWithPackage.indexOf("@");
  if (idx === -1) return [groupWithPackage, null];
  let pkg = groupWithPackage.slice(idx + 1);
  const colon = pkg.indexOf(":");
  if (colon !== -1) pkg = pkg.slice(0, colon);
  return [groupWithPackage.slice(0, idx), pkg];
}

/** `optional override /db` -> keywords and the group. */
function extractKeywords(key: string): { optional: boolean; override: boolean; group: string } {
  const elements = key.split(" ");
  const group = elements[elements.length - 1];
  const kw = { optional: false, override: false, group };
  for (const e of elements.slice(0, -1)) {
    if (e === "optional") kw.optional = true;
    else if (e === "override") kw.override = true;
    else break;
  }
  return kw;
}

function scalarValue(node: Node): unknown {
  return node instanceof ValueNode ? node.value : node;
}

/** Parses the raw `defaults` node of a config into elements (Hydra's `_create_defaults_list`). */
function parseDefaults(configPath: string, file: string, defaults: ListNode): InputDefault[] {
  const res: InputDefault[] = [];
  for (const item of defaults.items) {
    const source = { file, ...lineOf(item) };
    let element: InputDefault;
    if (item instanceof DictNode) {
      let oldOptional: unknown = null;
      const keys = item.keys();
      if (keys.length > 1 && keys.includes("optional")) {
        oldOptional = scalarValue(item.get("optional") as Node);
        keys.splice(keys.indexOf("optional"), 1);
      }
      if (keys.length > 1) {
        throw new ConfigCompositionError(
          `In ${configPath}: Too many keys in default item {${keys.join(", ")}}`,
          source,
        );
      }
      if (keys.length === 0) throw new ConfigCompositionError(`In ${configPath}: Missing group name`, source);
      const key = keys[0];
      const [configGroup, pkg] = splitGroup(key);
      const kw = extractKeywords(configGroup);
      if (!kw.optional && oldOptional === true) kw.optional = true;
      const valueNode = item.get(key) as Node;
      let value: string | string[] | null;
      if (valueNode instanceof ListNode) {
        value = valueNode.items.map((v) => {
          const vv = scalarValue(v);
          if (typeof vv !== "string") {
            throw new ConfigCompositionError(
              `Unsupported item value in defaults : ${typeName(vv)}, nested list items must be strings`,
              { file, ...lineOf(v) },
            );
          }
          return vv;
        });
      } else {
        const raw = scalarValue(valueNode);
        if (raw !== null && typeof raw !== "string") {
          throw new ConfigCompositionError(
            `Unsupported item value in defaults : ${typeName(raw)}. Supported: string or list`,
            source,
          );
        }
        value = raw;
      }
      element = new GroupDefault(kw.group, value, pkg, kw.optional, kw.override);
    } else {
      const raw = scalarValue(item);
      if (typeof raw !== "string") {
        throw new ConfigCompositionError(`Unsupported type in defaults : ${typeName(raw)}`, source);
      }
      const [path, pkg] = splitGroup(raw);
      element = new ConfigDefault(path, pkg);
    }
    element.source = source;
    res.push(element);
  }
  return res;
}

function typeName(v: unknown): string {
  if (v === null) return "NoneType";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "boolean") return "bool";
  if (v instanceof DictNode) return "dict";
  if (v instanceof ListNode) return "list";
  if (typeof v === "object") return "float";
  return typeof v;
}

/** Parsed configs by source and file; their nodes are never mutated after parsing (merges copy them). */
const parsedFiles = new Map<string, { text: string; loaded: LoadedConfig<DictNode> }>();

/** Looks configs up along a search path; every config is read and parsed once. */
export class ConfigRepository implements ConfigRepo<DictNode> {
  private readonly cache = new Map<string, LoadedConfig<DictNode> | null>();

  constructor(public sources: ConfigSource[]) {}

  private findSource(path: string, type: "config" | "group"): ConfigSource | undefined {
    return this.sources.find((s) => (type === "config" ? s.isConfig(path) : s.isGroup(path)));
  }

  loadConfig(configPath: string): LoadedConfig<DictNode> | null {
    const cached = this.cache.get(configPath);
    if (cached !== undefined) return cached;
    const source = this.findSource(configPath, "config");
    const read = source?.read(configPath) ?? null;
    let loaded: LoadedConfig<DictNode> | null = null;
    if (source && read) {
      // Parsed files are shared between compositions (a sweep composes every job); a changed text re-parses.
      const key = `${source.provider}|${read.file}|${configPath}`;
      const hit = parsedFiles.get(key);
      if (hit && hit.text === read.text) loaded = hit.loaded;
      else {
        loaded = this.parse(configPath, source, read.text, read.file);
        parsedFiles.set(key, { text: read.text, loaded });
      }
    }
    this.cache.set(configPath, loaded);
    return loaded;
  }

  private parse(
    configPath: string,
    source: ConfigSource,
    text: string,
    file: string,
  ): LoadedConfig<DictNode> {
    const parsed = parseYamlConfig(text, { file });
    let node: DictNode;
    if (parsed.node instanceof DictNode) node = parsed.node;
    else if (parsed.node instanceof ListNode && parsed.node.size === 0) node = new DictNode();
    else {
      throw new ConfigCompositionError(
        `Config '${configPath}' must be a mapping at the top level, got a list`,
        {
          file,
        },
      );
    }
    let elements: InputDefault[] = [];
    const defaultsNode = node.get("defaults");
    if (defaultsNode !== undefined) {
      if (!(defaultsNode instanceof ListNode)) {
        const type = defaultsNode instanceof DictNode ? "mapping" : typeName(scalarValue(defaultsNode));
        throw new ConfigCompositionError(
          `Invalid defaults list in '${configPath}', defaults must be a list (got ${type})`,
          { file, ...lineOf(defaultsNode) },
        );
      }
      elements = parseDefaults(configPath, file, defaultsNode);
      node.delete("defaults");
    }
    const hasContent = node.keys().some((k) => {
      const child = node.get(k);
      return !(child instanceof ValueNode && child.isMissing());
    });
    const pkg = parsed.header.package;
    return {
      configPath,
      file,
      provider: source.provider,
      header: { package: pkg === undefined ? null : pkg },
      node,
      hasContent,
      defaults: () => elements.map(cloneElement),
    };
  }

  groupExists(groupPath: string): boolean {
    return this.findSource(groupPath, "group") !== undefined;
  }

  configExists(configPath: string): boolean {
    return this.findSource(configPath, "config") !== undefined;
  }

  groupOptions(groupPath: string, filter: ObjectType = "config"): string[] {
    const out = new Set<string>();
    for (const s of this.sources)
      if (s.isGroup(groupPath)) for (const o of s.list(groupPath, filter)) out.add(o);
    return [...out].sort();
  }

  describeSources(): string[] {
    return this.sources.map((s) => `provider=${s.provider}, path=${s.url}`);
  }
}

function cloneElement(e: InputDefault): InputDefault {
  let c: InputDefault;
  if (e instanceof GroupDefault) {
    const value = Array.isArray(e.value) ? [...e.value] : e.value;
    c = new GroupDefault(e.group, value, e.package, e.optional, e.override, e.externalAppend);
  } else {
    const cd = e as ConfigDefault;
    c = new ConfigDefault(cd.path, cd.package, cd.optional);
  }
  c.source = e.source;
  return c;
}
