import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { nonDominatedSort } from "../../src/analysis/non-dominated-sort.js";
import type { Objective } from "../../src/analysis/objective.js";
import { bruteForceRanks } from "../../src/analysis/pareto-oracle.js";
import { pointsAndObjectives, realPointsAndObjectives } from "./arbitraries.js";

const minMin: Objective[] = [{ direction: "min" }, { direction: "min" }];

describe("nonDominatedSort", () => {
  it("handles an empty list", () => {
    expect(nonDominatedSort([], minMin)).toEqual([]);
  });

  it("ranks a chain 1, 2, 3 and gives duplicates the same rank", () => {
    expect(
      nonDominatedSort(
        [
          [1, 1],
          [2, 2],
          [3, 3],
          [1, 1],
        ],
        minMin,
      ),
    ).toEqual([1, 2, 3, 1]);
  });

  it("ranks by dense value order for one objective", () => {
    expect(nonDominatedSort([[5], [1], [5], [3]], [{ direction: "max" }])).toEqual([1, 3, 1, 2]);
  });

  it("peels fronts in three objectives", () => {
    const three: Objective[] = [{ direction: "min" }, { direction: "min" }, { direction: "max" }];
    expect(
      nonDominatedSort(
        [
          [1, 1, 9],
          [1, 1, 8],
          [2, 2, 1],
          [0, 9, 0],
        ],
        three,
      ),
    ).toEqual([1, 2, 3, 1]);
  });

  it("rejects bad input", () => {
    expect(() => nonDominatedSort([[1, 2, 3]], minMin)).toThrow(
      /point 0 has 3 values but there are 2 objectives/,
    );
  });

  it("agrees with brute-force peeling on integer grids with ties and duplicates (1..5 objectives)", () => {
    fc.assert(
      fc.property(pointsAndObjectives(), ({ points, objectives }) => {
        expect(nonDominatedSort(points, objectives)).toEqual(bruteForceRanks(points, objectives));
      }),
      { numRuns: 400 },
    );
  });

  it("agrees with brute-force peeling on arbitrary doubles", () => {
    fc.assert(
      fc.property(realPointsAndObjectives(), ({ points, objectives }) => {
        expect(nonDominatedSort(points, objectives)).toEqual(bruteForceRanks(points, objectives));
      }),
      { numRuns: 200 },
    );
  });
});
