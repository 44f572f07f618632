import { lexOrder, samePoint, weaklyBelow } from "./lex-order.js";
import type { Objective, Vector } from "./objective.js";
import { assertPoints, toMinimizationColumns } from "./objective.js";

/**
 * Returns the indices (ascending) of the Pareto-optimal points: those no other point dominates. A point
 * dominates another when it is at least as good on every objective and strictly better on one, so equal
 * points are all optimal together.
 *
 * Algorithms, by the number of objectives k (n points):
 * - k = 1: one pass for the best value, O(n).
 * - k = 2: sort by (first, second) then sweep keeping the best second value seen at a strictly better first
 *   value, O(n log n).
 * - k = 3: lexicographic sort, then sweep with a Fenwick tree over the ranks of the second objective holding
 *   the prefix minimum of the third; every dominator sorts earlier, so a point is dominated exactly when an
 *   earlier distinct point is no worse on objectives two and three. O(n log n).
 * - k ≥ 4: sort-filter skyline (Chomicki et al., ICDE 2003): lexicographic sort, then compare each point only
 *   with the front found so far (a dominated point is always dominated by some front point).
 *   O(n log n + k·n·m) for a front of m points; O(k·n²) in the worst case where every point is optimal.
 *
 * @example
 * paretoFront([[0.8, 10], [0.7, 5], [0.6, 20]], [{ direction: "max" }, { direction: "min" }]) // [0, 1]
 *
 * @throws RangeError when there are no objectives or a point has a wrong length or a non-finite value.
 */
export function paretoFront(points: ReadonlyArray<Vector>, objectives: ReadonlyArray<Objective>): number[] {
  assertPoints(points, objectives);
  const mask = frontMask(toMinimizationColumns(points, objectives), points.length);
  const front: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) front.push(i);
  return front;
}

/**
 * Returns a 0/1 mask of the optimal points of minimisation-form columns (see {@link paretoFront}).
 * Exported for the other analyses, which already hold columns.
 */
export function frontMask(columns: ReadonlyArray<Float64Array>, n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  switch (columns.length) {
    case 1:
      return frontMask1(columns[0], n);
    case 2:
      return frontMask2(columns[0], columns[1], n);
    case 3:
      return frontMask3(columns, n);
    default:
      return frontMaskSkyline(columns, n);
  }
}

function frontMask1(x: Float64Array, n: number): Uint8Array {
  let best = Infinity;
  for (let i = 0; i < n; i++) if (x[i] < best) best = x[i];
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (x[i] === best) mask[i] = 1;
  return mask;
}

function frontMask2(x: Float64Array, y: Float64Array, n: number): Uint8Array {
  const order = lexOrder([x, y], n);
  const mask = new Uint8Array(n);
  // Best y among points with a strictly smaller x than the current group.
  let bestBefore = Infinity;
  let start = 0;
  while (start < n) {
    const groupX = x[order[start]];
    const groupBestY = y[order[start]]; // sorted by y within equal x
    let end = start;
    while (end < n && x[order[end]] === groupX) {
      const i = order[end];
      // Dominated by a same-x point with smaller y, or by an earlier-x point with y no worse.
      if (y[i] === groupBestY && bestBefore > y[i]) mask[i] = 1;
      end++;
    }
    if (groupBestY < bestBefore) bestBefore = groupBestY;
    start = end;
  }
  return mask;
}

function frontMask3(columns: ReadonlyArray<Float64Array>, n: number): Uint8Array {
  const [, y, z] = columns;
  const order = lexOrder(columns, n);
  const yRank = denseRanks(y, n);
  const size = yRank.maxRank;
  // Fenwick tree: tree[r] = min z over inserted points whose y-rank lies in r's range.
  const tree = new Float64Array(size + 1).fill(Infinity);
  const mask = new Uint8Array(n);
  let start = 0;
  while (start < n) {
    const first = order[start];
    let end = start + 1;
    while (end < n && samePoint(columns, order[end], first)) end++;
    const r = yRank.ranks[first];
    let minZ = Infinity;
    for (let q = r; q > 0; q -= q & -q) if (tree[q] < minZ) minZ = tree[q];
    // Every inserted point sorts earlier, so it is no worse on x; distinct from this one, it dominates
    // when it is also no worse on y and z.
    if (minZ > z[first]) for (let g = start; g < end; g++) mask[order[g]] = 1;
    const zi = z[first];
    for (let q = r; q <= size; q += q & -q) if (zi < tree[q]) tree[q] = zi;
    start = end;
  }
  return mask;
}

function frontMaskSkyline(columns: ReadonlyArray<Float64Array>, n: number): Uint8Array {
  const order = lexOrder(columns, n);
  const mask = new Uint8Array(n);
  const front: number[] = []; // one representative per distinct optimal point
  let start = 0;
  while (start < n) {
    const first = order[start];
    let end = start + 1;
    while (end < n && samePoint(columns, order[end], first)) end++;
    let dominated = false;
    for (let f = front.length - 1; f >= 0; f--) {
      if (weaklyBelow(columns, front[f], first)) {
        dominated = true;
        break;
      }
    }
    if (!dominated) {
      front.push(first);
      for (let g = start; g < end; g++) mask[order[g]] = 1;
    }
    start = end;
  }
  return mask;
}

/** Returns 1-based dense ranks of the values (equal values share a rank) and the largest rank. */
export function denseRanks(values: Float64Array, n: number): { ranks: Uint32Array; maxRank: number } {
  const sorted = values.slice(0, n).sort();
  let unique = 0;
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i];
  const ranks = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let lo = 0;
    let hi = unique - 1;
    const v = values[i];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    ranks[i] = lo + 1;
  }
  return { ranks, maxRank: unique };
}
