// The precision flag's values (Lightning's _PRECISION_INPUT and _convert_precision_to_unified_args): the ints and
// legacy aliases Lightning accepts, with its warnings and errors, unified to the strings the precision plugin takes.
import { PyFloat } from "../../common/pyvalue.js";
import { OptionValueError } from "../../config/instantiate/check-options.js";
import { emitWarning } from "../callbacks/messages.js";

/** Lightning's _PRECISION_INPUT_STR: the precisions a run can use. */
export type PrecisionFlag = "16-true" | "16-mixed" | "bf16-true" | "bf16-mixed" | "32-true" | "64-true";

// Lightning's _PRECISION_INPUT_STR, _PRECISION_INPUT_INT and _PRECISION_INPUT_STR_ALIAS, in its order (the error
// message lists them so); the transformer-engine values are accepted by Lightning and refused here by name.
const PRECISION_STR = [
  "transformer-engine", "transformer-engine-float16", "16-true", "16-mixed", "bf16-true", "bf16-mixed", "32-true",
  "64-true",
]; // biome-ignore format: a word list
const PRECISION_INT = [64, 32, 16];
// JS orders integer-like keys first; Lightning's message lists the aliases in this order.
const PRECISION_ALIAS_ORDER = ["64", "32", "16", "bf16"];
const PRECISION_ALIAS: Record<string, PrecisionFlag> = {
  "64": "64-true",
  "32": "32-true",
  "16": "16-mixed",
  bf16: "bf16-mixed",
};

/**
 * Lightning's _convert_precision_to_unified_args: the ints and the legacy aliases become the unified strings, the
 * aliases other than 32/64 with Lightning's warning; anything else is Lightning's ValueError.
 */
export function unifyPrecision(given: unknown, warn: (message: string) => void = emitWarning): PrecisionFlag {
  if (given === undefined || given === null) return "32-true";
  const value = given instanceof PyFloat ? given.value : given;
  const known =
    (typeof value === "number" && PRECISION_INT.includes(value)) ||
    (typeof value === "string" && (PRECISION_STR.includes(value) || value in PRECISION_ALIAS));
  if (!known) {
    const allowed = [
      ...PRECISION_STR.map((p) => `'${p}'`),
      ...PRECISION_INT,
      ...PRECISION_ALIAS_ORDER.map((p) => `'${p}'`),
    ];
    throw new OptionValueError(
      "precision",
      `Precision ${typeof value === "string" ? `'${value}'` : String(value)} is invalid. Allowed precision values: (${allowed.join(", ")})`,
    );
  }
  const text = String(value);
  const alias = PRECISION_ALIAS[text];
  if (alias !== undefined) {
    if (!text.startsWith("32") && !text.startsWith("64")) {
      warn(
        `\`precision=${text}\` is supported for historical reasons but its usage is discouraged. Please set your ` +
          `precision to ${alias} instead!`,
      );
    }
    return alias;
  }
  if (text.startsWith("transformer-engine")) {
    // Lightning's TransformerEnginePrecision needs NVIDIA's transformer_engine package (FP8 on Hopper GPUs).
    throw new OptionValueError(
      "precision",
      `Trainer(precision='${text}') needs NVIDIA Transformer Engine (FP8 layers), which Kiln does not provide. ` +
        "Use precision='bf16-mixed' or '16-mixed' for mixed precision, or 'bf16-true'/'16-true' for half weights.",
    );
  }
  return text as PrecisionFlag;
}
