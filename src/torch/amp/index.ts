// torch.amp: autocast scopes and GradScaler (automatic mixed precision).
export { type AutocastOptions, autocast, getAutocastDtype, isAutocastEnabled } from "./autocast.js";
export {
  GradScaler,
  type GradScalerOptions,
  type GradScalerStateDict,
  type ScalableOptimizer,
} from "./grad-scaler.js";
