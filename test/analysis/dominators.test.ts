import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { dominates } from "../../src/analysis/dominates.js";
import { dominatorsOf } from "../../src/analysis/dominators.js";
import type { Objective } from "../../src/analysis/objective.js";
import { bruteForceFront } from "../../src/analysis/pareto-oracle.js";
import { pointsAndObjectives } from "./arbitraries.js";

describe("dominates", () => {
  const maxMin: Objective[] = [{ direction: "max" }, { direction: "min" }];
  it("needs no-worse everywhere and better somewhere", () => {
    expect(dominates([0.8, 100], [0.7, 100], maxMin)).toBe(true);
    expect(dominates([0.8, 100], [0.8, 100], maxMin)).toBe(false);
    expect(dominates([0.8, 101], [0.7, 100], maxMin)).toBe(false);
    expect(dominates([0.8, 99], [0.8, 100], maxMin)).toBe(true);
  });
});

describe("dominatorsOf", () => {
  const minMin: Objective[] = [{ direction: "min" }, { direction: "min" }];

  it("handles an empty list", () => {
    expect(dominatorsOf([], minMin)).toEqual([]);
  });

  it("lists every dominator of each point, none for equal points", () => {
    expect(
      dominatorsOf(
        [
          [1, 1],
          [2, 2],
          [3, 3],
          [1, 1],
        ],
        minMin,
      ),
    ).toEqual([[], [0, 3], [0, 1, 3], []]);
  });

  it("is empty exactly on the front and lists exactly the dominating points", () => {
    fc.assert(
      fc.property(pointsAndObjectives(), ({ points, objectives }) => {
        const result = dominatorsOf(points, objectives);
        const front = bruteForceFront(points, objectives);
        expect(result.flatMap((d, i) => (d.length === 0 ? [i] : []))).toEqual(front);
        result.forEach((ds, p) => {
          const expected = points.flatMap((q, i) =>
            i !== p && dominates(q, points[p], objectives) ? [i] : [],
          );
          expect(ds).toEqual(expected);
        });
      }),
      { numRuns: 200 },
    );
  });
});
