/**
 * The end of an Optuna sweep as the plugin ends it: the best trial (or the Pareto front, for several
 * directions) in the log and in `<sweep dir>/optimization_results.yaml` (OmegaConf.save of `name: optuna`,
 * `best_params`, `best_value`, or `solutions`), written to a temporary name and renamed.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pyRepr } from "../../../common/pyrepr.js";
import { formatPyFloat, PyFloat } from "../../../common/pyvalue.js";
import { FloatDistribution } from "../../../optuna/distributions.js";
import type { FrozenTrial } from "../../../optuna/frozen-trial.js";
import type { Study } from "../../../optuna/study.js";
import { dumpYaml } from "../../omegaconf/index.js";
import type { Logger } from "../logger.js";

/** The trial's params with floats kept as floats (so 1.0 prints as 1.0, as Python writes it). */
function typedParams(t: FrozenTrial): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(t.params).map(([k, v]) => [
      k,
      t.distributions[k] instanceof FloatDistribution ? new PyFloat(v as number) : v,
    ]),
  );
}

const floats = (values: number[]): PyFloat[] => values.map((v) => new PyFloat(v));

/** Logs the result and writes optimization_results.yaml into `sweepDir`; returns the file's path. */
export function writeOptimizationResults(
  study: Study,
  nDirections: number,
  sweepDir: string,
  log: Logger,
): string {
  let results: Record<string, unknown>;
  if (nDirections < 2) {
    const best = study.bestTrial;
    results = { name: "optuna", best_params: typedParams(best), best_value: new PyFloat(best.value!) };
    log.info(`Best parameters: ${pyRepr(typedParams(best))}`);
    log.info(`Best value: ${formatPyFloat(best.value!)}`);
  } else {
    const front = study.bestTrials;
    results = {
      name: "optuna",
      solutions: front.map((t) => ({ params: typedParams(t), values: floats(t.values!) })),
    };
    log.info(`Number of Pareto solutions: ${front.length}`);
    for (const t of front)
      log.info(`    Values: ${pyRepr(floats(t.values!))}, Params: ${pyRepr(typedParams(t))}`);
  }
  const path = join(sweepDir, "optimization_results.yaml");
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, dumpYaml(results));
  renameSync(tmp, path);
  return path;
}
