/**
 * torchmetrics' `validate_args` checks of Accuracy's inputs, with torchmetrics' error wording so that a
 * message found in a torchmetrics issue or answer also matches Kiln's.
 */
import * as torch from "../../torch/index.js";
import type { Tensor } from "../../torch/tensor.js";

/**
 * Every label in [0, numClasses): one sync for target and preds together (`labels` null when the preds are
 * scores); the error names the tensor at fault.
 */
export function checkClassLabels(target: Tensor, labels: Tensor | null, numClasses: number): void {
  const both = labels === null ? target : torch.stack([target, labels]);
  const inRange = (t: Tensor) => Number(t.min().item()) >= 0 && Number(t.max().item()) < numClasses;
  if (inRange(both)) return;
  const check = (t: Tensor, what: string) => {
    if (inRange(t)) return;
    const max = Number(t.max().item());
    const min = Number(t.min().item());
    throw new Error(
      `Detected more unique values in \`${what}\` than expected. Expected only ${numClasses} but found ` +
        `values in [${min}, ${max}] in \`${what}\`.`,
    );
  };
  check(target, "target");
  if (labels !== null) check(labels, "preds");
}

/** Binary targets hold only 0 and 1 (and the ignore_index). */
export function checkBinaryTarget(target: Tensor, ignoreIndex: number | null): void {
  let bad = target.ne(0).logicalAnd(target.ne(1));
  if (ignoreIndex !== null) bad = bad.logicalAnd(target.ne(ignoreIndex));
  if (bad.any().item()) {
    throw new Error(
      "Detected the following values in `target`: " +
        `${JSON.stringify([...new Set(target.toArray() as number[])].sort((a, b) => a - b))} but expected only ` +
        `the following values ${ignoreIndex === null ? "[0, 1]" : `[0, 1, ${ignoreIndex}]`}.`,
    );
  }
}
