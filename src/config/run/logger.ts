/**
 * A small logging module in the shape of Python's `logging` as Hydra configures it: named loggers,
 * levels, and handlers (console, file) with `%(asctime)s`-style formats, set up from a `job_logging` /
 * `hydra_logging` dict (`version`, `formatters`, `handlers`, `root`, `loggers`).
 */
import { appendFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describeIoError, makeDirs } from "../../common/files.js";

/** Python's numeric levels. */
export const LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
export type LevelName = keyof typeof LEVELS;

/** Hydra's default job log format. */
export const DEFAULT_FORMAT = "[%(asctime)s][%(name)s][%(levelname)s] - %(message)s";

const COLORS: Record<string, string> = {
  reset: "\x1b[0m",
  cyan: "\x1b[36m",
  blue: "\x1b[34m",
  purple: "\x1b[35m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  red: "\x1b[31m",
};

/** One place log records go to. */
export interface Handler {
  level: number;
  emit(record: LogRecord): void;
  close?(): void;
}

/** A log record as the formatter sees it. */
export interface LogRecord {
  name: string;
  level: number;
  levelname: string;
  message: string;
  time: Date;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** Python's default `asctime`: `2024-01-31 12:34:56,789` (local time). */
export function asctime(d: Date): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`
  );
}

/** Formats a record with a `%(field)s` format; colorlog's `%(cyan)s`/`%(log_color)s` when `colors`. */
export function formatRecord(fmt: string, r: LogRecord, colors?: Record<string, string> | null): string {
  return fmt.replace(/%\((\w+)\)[-\d.]*[sdf]/g, (whole, field: string) => {
    switch (field) {
      case "asctime":
        return asctime(r.time);
      case "name":
        return r.name;
      case "levelname":
        return r.levelname;
      case "message":
        return r.message;
      case "levelno":
        return String(r.level);
      case "process":
        return String(process.pid);
      case "log_color":
        return colors ? (COLORS[colors[r.levelname] ?? ""] ?? "") : "";
      default:
        if (field in COLORS) return colors ? COLORS[field] : "";
        return whole;
    }
  });
}

/** Writes formatted records to stdout/stderr. */
export class StreamHandler implements Handler {
  constructor(
    public level: number,
    private readonly format: string,
    private readonly stream: "stdout" | "stderr" = "stdout",
    private readonly colors: Record<string, string> | null = null,
  ) {}
  emit(r: LogRecord): void {
    const out = this.stream === "stdout" ? process.stdout : process.stderr;
    const useColors = this.colors && (out as { isTTY?: boolean }).isTTY ? this.colors : null;
    out.write(`${formatRecord(this.format, r, useColors)}\n`);
  }
}

/**
 * Appends formatted records to a file, created (with its folder) at once, as Python's FileHandler does. A record
 * that cannot be written (a full disk) is reported once on stderr and the run goes on, as Python's
 * Handler.handleError does: losing log lines must not stop a training run.
 */
export class FileHandler implements Handler {
  #reported = false;
  constructor(
    public level: number,
    private readonly format: string,
    readonly path: string,
  ) {
    makeDirs(dirname(path), "hydra.job_logging.handlers.file.filename");
    try {
      appendFileSync(path, "");
    } catch (err) {
      throw describeIoError(err, "write", path, "hydra.job_logging.handlers.file.filename");
    }
  }
  emit(r: LogRecord): void {
    try {
      appendFileSync(this.path, `${formatRecord(this.format, r, null)}\n`);
    } catch (err) {
      if (this.#reported) return;
      this.#reported = true;
      const why = describeIoError(err, "append to", this.path, "hydra.job_logging.handlers.file.filename");
      process.stderr.write(
        `--- Logging error ---\n${why.message} Records that cannot be written are dropped.\n`,
      );
    }
  }
}

/** A named logger; records propagate to the root's handlers, as in Python. */
export class Logger {
  level: number | null = null;
  constructor(readonly name: string) {}

  private effectiveLevel(): number {
    return this.level ?? registry.rootLevel;
  }

  isEnabledFor(level: number): boolean {
    return !registry.disabled && level >= this.effectiveLevel();
  }

  log(level: number, message: string): void {
    if (!this.isEnabledFor(level)) return;
    const levelname =
      (Object.keys(LEVELS) as LevelName[]).find((k) => LEVELS[k] === level) ?? `Level ${level}`;
    const r: LogRecord = { name: this.name, level, levelname, message, time: new Date() };
    for (const h of registry.handlers) if (level >= h.level) h.emit(r);
  }
  debug(message: string): void {
    this.log(LEVELS.DEBUG, message);
  }
  info(message: string): void {
    this.log(LEVELS.INFO, message);
  }
  warn(message: string): void {
    this.log(LEVELS.WARNING, message);
  }
  warning(message: string): void {
    this.log(LEVELS.WARNING, message);
  }
  error(message: string): void {
    this.log(LEVELS.ERROR, message);
  }
}

const registry = {
  loggers: new Map<string, Logger>(),
  handlers: [] as Handler[],
  rootLevel: LEVELS.WARNING as number,
  disabled: false,
};

/** The logger of a name (created on first use), like `logging.getLogger(name)`. */
export function getLogger(name: string): Logger {
  let l = registry.loggers.get(name);
  if (!l) {
    l = new Logger(name);
    registry.loggers.set(name, l);
  }
  return l;
}

function levelOf(v: unknown, fallback: number): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.toUpperCase() in LEVELS) return LEVELS[v.toUpperCase() as LevelName];
  return fallback;
}

/** A plain logging dict (`hydra.job_logging` resolved to plain values). */
export interface LoggingConfig {
  formatters?: Record<string, { format?: string; log_colors?: Record<string, string>; "()"?: string }>;
  handlers?: Record<
    string,
    { class?: string; formatter?: string; stream?: string; filename?: string; level?: string }
  >;
  root?: { level?: string; handlers?: string[] } | null;
  loggers?: Record<string, { level?: string }>;
}

/**
 * Replaces the logging setup with one built from `conf` (Python's `dictConfig` as Hydra's `configure_log`
 * uses it); `verbose` (true, a logger name or names) sets DEBUG like `hydra.verbose`. Relative file
 * names are taken relative to `baseDir`.
 */
export function configureLogging(conf: LoggingConfig | null, verbose: unknown = false, baseDir = "."): void {
  closeHandlers();
  registry.disabled = false;
  if (conf === null) {
    registry.rootLevel = LEVELS.INFO;
    registry.handlers = [new StreamHandler(0, DEFAULT_FORMAT)];
  } else if (conf.root === null || conf.root === undefined) {
    registry.rootLevel = LEVELS.WARNING;
    registry.handlers = [];
  } else {
    registry.rootLevel = levelOf(conf.root.level, LEVELS.WARNING);
    for (const hName of conf.root.handlers ?? []) {
      const h = conf.handlers?.[hName];
      if (!h) throw new Error(`logging config: root handler '${hName}' is not defined under handlers`);
      const fmt = conf.formatters?.[h.formatter ?? ""];
      const format = fmt?.format ?? "%(message)s";
      const colors = fmt?.["()"]?.includes("colorlog") ? (fmt.log_colors ?? {}) : null;
      const level = levelOf(h.level, 0);
      if (h.class?.endsWith("FileHandler")) {
        registry.handlers.push(new FileHandler(level, format, resolve(baseDir, h.filename ?? "app.log")));
      } else {
        registry.handlers.push(
          new StreamHandler(level, format, h.stream?.includes("stderr") ? "stderr" : "stdout", colors),
        );
      }
    }
  }
  for (const [name, l] of Object.entries(conf?.loggers ?? {}))
    getLogger(name).level = levelOf(l.level, LEVELS.INFO);
  if (verbose === true) registry.rootLevel = LEVELS.DEBUG;
  else if (typeof verbose === "string") getLogger(verbose).level = LEVELS.DEBUG;
  else if (Array.isArray(verbose)) for (const n of verbose) getLogger(String(n)).level = LEVELS.DEBUG;
}

/** Python's `simple_stdout_log_config`: bare messages to stdout at `level`. */
export function simpleStdoutLogging(level: number = LEVELS.INFO): void {
  closeHandlers();
  registry.rootLevel = level;
  registry.handlers = [new StreamHandler(0, "%(message)s")];
}

/** Drops all handlers (closing files). */
export function closeHandlers(): void {
  for (const h of registry.handlers) h.close?.();
  registry.handlers = [];
}

/** The file paths log records currently go to. */
export function logFiles(): string[] {
  return registry.handlers.filter((h): h is FileHandler => h instanceof FileHandler).map((h) => h.path);
}
