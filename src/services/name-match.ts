/**
 * How a client's model or metric name meets the catalogue: exact first, then a loose form that ignores case and
 * punctuation (`vit-ti/16`, `VIT TI 16` → ViT-Ti/16) when it names one entry only, and otherwise the closest
 * names for a "did you mean" in the error.
 */

/** Returns the loose form of a name: lower case, letters and digits only (`ViT-Ti/16` → `vitti16`). */
export function looseName(name: string): string {
  return name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, "");
}

/**
 * Returns the entries whose loose form equals `name`'s: one entry is a match, several an ambiguity the caller
 * reports. `keys` gives each entry's names (display name, benchmark id).
 */
export function looseMatches<T>(
  name: string,
  entries: readonly T[],
  keys: (entry: T) => readonly string[],
): T[] {
  const loose = looseName(name);
  if (loose === "") return [];
  return entries.filter((e) => keys(e).some((k) => looseName(k) === loose));
}

/**
 * Returns up to `limit` names closest to `name` (edit distance between loose forms, at most a third of the
 * longer one and at least 2; a name containing the other also counts), closest first.
 */
export function suggestNames(name: string, names: readonly string[], limit = 3): string[] {
  const loose = looseName(name);
  if (loose === "") return [];
  const scored: Array<{ name: string; distance: number }> = [];
  for (const candidate of new Set(names)) {
    const other = looseName(candidate);
    const distance =
      other.includes(loose) || loose.includes(other)
        ? Math.abs(other.length - loose.length) / 100
        : editDistance(loose, other);
    if (distance <= Math.max(2, Math.floor(Math.max(loose.length, other.length) / 3)))
      scored.push({ name: candidate, distance });
  }
  return scored
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((s) => s.name);
}

/** Returns ` Did you mean "A", "B" or "C"?` for the suggestions, or an empty string without any. */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return "";
  const quoted = suggestions.map((s) => `"${s}"`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
  return ` Did you mean ${list}?`;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length];
}
