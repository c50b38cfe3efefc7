/**
 * Hydra's callbacks (`hydra.callbacks`; Hydra 1.3's hydra/_internal/callbacks.py and hydra/experimental/
 * callback.py): each entry is instantiated once per run or multirun from the composed config, and told of the
 * run's and each job's start and end. Start hooks are called in the config's order, end hooks in reverse; a hook
 * that throws is reported as a warning and the others still run. Hooks may be async (they are awaited).
 *   run:      onRunStart(config, {configName}) → per job: onJobStart(config, {taskFunction}) → the task →
 *             onJobEnd(config, jobReturn) → onRunEnd(config, {configName, jobReturn})
 *   multirun: onMultirunStart(config, {configName}) → the jobs, as above → onMultirunEnd(config, {configName})
 * `config` is the full config (with `hydra`); in a job, the job's own. Kiln's sweep runs every job even when one
 * fails (Hydra stops at the first failure), so onMultirunEnd is called after every completed sweep.
 */
import { pyRepr } from "../../common/pyrepr.js";
import { pyStr } from "../../common/pyvalue.js";
import { instantiate } from "../instantiate/instantiate.js";
import { registerTarget } from "../instantiate/registry.js";
import { type DictConfig, type DictNode, select, toView } from "../omegaconf/index.js";
import { getLogger } from "./logger.js";
import type { JobReturn, TaskFunction } from "./run-job.js";

type Hook = void | Promise<void>;

/** Hydra's `hydra.experimental.callback.Callback`: every hook a no-op; a callback overrides the ones it needs. */
export class HydraCallback {
  /** Before the job of a run (the config is composed; `hydra.runtime.output_dir` is not set yet). */
  onRunStart(_config: DictConfig, _kwargs: { configName: string | null }): Hook {}
  /** After the job of a run returned (or failed). */
  onRunEnd(_config: DictConfig, _kwargs: { configName: string | null; jobReturn: JobReturn }): Hook {}
  /** Before the first job of a multirun. */
  onMultirunStart(_config: DictConfig, _kwargs: { configName: string | null }): Hook {}
  /** After the last job of a multirun. */
  onMultirunEnd(_config: DictConfig, _kwargs: { configName: string | null }): Hook {}
  /** In each job, after its output folder and `.hydra/` files are written, before the task runs. */
  onJobStart(_config: DictConfig, _kwargs: { taskFunction: TaskFunction }): Hook {}
  /** In each job, after the task returned or failed. */
  onJobEnd(_config: DictConfig, _jobReturn: JobReturn, _kwargs: Record<string, never>): Hook {}
}

const HOOKS = [
  "onRunStart",
  "onRunEnd",
  "onMultirunStart",
  "onMultirunEnd",
  "onJobStart",
  "onJobEnd",
] as const;
type HookName = (typeof HOOKS)[number];

/** Hydra's LogJobReturnCallback: logs the job's return value, or its error with the stack, at the job's end. */
export class LogJobReturnCallback extends HydraCallback {
  readonly log = getLogger("hydra.experimental.callbacks.LogJobReturnCallback");

  override onJobEnd(_config: DictConfig, jobReturn: JobReturn): void {
    if (jobReturn.status === "COMPLETED") {
      this.log.info(`Succeeded with return value: ${pythonStr(jobReturn.returnValue)}`);
    } else {
      // Python logs "" with exc_info: the message is followed by the traceback on the next line.
      const e = jobReturn.error;
      this.log.error(`\n${e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e)}`);
    }
  }
}

/** Hydra's PickleJobInfoCallback writes Python pickles of omegaconf objects: Kiln refuses it and says what to use. */
export class PickleJobInfoCallback extends HydraCallback {
  constructor() {
    super();
    throw new Error(
      "hydra.experimental.callbacks.PickleJobInfoCallback is not available in Kiln: it pickles the job's " +
        "DictConfig and JobReturn as Python objects, which only Python with omegaconf and hydra can load. The " +
        "job's config is already in <output_dir>/.hydra/config.yaml; for the return value use " +
        "hydra.experimental.callbacks.LogJobReturnCallback, or a callback of your own (_target_: file:...#Name).",
    );
  }
}

/** Python's str() of a return value: scalars as print() shows them, containers as their repr. */
function pythonStr(v: unknown): string {
  return v !== null && typeof v === "object" ? pyRepr(v) : pyStr(v);
}

