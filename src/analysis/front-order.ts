import type { Objective, Vector } from "./objective.js";

/**
 * Returns the indices of `points` in front order: by rank (1 = the front first), then along the front by the first
 * objective, best first (on a 2-D front that walks it from one end to the other, the second objective getting
 * better at each step), then by the later objectives, best first; equal points keep their input order.
 *
 *   frontOrder([[0.8, 3000], [0.7, 4000], [0.9, 1000]], [1, 1, 1], [{ direction: "max" }, { direction: "max" }])
 *   // → [2, 0, 1]: 0.9 @ 1000 img/s, 0.8 @ 3000, 0.7 @ 4000
 */
export function frontOrder(
  points: ReadonlyArray<Vector>,
  ranks: ReadonlyArray<number>,
  objectives: ReadonlyArray<Objective>,
): number[] {
  return points
    .map((_, i) => i)
    .sort((a, b) => ranks[a] - ranks[b] || compareBestFirst(points[a], points[b], objectives) || a - b);
}

function compareBestFirst(a: Vector, b: Vector, objectives: ReadonlyArray<Objective>): number {
  for (let j = 0; j < objectives.length; j++) {
    if (a[j] === b[j]) continue;
    return objectives[j].direction === "max" ? b[j] - a[j] : a[j] - b[j];
  }
  return 0;
}
