import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { dominates } from "../../src/analysis/dominates.js";
import type { Objective } from "../../src/analysis/objective.js";
import { paretoGaps } from "../../src/analysis/pareto-gap.js";
import { bruteForceFront } from "../../src/analysis/pareto-oracle.js";
import { pointsAndObjectives } from "./arbitraries.js";

const maxMin: Objective[] = [{ direction: "max" }, { direction: "min" }];

/** True when `point`, put in place of row `index`, is dominated by another row. */
function dominatedAs(points: number[][], objectives: Objective[], index: number, point: number[]): boolean {
  return points.some((q, i) => i !== index && dominates(q, point, objectives));
}

function moved(point: number[], j: number, objective: Objective, by: number): number[] {
  const copy = [...point];
  copy[j] += objective.direction === "max" ? by : -by;
  return copy;
}

describe("paretoGaps", () => {
  it("handles an empty list", () => {
    expect(paretoGaps([], maxMin)).toEqual([]);
  });

  it("is zero for optimal points", () => {
    const gaps = paretoGaps(
      [
        [0.8, 2],
        [0.7, 1],
      ],
      maxMin,
    );
    expect(gaps[0]).toEqual([
      { gap: 0, target: 0.8, strict: false, blocker: null },
      { gap: 0, target: 2, strict: false, blocker: null },
    ]);
  });

  it("names the target, blocker and strictness of the worked example", () => {
    const [acc, mem] = paretoGaps(
      [
        [0.8, 2],
        [0.7, 4],
      ],
      maxMin,
    )[1];
    expect(acc.gap).toBeCloseTo(0.1, 12);
    expect(acc).toMatchObject({ target: 0.8, strict: true, blocker: 0 });
    expect(mem).toEqual({ gap: 2, target: 2, strict: true, blocker: 0 });
  });

  it("is not strict when reaching the target makes the point equal to the blocker", () => {
    // [1, 5] vs [1, 3] (min, min): lowering the second value to 3 makes the points equal: both optimal.
    const [first, second] = paretoGaps(
      [
        [1, 3],
        [1, 5],
      ],
      [{ direction: "min" }, { direction: "min" }],
    )[1];
    expect(second).toEqual({ gap: 2, target: 3, strict: false, blocker: 0 });
    // Improving the first value alone: any decrease below 1 will do.
    expect(first).toEqual({ gap: 0, target: 1, strict: true, blocker: 0 });
  });

  it("takes the best blocker among points no worse on the other objectives", () => {
    // Point 3 (acc 0.5, mem 10): points 0 and 1 use less memory; the most accurate of them is 0 at 0.9.
    const points = [
      [0.9, 8],
      [0.6, 9],
      [0.95, 20],
      [0.5, 10],
    ];
    const [acc, mem] = paretoGaps(points, maxMin)[3];
    expect(acc).toMatchObject({ target: 0.9, strict: true, blocker: 0 });
    expect(acc.gap).toBeCloseTo(0.4, 12);
    // Memory: points at least as accurate as 0.5 are 0, 1, 2; the least memory among them is 8 (point 0).
    expect(mem).toEqual({ gap: 2, target: 8, strict: true, blocker: 0 });
  });

  it("is null when the target lies beyond the objective's bound", () => {
    const bounded: Objective[] = [
      { direction: "max", bound: 1 },
      { direction: "min", bound: 0 },
    ];
    const [acc, mem] = paretoGaps(
      [
        [1, 0],
        [0.5, 3],
      ],
      bounded,
    )[1];
    // Accuracy must pass 1 (strict: the blocker also uses less memory); memory must go below 0.
    expect(acc).toMatchObject({ gap: null, target: 1, strict: true, blocker: 0 });
    expect(mem).toMatchObject({ gap: null, target: 0, strict: true, blocker: 0 });
    // Reaching the bound exactly is allowed when that is enough.
    expect(
      paretoGaps(
        [
          [1, 2],
          [0.5, 2],
        ],
        bounded,
      )[1][0],
    ).toMatchObject({ gap: 0.5, target: 1, strict: false });
  });

  it("is exact: the gap (passed when strict) clears domination, anything less does not", () => {
    fc.assert(
      fc.property(pointsAndObjectives(25), ({ points, objectives }) => {
        const gaps = paretoGaps(points, objectives);
        const front = new Set(bruteForceFront(points, objectives));
        points.forEach((point, p) => {
          gaps[p].forEach((g, j) => {
            if (front.has(p)) {
              expect(g).toEqual({ gap: 0, target: point[j], strict: false, blocker: null });
              return;
            }
            expect(g.gap).not.toBeNull();
            const gap = g.gap as number;
            expect(gap).toBeGreaterThanOrEqual(0);
            expect(Math.abs(point[j] - g.target)).toBe(gap);
            // The blocker is no worse on the other objectives and sits at the target on this one.
            const b = points[g.blocker as number];
            expect(b[j]).toBe(g.target);
            // Integer grid: half a unit separates "reach" from "pass".
            expect(dominatedAs(points, objectives, p, moved(point, j, objectives[j], gap))).toBe(g.strict);
            expect(dominatedAs(points, objectives, p, moved(point, j, objectives[j], gap + 0.5))).toBe(false);
            if (gap >= 0.5) {
              expect(dominatedAs(points, objectives, p, moved(point, j, objectives[j], gap - 0.5))).toBe(
                true,
              );
            }
          });
        });
      }),
      { numRuns: 300 },
    );
  });
});
