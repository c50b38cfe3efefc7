/** `get_metric_value`: the value a sweep optimizes, read from the run's metrics by `optimized_metric`. */
import { closestMatches } from "../config/index.js";
import { RankedLogger } from "./ranked-logger.js";

const log = new RankedLogger("src.utils.utils", true);

/** A metric as the trainer reports it: a number, or a tensor-like with item(). */
export type MetricDictValue = number | { item(): number | boolean };

/** The metric `metricName` of `metricDict` as a number; null when no name is given; an error with a hint when missing. */
export function getMetricValue(
  metricDict: Readonly<Record<string, MetricDictValue>>,
  metricName: string | null | undefined,
): number | null {
  if (!metricName) {
    log.info("Metric name is None! Skipping metric value retrieval...");
    return null;
  }
  if (!(metricName in metricDict)) {
    const names = Object.keys(metricDict);
    const near = closestMatches(metricName, names);
    const hint = near.length > 0 ? `Did you mean ${near.map((n) => `'${n}'`).join(", ")}? ` : "";
    throw new Error(
      `Metric value not found! <metric_name=${metricName}>\n` +
        `${hint}Logged metrics: ${names.length > 0 ? names.join(", ") : "(none)"}\n` +
        "Make sure metric name logged in LightningModule is correct!\n" +
        "Make sure `optimized_metric` name in `hparams_search` config is correct!",
    );
  }
  const raw = metricDict[metricName]!;
  const value = typeof raw === "number" ? raw : Number(raw.item());
  log.info(`Retrieved metric value! <${metricName}=${value}>`);
  return value;
}
