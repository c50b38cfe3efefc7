/**
 * "Did you mean" suggestions for unknown target names and unknown option keys: Levenshtein distance over
 * the whole name and over its last dotted segment, so `torch.optim.Adamm` finds `torch.optim.Adam` and a
 * bare `ModelCheckpoint` finds `lightning.pytorch.callbacks.ModelCheckpoint`.
 */

/** Levenshtein edit distance (insertions, deletions, substitutions) between two strings. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

function lastSegment(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? name : name.slice(dot + 1);
}

/** Score of one candidate: the smaller of the full-name distance and the last-segment distance. */
function score(query: string, candidate: string): number {
  const q = query.toLowerCase();
  const c = candidate.toLowerCase();
  const full = levenshtein(q, c);
  if (!q.includes(".") || lastSegment(q) === q) {
    // A bare class name: compare it with the candidate's last segment too.
    return Math.min(full, levenshtein(q, lastSegment(c)));
  }
  // Same last segment under another package (e.g. `pytorch_lightning.callbacks.X`): a strong hint.
  if (lastSegment(q) === lastSegment(c)) return Math.min(full, 1);
  return full;
}

/** Up to `limit` candidates close to `query`, best first; "close" scales with the query's length. */
export function closestMatches(query: string, candidates: Iterable<string>, limit = 3): string[] {
  const threshold = Math.max(2, Math.floor(lastSegment(query).length / 3));
  const scored: [number, string][] = [];
  for (const candidate of new Set(candidates)) {
    const s = score(query, candidate);
    if (s <= threshold) scored.push([s, candidate]);
  }
  scored.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]));
  return scored.slice(0, limit).map(([, c]) => c);
}

/** ` Did you mean 'a' or 'b'?` (with a leading space), or "" when nothing is close. */
export function didYouMean(query: string, candidates: Iterable<string>, limit = 3): string {
  const matches = closestMatches(query, candidates, limit).map((m) => `'${m}'`);
  if (matches.length === 0) return "";
  const list = matches.length === 1 ? matches[0] : `${matches.slice(0, -1).join(", ")} or ${matches.at(-1)}`;
  return ` Did you mean ${list}?`;
}
