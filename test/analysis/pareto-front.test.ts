import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { Objective } from "../../src/analysis/objective.js";
import { paretoFront } from "../../src/analysis/pareto-front.js";
import { bruteForceFront } from "../../src/analysis/pareto-oracle.js";
import { pointsAndObjectives, realPointsAndObjectives } from "./arbitraries.js";

const maxMin: Objective[] = [{ direction: "max" }, { direction: "min" }];

describe("paretoFront", () => {
  it("handles an empty list", () => {
    expect(paretoFront([], maxMin)).toEqual([]);
    expect(paretoFront([], [{ direction: "min" }, { direction: "min" }, { direction: "min" }])).toEqual([]);
  });

  it("keeps a single point", () => {
    expect(paretoFront([[3, 4]], maxMin)).toEqual([0]);
  });

  it("respects each objective's direction", () => {
    const points = [
      [0.8, 10],
      [0.7, 5],
      [0.6, 20],
    ];
    expect(paretoFront(points, maxMin)).toEqual([0, 1]);
    expect(paretoFront(points, [{ direction: "min" }, { direction: "max" }])).toEqual([2]);
  });

  it("keeps equal points together on the front and off it", () => {
    const points = [
      [1, 1],
      [1, 1],
      [2, 2],
      [2, 2],
    ];
    const minMin: Objective[] = [{ direction: "min" }, { direction: "min" }];
    expect(paretoFront(points, minMin)).toEqual([0, 1]);
  });

  it("drops a point tied on one objective and worse on the other", () => {
    const minMin: Objective[] = [{ direction: "min" }, { direction: "min" }];
    expect(
      paretoFront(
        [
          [1, 2],
          [1, 1],
          [0, 3],
        ],
        minMin,
      ),
    ).toEqual([1, 2]);
    expect(
      paretoFront(
        [
          [2, 1],
          [1, 1],
          [3, 0],
        ],
        minMin,
      ),
    ).toEqual([1, 2]);
  });

  it("treats 0 and -0 as equal", () => {
    expect(
      paretoFront(
        [
          [0, 1],
          [-0, 1],
        ],
        maxMin,
      ),
    ).toEqual([0, 1]);
  });

  it("handles one objective: every point equal to the best", () => {
    expect(paretoFront([[3], [5], [5], [1]], [{ direction: "max" }])).toEqual([1, 2]);
  });

  it("handles three and four objectives", () => {
    const three: Objective[] = [{ direction: "min" }, { direction: "min" }, { direction: "min" }];
    expect(
      paretoFront(
        [
          [1, 2, 3],
          [2, 1, 3],
          [2, 2, 3],
          [0, 5, 5],
          [1, 2, 3],
        ],
        three,
      ),
    ).toEqual([0, 1, 3, 4]);
    const four: Objective[] = [...three, { direction: "max" }];
    expect(
      paretoFront(
        [
          [1, 1, 1, 1],
          [1, 1, 1, 2],
          [0, 2, 2, 0],
        ],
        four,
      ),
    ).toEqual([1, 2]);
  });

  it("rejects bad input with a message naming the problem", () => {
    expect(() => paretoFront([[1, 2]], [])).toThrow(/at least one objective/);
    expect(() => paretoFront([[1]], maxMin)).toThrow(/point 0 has 1 values but there are 2 objectives/);
    expect(() => paretoFront([[1, NaN]], maxMin)).toThrow(
      /point 0, objective 1: value must be a finite number/,
    );
    expect(() => paretoFront([[1, Infinity]], maxMin)).toThrow(/finite/);
    expect(() => paretoFront([[1]], [{ direction: "up" as never }])).toThrow(
      /direction must be "max" or "min"/,
    );
  });

  it("agrees with the brute-force oracle on integer grids with ties and duplicates (1..5 objectives)", () => {
    fc.assert(
      fc.property(pointsAndObjectives(), ({ points, objectives }) => {
        expect(paretoFront(points, objectives)).toEqual(bruteForceFront(points, objectives));
      }),
      { numRuns: 500 },
    );
  });

  it("agrees with the brute-force oracle on arbitrary doubles", () => {
    fc.assert(
      fc.property(realPointsAndObjectives(), ({ points, objectives }) => {
        expect(paretoFront(points, objectives)).toEqual(bruteForceFront(points, objectives));
      }),
      { numRuns: 300 },
    );
  });

  it("agrees with the oracle on larger anti-correlated inputs (most points optimal)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 50, maxLength: 200 }),
        (k, seeds) => {
          // Points near the simplex sum = const: few dominate each other.
          const points = seeds.map((s, i) =>
            Array.from({ length: k }, (_, j) => (j === 0 ? s : j === 1 ? 1000 - s : (s * (j + 7) + i) % 97)),
          );
          const objectives: Objective[] = Array.from({ length: k }, () => ({ direction: "min" }));
          expect(paretoFront(points, objectives)).toEqual(bruteForceFront(points, objectives));
        },
      ),
      { numRuns: 50 },
    );
  });
});
