/**
 * Returns the 1-based ranks of the values in ascending order, tied values all getting the average of the
 * ranks they span (the "fractional" ranking Spearman's coefficient needs).
 *
 * @example averageRanks([10, 20, 20, 5]) // [2, 3.5, 3.5, 1]
 */
export function averageRanks(values: ReadonlyArray<number>): number[] {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // mean of start+1 .. end
    for (let g = start; g < end; g++) ranks[order[g]] = rank;
    start = end;
  }
  return ranks;
}
