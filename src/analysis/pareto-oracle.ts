import { dominates } from "./dominates.js";
import type { Objective, Vector } from "./objective.js";

/**
 * Returns the indices (ascending) of the points no other point dominates, by comparing every pair:
 * O(k·n²). The reference the fast {@link paretoFront} is tested and benchmarked against.
 */
export function bruteForceFront(
  points: ReadonlyArray<Vector>,
  objectives: ReadonlyArray<Objective>,
): number[] {
  const front: number[] = [];
  for (let p = 0; p < points.length; p++) {
    let dominated = false;
    for (let q = 0; q < points.length && !dominated; q++) {
      dominated = q !== p && dominates(points[q], points[p], objectives);
    }
    if (!dominated) front.push(p);
  }
  return front;
}

/**
 * Returns each point's Pareto rank by peeling: rank 1 is the brute-force front, rank 2 the front of the
 * rest, and so on. O(k·n³) in the worst case; the reference for {@link nonDominatedSort}.
 */
export function bruteForceRanks(
  points: ReadonlyArray<Vector>,
  objectives: ReadonlyArray<Objective>,
): number[] {
  const ranks = new Array<number>(points.length).fill(0);
  let remaining = points.map((_, i) => i);
  for (let rank = 1; remaining.length > 0; rank++) {
    const front = remaining.filter(
      (p) => !remaining.some((q) => dominates(points[q], points[p], objectives)),
    );
    for (const p of front) ranks[p] = rank;
    remaining = remaining.filter((p) => ranks[p] === 0);
  }
  return ranks;
}
