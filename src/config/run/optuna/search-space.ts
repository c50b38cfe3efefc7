/**
 * The Optuna sweeper's search space, as hydra-optuna-sweeper 1.2 builds it (`_impl.py`): each override of
 * `hydra.sweeper.params` and of the command line becomes a distribution (`choice` and `a,b` categorical,
 * `range` stepped int or float, `interval` uniform, `tag(log, interval)` log-uniform, int when both ends are
 * ints, `int(interval)` too) or, when it is not a sweep, a fixed parameter; the deprecated `search_space`
 * config form is read too. Grid sampling needs the discrete values of each distribution.
 */
import { PyFloat } from "../../../common/pyvalue.js";
import {
  CategoricalDistribution,
  type Distribution,
  FloatDistribution,
  IntDistribution,
} from "../../../optuna/distributions.js";
import {
  ChoiceSweep,
  IntervalSweep,
  type PyNumber,
  parseOverrides,
  RangeSweep,
  sweepEncoded,
} from "../../overrides/index.js";

/** The searched distributions and the fixed values, by override key. */
export interface SearchSpace {
  distributions: Record<string, Distribution>;
  /** Values of overrides that are not sweeps, as override text (Hydra's get_value_element_as_str). */
  fixed: Record<string, string>;
}

const isFloat = (x: PyNumber): boolean => x instanceof PyFloat;
const num = (x: PyNumber): number => (x instanceof PyFloat ? x.value : x);

function choices(values: unknown[], where: string): (string | number | boolean | null | PyFloat)[] {
  return values.map((x) => {
    if (
      x === null ||
      typeof x === "string" ||
      typeof x === "number" ||
      typeof x === "boolean" ||
      x instanceof PyFloat
    ) {
      return x;
    }
    throw new Error(
      `${where}: a choice sweep expects str, int, float, bool, or None type. Got ${JSON.stringify(x)}.`,
    );
  });
}

/** Reads `key=value` overrides into distributions and fixed values (`create_params_from_overrides`). */
export function searchSpaceFromOverrides(lines: string[]): SearchSpace {
  const out: SearchSpace = { distributions: {}, fixed: {} };
  for (const o of parseOverrides(lines)) {
    const key = o.keyElement;
    const where = `hydra.sweeper.params / override '${o.inputLine}'`;
    if (!o.isSweep()) {
      out.fixed[key] = o.valueElementAsString();
      continue;
    }
    const v = o.value;
    if (v instanceof ChoiceSweep) {
      out.distributions[key] = new CategoricalDistribution(choices(sweepEncoded(o), where));
    } else if (v instanceof RangeSweep) {
      if (v.shuffle) out.distributions[key] = new CategoricalDistribution(choices(sweepEncoded(o), where));
      else if (isFloat(v.start) || isFloat(v.stop) || isFloat(v.step)) {
        out.distributions[key] = new FloatDistribution(num(v.start), num(v.stop), { step: num(v.step) });
      } else {
        out.distributions[key] = new IntDistribution(num(v.start), num(v.stop), { step: num(v.step) });
      }
    } else if (v instanceof IntervalSweep) {
      const ints = !isFloat(v.start) && !isFloat(v.end);
      const log = v.tags.has("log");
      out.distributions[key] = ints
        ? new IntDistribution(num(v.start), num(v.end), { log })
        : new FloatDistribution(num(v.start), num(v.end), { log });
    } else {
      throw new Error(`${where}: ${o.inputLine} is not supported by Optuna sweeper.`);
    }
  }
  return out;
}

/** One entry of the deprecated `hydra.sweeper.search_space` form (`create_optuna_distribution_from_config`). */
export function distributionFromConfig(name: string, conf: Record<string, unknown>): Distribution {
  const where = `hydra.sweeper.search_space.${name}`;
  const known = new Set(["type", "choices", "low", "high", "log", "step"]);
  const unknown = Object.keys(conf).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new Error(`${where}: unknown keys ${unknown.join(", ")} (allowed: ${[...known].join(", ")})`);
  const log = conf.log === true;
  const need = (k: string): number => {
    if (typeof conf[k] !== "number")
      throw new Error(`${where}.${k}: a number is required for type ${String(conf.type)}`);
    return conf[k] as number;
  };
  switch (conf.type) {
    case "categorical":
      if (!Array.isArray(conf.choices))
        throw new Error(`${where}.choices: a list is required for type categorical`);
      return new CategoricalDistribution(choices(conf.choices, where));
    case "int":
      if (log) return new IntDistribution(Math.trunc(need("low")), Math.trunc(need("high")), { log: true });
      return new IntDistribution(Math.trunc(need("low")), Math.trunc(need("high")), {
        step: conf.step == null ? 1 : Math.trunc(conf.step as number),
      });
    case "float":
      if (log) return new FloatDistribution(need("low"), need("high"), { log: true });
      return new FloatDistribution(need("low"), need("high"), { step: (conf.step as number | null) ?? null });
    default:
      throw new Error(`${where}.type: '${String(conf.type)}' is not one of int, float, categorical`);
  }
}

/** The values GridSampler enumerates for a distribution (`_to_grid_sampler_choices`, which stops before high). */
export function gridChoices(name: string, d: Distribution): (string | number | boolean | null)[] {
  if (d instanceof CategoricalDistribution) return [...d.choices];
  if (d instanceof IntDistribution && !d.log) {
    const n = Math.floor((d.high - d.low) / d.step);
    return Array.from({ length: n }, (_, i) => d.low + i * d.step);
  }
  if (d instanceof FloatDistribution && d.step !== null) {
    const n = Math.floor((d.high - d.low) / d.step);
    return Array.from({ length: n }, (_, i) => d.low + i * d.step!);
  }
  throw new Error(
    `GridSampler only supports discrete distributions: '${name}' is continuous (use choice(...) or range(...)).`,
  );
}
