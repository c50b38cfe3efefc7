/**
 * Which config key an object was instantiated from (`callbacks.model_checkpoint`, `logger.mlflow`), recorded by
 * instantiate, so that an error raised much later by the object (a checkpoint folder on a full disk, an MLflow
 * store path that is a file) can name the setting to change instead of only the class and option.
 */
const origins = new WeakMap<object, string>();

/** Records that `value` was made from the config node at `key` (no-op for primitives and an empty key). */
export function recordConfigOrigin(value: unknown, key: string): void {
  if (key !== "" && value !== null && (typeof value === "object" || typeof value === "function")) {
    origins.set(value as object, key);
  }
}

/** The config key of one of `owner`'s options: `callbacks.model_checkpoint.dirpath`, else `ModelCheckpoint(dirpath)`. */
export function optionPlace(owner: object, option: string): string {
  const key = origins.get(owner);
  return key !== undefined ? `${key}.${option}` : `${owner.constructor.name}(${option})`;
}
