import { lexOrder, samePoint, weaklyBelow } from "./lex-order.js";
import type { Objective, Vector } from "./objective.js";
import { assertPoints, toMinimizationColumns } from "./objective.js";
import { denseRanks } from "./pareto-front.js";

/**
 * Returns each point's Pareto rank (1-based): rank 1 is the front; rank r+1 is the front of what is left
 * after removing ranks 1..r. Equivalently, a point's rank is 1 + the longest chain of points dominating it.
 * Equal points share a rank.
 *
 * Algorithms (n points, k objectives):
 * - k = 1: ranks are the dense ranks of the values, O(n log n).
 * - k = 2: sort by (first, second) and keep, per rank, the best second value so far; those are
 *   non-decreasing in the rank, so a binary search places each point. O(n log n).
 * - k ≥ 3: efficient non-dominated sort with binary search (ENS-BS, Zhang et al., IEEE TEVC 2015): points in
 *   lexicographic order, each placed in the first rank none of whose members dominates it. "Some member
 *   dominates" is monotone in the rank, so the rank is found by binary search. O(k·n²) in the worst case,
 *   far less in practice.
 *
 * @example
 * nonDominatedSort([[1, 1], [2, 2], [3, 3], [1, 1]], [{ direction: "min" }, { direction: "min" }]) // [1, 2, 3, 1]
 */
export function nonDominatedSort(
  points: ReadonlyArray<Vector>,
  objectives: ReadonlyArray<Objective>,
): number[] {
  assertPoints(points, objectives);
  const n = points.length;
  if (n === 0) return [];
  const columns = toMinimizationColumns(points, objectives);
  let ranks: Uint32Array;
  if (columns.length === 1) ranks = denseRanks(columns[0], n).ranks;
  else if (columns.length === 2) ranks = ranks2(columns[0], columns[1], n);
  else ranks = ranksEns(columns, n);
  return Array.from(ranks);
}

function ranks2(x: Float64Array, y: Float64Array, n: number): Uint32Array {
  const order = lexOrder([x, y], n);
  const ranks = new Uint32Array(n);
  // bestY[r] = smallest y placed in rank r+1 so far; a point is dominated by rank r+1 iff bestY[r] <= its y
  // (every placed point is lexicographically earlier, hence no worse on x, and distinct once duplicates
  // are handled below).
  const bestY: number[] = [];
  let start = 0;
  while (start < n) {
    const first = order[start];
    let end = start + 1;
    while (end < n && x[order[end]] === x[first] && y[order[end]] === y[first]) end++;
    const v = y[first];
    let lo = 0;
    let hi = bestY.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bestY[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    if (lo === bestY.length) bestY.push(v);
    else bestY[lo] = v;
    for (let g = start; g < end; g++) ranks[order[g]] = lo + 1;
    start = end;
  }
  return ranks;
}

function ranksEns(columns: ReadonlyArray<Float64Array>, n: number): Uint32Array {
  const order = lexOrder(columns, n);
  const ranks = new Uint32Array(n);
  const fronts: number[][] = [];
  const dominatedBy = (front: number[], p: number): boolean => {
    // Recently added members are the most similar to p, so scan from the back.
    for (let f = front.length - 1; f >= 0; f--) if (weaklyBelow(columns, front[f], p)) return true;
    return false;
  };
  let start = 0;
  while (start < n) {
    const first = order[start];
    let end = start + 1;
    while (end < n && samePoint(columns, order[end], first)) end++;
    let lo = 0;
    let hi = fronts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (dominatedBy(fronts[mid], first)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === fronts.length) fronts.push([first]);
    else fronts[lo].push(first);
    for (let g = start; g < end; g++) ranks[order[g]] = lo + 1;
    start = end;
  }
  return ranks;
}