/** Kiln's names of Hydra's own callbacks, with their Python names as aliases (registered on first use). */
function registerHydraCallbackTargets(): void {
  const table: Array<[string, typeof HydraCallback, string]> = [
    ["kiln.hydra.Callback", HydraCallback, "hydra.experimental.callback.Callback"],
    [
      "kiln.hydra.callbacks.LogJobReturnCallback",
      LogJobReturnCallback,
      "hydra.experimental.callbacks.LogJobReturnCallback",
    ],
    [
      "kiln.hydra.callbacks.PickleJobInfoCallback",
      PickleJobInfoCallback,
      "hydra.experimental.callbacks.PickleJobInfoCallback",
    ],
  ];
  for (const [name, value, alias] of table) registerTarget(name, value, { kind: "class", aliases: [alias] });
}

const snakeCase = (hook: string) => hook.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Fails when `cb` has none of the hooks, naming the keys that hold it and the snake_case hooks it may have. */
function checkHooks(cb: unknown, key: string): void {
  const obj = cb as Record<string, unknown> | null;
  const has = (name: string) => obj !== null && typeof obj === "object" && typeof obj[name] === "function";
  if (HOOKS.some(has)) return;
  const snake = HOOKS.map(snakeCase).filter(has);
  throw new TypeError(
    `hydra.callbacks.${key} has none of the callback hooks (${HOOKS.join(", ")})` +
      (snake.length > 0 ? `; it defines ${snake.join(", ")}: Kiln's hooks are camelCase` : "") +
      ". Extend kiln's HydraCallback (config.HydraCallback) and override the hooks you need.",
  );
}

/** Hydra's Callbacks: the instantiated `hydra.callbacks` of one run or multirun, notified in Hydra's order. */
export class HydraCallbacks {
  private constructor(
    private readonly callbacks: unknown[],
    private readonly warn: (message: string) => void,
  ) {}

  /** No callbacks (what a context without `hydra.callbacks` uses). */
  static none(): HydraCallbacks {
    return new HydraCallbacks([], () => {});
  }

  /** Instantiates every entry of `hydra.callbacks` in `config`, in order; an entry that fails is an error. */
  static async create(config: DictNode, warn: (message: string) => void): Promise<HydraCallbacks> {
    const node = select(config, "hydra.callbacks", { default: null });
    const view = node === null ? null : (toView(node as DictNode) as Record<string, unknown>);
    if (view === null || Object.keys(view).length === 0) return new HydraCallbacks([], warn);
    registerHydraCallbackTargets();
    const callbacks: unknown[] = [];
    for (const [key, params] of Object.entries(view)) {
      const cb = await instantiate(params);
      checkHooks(cb, key);
      callbacks.push(cb);
    }
    return new HydraCallbacks(callbacks, warn);
  }

  private async notify(hook: HookName, args: unknown[], reverse = false): Promise<void> {
    const list = reverse ? [...this.callbacks].reverse() : this.callbacks;
    for (const cb of list) {
      const fn = (cb as Record<string, unknown>)[hook];
      if (typeof fn !== "function") continue;
      try {
        await fn.apply(cb, args);
      } catch (e) {
        const type = e instanceof Error ? e.name : typeof e;
        const message = e instanceof Error ? e.message : String(e);
        this.warn(`Callback ${(cb as object).constructor.name}.${hook} raised ${type}: ${message}`);
      }
    }
  }

  onRunStart(config: DictNode, configName: string | null): Promise<void> {
    return this.notify("onRunStart", [toView(config), { configName }]);
  }
  onRunEnd(config: DictNode, configName: string | null, jobReturn: JobReturn): Promise<void> {
    return this.notify("onRunEnd", [toView(config), { configName, jobReturn }], true);
  }
  onMultirunStart(config: DictNode, configName: string | null): Promise<void> {
    return this.notify("onMultirunStart", [toView(config), { configName }]);
  }
  onMultirunEnd(config: DictNode, configName: string | null): Promise<void> {
    return this.notify("onMultirunEnd", [toView(config), { configName }], true);
  }
  onJobStart(config: DictNode, taskFunction: TaskFunction): Promise<void> {
    return this.notify("onJobStart", [toView(config), { taskFunction }]);
  }
  onJobEnd(config: DictNode, jobReturn: JobReturn): Promise<void> {
    return this.notify("onJobEnd", [toView(config), jobReturn, {}], true);
  }
}
