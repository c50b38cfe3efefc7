// The parts of PyTorch's module printouts (extraRepr values, nested indentation) that common/pyrepr.ts and
// common/pyvalue.ts do not already give, so printouts read like PyTorch's.
import { formatPyFloat } from "../../common/pyvalue.js";

/** Python's str of a float field (always with a decimal point: 0.1, 1e-05, 0.0). */
export const pyFloat = (x: number | null): string => (x === null ? "None" : formatPyFloat(x));

/** Python's str of a tuple of ints: (3, 3) or (10,). */
export const pyTuple = (xs: readonly number[]): string =>
  xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(", ")})`;

/** PyTorch's _addindent: every line but the first indented by `spaces` (nested module printouts). */
export function indentTail(s: string, spaces: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  const pad = " ".repeat(spaces);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join("\n");
}
