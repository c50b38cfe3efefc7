/**
 * Elements of a defaults list, as Hydra 1.3 models them (hydra/core/default_element.py): a config path
 * (`db/mysql`, `_self_`), a group choice (`db: mysql`, `optional db: x`, `override db: y`, `db@pkg: z`),
 * and the virtual root that holds `hydra/config` and the primary config. Package arithmetic and
 * override keys follow Hydra exactly, because users' configs depend on where things land.
 */
import { ConfigCompositionError } from "./errors.js";

/** Where an element was written: file and line, for error messages. */
export interface ElementSource {
  file?: string;
  line?: number;
  override?: string;
}

const INTERPOLATION = /\$\{\s*([^{}]*?)\s*\}/g;

/** Final package = parent package + relative package; a `_global_` anywhere restarts from the root. */
function joinFinalPackage(parentPackage: string, pkg: string): string {
  let ret: string;
  if (parentPackage === "") ret = pkg;
  else ret = pkg === "" ? parentPackage : `${parentPackage}.${pkg}`;
  const lgi = ret.lastIndexOf("_global_");
  return lgi === -1 ? ret : ret.slice(lgi + "_global_".length + 1);
}

/** Common state and package logic of every defaults-list element. */
export abstract class InputDefault {
  package: string | null;
  parentBaseDir: string | null = null;
  parentPackage: string | null = null;
  packageHeader: string | null = null;
  primary = false;
  deleted = false;
  source: ElementSource = {};

  constructor(pkg: string | null) {
    this.package = pkg === "_here_" ? "" : pkg;
  }

  abstract isSelf(): boolean;
  abstract isOptional(): boolean;
  abstract groupPath(): string;
  abstract configPath(): string;
  abstract name(): string | null;
  abstract isInterpolation(): boolean;
  abstract isMissing(): boolean;
  abstract isOverride(): boolean;
  abstract isExternalAppend(): boolean;
  abstract finalPackage(defaultToHeader?: boolean): string;
  protected abstract relativeGroupPath(): string;

  isVirtual(): boolean {
    return false;
  }

  /** Records the folder and package of the config that lists this element. */
  updateParent(parentBaseDir: string, parentPackage: string): void {
    this.parentBaseDir = parentBaseDir;
    this.parentPackage = parentPackage;
    if (this.package?.includes("_group_")) {
      // `_group_` in a defaults-list package still means the group (only the header keyword was removed).
      this.package = `_global_.${this.package.replace("_group_", this.defaultPackage())}`;
    }
  }

  /** The package a group's configs land in when nothing says otherwise: `a/b` -> `a.b`. */
  defaultPackage(): string {
    return this.groupPath().replaceAll("/", ".");
  }

  /** Applies a `# @package` header; headers are absolute (Hydra prefixes `_global_`). */
  setPackageHeader(header: string | null): void {
    if (header === null) return;
    let h = header;
    if (h !== "_global_" && !h.startsWith("_global_.")) h = h === "" ? "_global_" : `_global_.${h}`;
    this.packageHeader = h;
  }

  /** The package from the defaults list, else from the file's header. */
  getPackage(defaultToHeader = true): string | null {
    if (this.package === null && defaultToHeader) return this.packageHeader;
    return this.package;
  }

  protected computeFinalPackage(parentPackage: string, pkg: string | null): string {
    return joinFinalPackage(parentPackage, pkg ?? this.relativeGroupPath().replaceAll("/", "."));
  }

  /** The key that command-line and `override` entries use to address this choice (`db`, `db@backup`). */
  overrideKey(): string {
    const defaultPkg = this.defaultPackage();
    let finalPkg = this.finalPackage(false);
    let key = this.groupPath();
    if (defaultPkg !== finalPkg) {
      if (finalPkg === "") finalPkg = "_global_";
      key = `${key}@${finalPkg}`;
    }
    return key;
  }

  /** Replaces `${group}` references with the choices known so far (defaults-list interpolation). */
  protected resolveInterpolationText(knownChoices: Map<string, string | null>, val: string): string {
    const ret = val.replace(INTERPOLATION, (whole: string, key: string) => {
      const choice = knownChoices.get(key.trim());
      return typeof choice === "string" ? choice : whole;
    });
    if (ret.includes("${")) {
      const options = [...knownChoices.keys()];
      const hint = options.length > 0 ? `, possible interpolation keys: ${options.join(", ")}` : "";
      throw new ConfigCompositionError(`Error resolving interpolation '${val}'${hint}`, this.source);
    }
    return ret;
  }

  abstract resolveInterpolation(knownChoices: Map<string, string | null>): void;
}

function splitAbsolute(path: string): [string, boolean] {
  return path.startsWith("/") ? [path.slice(1), true] : [path, false];
}

/** A config named by path: `_self_`, `db/mysql`, `/abs/path`, `other_config`. */
export class ConfigDefault extends InputDefault {
  constructor(
    public path: string,
    pkg: string | null = null,
    public optional = false,
  ) {
    super(pkg);
    if (path === "_self_" && pkg !== null) {
      throw new ConfigCompositionError("_self_@PACKAGE is not supported");
    }
  }

