/**
 * ModelCheckpoint's file names, as Lightning's `_format_checkpoint_name`: the template's `{name}` and
 * `{name:spec}` groups are filled from the monitor candidates (missing names count as 0), and with
 * auto_insert_metric_name each group is prefixed with `name=`. The template is rewritten with the same string
 * replacements Lightning makes and then formatted with Python's rules, so odd templates come out the same.
 */
import { type PyNumber, pyFormatKeyed } from "./pyformat.js";

/** Lightning's CHECKPOINT_JOIN_CHAR. */
export const CHECKPOINT_JOIN_CHAR = "-";
/** Lightning's CHECKPOINT_EQUALS_CHAR. */
export const CHECKPOINT_EQUALS_CHAR = "=";

/** Values a file name can use: ints (epoch, step) and floats (logged metrics). */
export type NameMetrics = Map<string, PyNumber>;

/**
 * The file name (without directory or extension) for `template` (Lightning's default `{epoch}-{step}` when
 * empty); `prefix` is joined in front with `-`.
 */
export function formatCheckpointFilename(
  template: string | null | undefined,
  metrics: NameMetrics,
  autoInsertMetricName: boolean,
  prefix?: string | null,
): string {
  let filename = template ? template : `{epoch}${CHECKPOINT_JOIN_CHAR}{step}`;
  // Python: re.findall(r"(\{.*?)[:\}]", filename), longest first so `{epoch_test` is replaced before `{epoch`.
  const groups = [...filename.matchAll(/(\{.*?)[:}]/g)].map((m) => m[1]!);
  groups.sort((a, b) => b.length - a.length);
  for (const grp of groups) {
    const name = grp.slice(1);
    if (autoInsertMetricName) {
      filename = filename.replaceAll(grp, `${name}${CHECKPOINT_EQUALS_CHAR}{${name}`);
    }
    filename = filename.replaceAll(grp, `{0[${name}]`);
    if (!metrics.has(name)) metrics.set(name, { value: 0, isInt: true });
  }
  const formatted = pyFormatKeyed(filename, (key) => {
    const value = metrics.get(key);
    if (value === undefined)
      throw new Error(`KeyError: '${key}' in checkpoint filename template '${template}'`);
    return value;
  });
  return prefix !== undefined && prefix !== null ? [prefix, formatted].join(CHECKPOINT_JOIN_CHAR) : formatted;
}
