// Grad-mode scopes. They restore the previous mode even when the callback throws.
import { native } from "./native.js";

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = native().setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    native().setGradEnabled(previous);
  }
}

/** Runs `fn` without recording operations for autograd (PyTorch's `with torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with autograd recording, even inside noGrad (PyTorch's `with torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Whether autograd records operations now. */
export function isGradEnabled(): boolean {
  return native().isGradEnabled();
}

/** Turns autograd recording on or off globally; returns the previous state. Prefer noGrad/enableGrad. */
export function setGradEnabled(enabled: boolean): boolean {
  return native().setGradEnabled(enabled);
}
