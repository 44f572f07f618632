import type { Objective, Vector } from "./objective.js";
import { assertPoints, toMinimizationColumns } from "./objective.js";

/**
 * Returns, for each point, the indices (ascending) of the points that dominate it: empty exactly for the
 * Pareto-optimal points. Compares every pair, O(k·n²), which is also the size of the answer in the worst
 * case (a chain where each point dominates all later ones).
 *
 * @example
 * dominatorsOf([[1, 1], [2, 2], [3, 3]], [{ direction: "min" }, { direction: "min" }]) // [[], [0], [0, 1]]
 */
export function dominatorsOf(
  points: ReadonlyArray<Vector>,
  objectives: ReadonlyArray<Objective>,
): number[][] {
  assertPoints(points, objectives);
  const n = points.length;
  const k = objectives.length;
  const columns = toMinimizationColumns(points, objectives);
  const result: number[][] = Array.from({ length: n }, () => []);
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < n; q++) {
      if (q === p) continue;
      let weakly = true;
      let strictly = false;
      for (let j = 0; j < k; j++) {
        const c = columns[j];
        if (c[q] > c[p]) {
          weakly = false;
          break;
        }
        if (c[q] < c[p]) strictly = true;
      }
      if (weakly && strictly) result[p].push(q);
    }
  }
  return result;
}
