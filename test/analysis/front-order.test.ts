import { describe, expect, it } from "vitest";

import { frontOrder } from "../../src/analysis/front-order.js";
import { paretoAnalysis } from "../../src/analysis/pareto-analysis.js";

const UP = { direction: "max" } as const;
const DOWN = { direction: "min" } as const;

describe("frontOrder", () => {
  it("Handles an empty list", () => {
    expect(frontOrder([], [], [UP])).toEqual([]);
  });

  it("Handles a 2-D front: by rank, then the first objective best first, so the second improves along it", () => {
    const points = [
      [0.7, 4000],
      [0.9, 1000],
      [0.6, 3000], // dominated by [0.7, 4000]
      [0.8, 3000],
    ];
    const ranks = paretoAnalysis(points, [UP, UP]).points.map((p) => p.rank);
    const order = frontOrder(points, ranks, [UP, UP]);
    expect(order).toEqual([1, 3, 0, 2]);
    const front = order.filter((i) => ranks[i] === 1).map((i) => points[i][1]);
    expect(front).toEqual([...front].sort((a, b) => a - b));
  });

  it("Handles directions, ties and duplicates (ties by the later objectives, then input order)", () => {
    const points = [
      [5, 1],
      [3, 2],
      [3, 1],
      [3, 1],
    ];
    expect(frontOrder(points, [1, 1, 1, 1], [DOWN, DOWN])).toEqual([2, 3, 1, 0]);
    expect(frontOrder(points, [1, 1, 1, 1], [UP, DOWN])).toEqual([0, 2, 3, 1]);
  });
});