  isSelf(): boolean {
    return this.path === "_self_";
  }
  isOptional(): boolean {
    return this.optional;
  }
  isOverride(): boolean {
    return false;
  }
  isExternalAppend(): boolean {
    return false;
  }

  groupPath(): string {
    const [path, absolute] = splitAbsolute(this.path);
    const idx = path.lastIndexOf("/");
    const group = idx === -1 ? "" : path.slice(0, idx);
    if (absolute || this.parentBaseDir === "" || this.parentBaseDir === null) return group;
    return group === "" ? this.parentBaseDir : `${this.parentBaseDir}/${group}`;
  }

  name(): string {
    const idx = this.path.lastIndexOf("/");
    return idx === -1 ? this.path : this.path.slice(idx + 1);
  }

  configPath(): string {
    const [path, absolute] = splitAbsolute(this.path);
    if (absolute || this.parentBaseDir === "" || this.parentBaseDir === null) return path;
    return `${this.parentBaseDir}/${path}`;
  }

  finalPackage(defaultToHeader = true): string {
    return this.computeFinalPackage(this.parentPackage ?? "", this.getPackage(defaultToHeader));
  }

  protected relativeGroupPath(): string {
    const [path] = splitAbsolute(this.path);
    const idx = path.lastIndexOf("/");
    return idx === -1 ? "" : path.slice(0, idx);
  }

  isInterpolation(): boolean {
    return this.configPath().includes("${");
  }

  resolveInterpolation(knownChoices: Map<string, string | null>): void {
    const [path, absolute] = splitAbsolute(this.path);
    const resolved = this.resolveInterpolationText(knownChoices, path);
    this.path = absolute ? `/${resolved.replace(/^\/+/, "")}` : resolved;
  }

  isMissing(): boolean {
    return this.name() === "???";
  }
}

/** A group choice: `db: mysql`, `optional db: x`, `override /db: y`, `db@pkg: [a, b]`, `db: null`. */
export class GroupDefault extends InputDefault {
  configNameOverridden = false;

  constructor(
    public group: string,
    public value: string | string[] | null,
    pkg: string | null = null,
    public optional = false,
    public override = false,
    public externalAppend = false,
  ) {
    super(pkg);
  }

  isSelf(): boolean {
    return this.value === "_self_";
  }
  isOptional(): boolean {
    return this.optional;
  }
  isOverride(): boolean {
    return this.override;
  }
  isExternalAppend(): boolean {
    return this.externalAppend;
  }

  groupPath(): string {
    const [group, abs] = splitAbsolute(this.group);
    const absolute = abs || this.externalAppend;
    if (this.parentBaseDir === "" || this.parentBaseDir === null || absolute) return group;
    return `${this.parentBaseDir}/${group}`;
  }

  configPath(): string {
    return `${this.groupPath()}/${this.name()}`;
  }

  /** True when the value is one name (or null), false for a list of options. */
  isName(): boolean {
    return !Array.isArray(this.value);
  }
  isOptions(): boolean {
    return Array.isArray(this.value);
  }

  name(): string | null {
    return Array.isArray(this.value) ? null : this.value;
  }

  options(): string[] {
    return Array.isArray(this.value) ? this.value : [];
  }

  finalPackage(defaultToHeader = true): string {
    const parent = this.externalAppend ? "" : (this.parentPackage ?? "");
    return this.computeFinalPackage(parent, this.getPackage(defaultToHeader));
  }

  protected relativeGroupPath(): string {
    return splitAbsolute(this.group)[0];
  }

  isInterpolation(): boolean {
    return typeof this.value === "string" && this.value.includes("${");
  }

  resolveInterpolation(knownChoices: Map<string, string | null>): void {
    if (typeof this.value === "string") this.value = this.resolveInterpolationText(knownChoices, this.value);
  }

  isMissing(): boolean {
    return this.value === "???";
  }

  /** The key an `override` entry in a nested config uses, relative to that config. */
  relativeOverrideKey(): string {
    let key = this.group;
    if (this.defaultPackage() !== this.getPackage() && this.package !== null) key = `${key}@${this.package}`;
    return key;
  }
}

/** The invisible root above `hydra/config` and the primary config. */
export class VirtualRoot extends InputDefault {
  constructor() {
    super(null);
  }
  override isVirtual(): boolean {
    return true;
  }
  isSelf(): boolean {
    return false;
  }
  isOptional(): boolean {
    return false;
  }
  groupPath(): string {
    return "";
  }
  configPath(): string {
    return "<root>";
  }
  name(): string | null {
    return null;
  }
  isInterpolation(): boolean {
    return false;
  }
  isMissing(): boolean {
    return false;
  }
  isOverride(): boolean {
    return false;
  }
  isExternalAppend(): boolean {
    return false;
  }
  finalPackage(): string {
    return "";
  }
  protected relativeGroupPath(): string {
    return "";
  }
  resolveInterpolation(): void {}
}
