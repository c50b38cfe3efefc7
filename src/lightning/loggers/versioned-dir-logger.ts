/**
 * The `save_dir/name/version_N` layout that CSVLogger and TensorBoardLogger share: Lightning's two file
 * loggers take the same three options and number versions the same way, so the code lives here once.
 */
import { join } from "node:path";
import { nextVersion } from "./files.js";
import { Logger } from "./logger.js";

/** The folder options of the file loggers (Lightning's names and defaults). */
export interface VersionedDirOptions {
  save_dir: string;
  /** Experiment folder under save_dir (default "lightning_logs"; "" or null for none). */
  name?: string | null;
  /** An int gives `version_N`; a string is the folder name; default: the next free N. */
  version?: number | string | null;
}

/** A logger that writes into `save_dir/name/version_N`, choosing N on first use. */
export abstract class VersionedDirLogger extends Logger {
  private readonly _saveDir: string;
  private readonly _name: string;
  private _version: number | string | undefined;

  /** Reads the folder options; `className` names the logger in the error for a missing save_dir. */
  protected constructor(className: string, options: VersionedDirOptions) {
    super();
    if (!options || typeof options.save_dir !== "string") {
      throw new TypeError(
        `${className}: \`save_dir\` is required (the folder that holds \`<name>/version_N\`).`,
      );
    }
    this._saveDir = options.save_dir;
    this._name = options.name === undefined ? "lightning_logs" : (options.name ?? "");
    this._version = options.version ?? undefined;
  }

  get name(): string {
    return this._name;
  }
  /** The version, chosen on first use as the next free `version_N` in rootDir. */
  get version(): number | string {
    this._version ??= nextVersion(this.rootDir);
    return this._version;
  }
  override get saveDir(): string {
    return this._saveDir;
  }
  override get rootDir(): string {
    return join(this._saveDir, this._name);
  }
}
