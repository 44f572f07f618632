import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { averageRanks } from "../../src/analysis/average-ranks.js";
import { correlate, pearson, spearman } from "../../src/analysis/correlation.js";
import { correlationMatrix } from "../../src/analysis/correlation-matrix.js";

/** Textbook Pearson, one pass over sums; independent of the implementation under test. */
function naivePearson(x: number[], y: number[]): number {
  const n = x.length;
  const sx = x.reduce((a, b) => a + b, 0);
  const sy = y.reduce((a, b) => a + b, 0);
  const sxy = x.reduce((a, v, i) => a + v * y[i], 0);
  const sxx = x.reduce((a, v) => a + v * v, 0);
  const syy = y.reduce((a, v) => a + v * v, 0);
  return (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
}

/** Average ranks by counting: rank = #smaller + (#equal + 1) / 2. O(n²), independent of the sort. */
function naiveRanks(v: number[]): number[] {
  return v.map((a) => v.filter((b) => b < a).length + (v.filter((b) => b === a).length + 1) / 2);
}

describe("averageRanks", () => {
  it("handles an empty list", () => {
    expect(averageRanks([])).toEqual([]);
  });
  it("averages tied ranks", () => {
    expect(averageRanks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
    expect(averageRanks([7, 7, 7])).toEqual([2, 2, 2]);
  });
  it("agrees with counting", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 40 }), (v) => {
        expect(averageRanks(v)).toEqual(naiveRanks(v));
      }),
    );
  });
});

describe("pearson", () => {
  it("is null with fewer than two pairs or a constant variable", () => {
    expect(pearson([], [])).toEqual({ r: null, n: 0 });
    expect(pearson([1], [2])).toEqual({ r: null, n: 1 });
    expect(pearson([1, 1, 1], [1, 2, 3])).toEqual({ r: null, n: 3 });
  });

  it("uses only the pairs where both values exist", () => {
    const c = pearson([1, 2, 3, null, 5, NaN], [2, 4, 7, 1, undefined, 3]);
    expect(c.n).toBe(3);
    expect(c.r).toBeCloseTo(naivePearson([1, 2, 3], [2, 4, 7]), 12);
  });

  it("is ±1 for exact linear relations, also at byte magnitudes", () => {
    expect(pearson([1, 2, 3], [3, 5, 7]).r).toBeCloseTo(1, 12);
    expect(pearson([1e11, 2e11, 3e11, 4e11], [4, 3, 2, 1]).r).toBeCloseTo(-1, 12);
    expect(pearson([1e11 + 1, 1e11 + 2, 1e11 + 3], [1, 2, 3]).r).toBeCloseTo(1, 9);
  });

  it("rejects lists of different lengths", () => {
    expect(() => pearson([1, 2], [1])).toThrow(/different lengths \(2 and 1\)/);
  });

  it("agrees with the textbook formula and stays in [-1, 1]", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -100, max: 100 }), fc.integer({ min: -100, max: 100 })), {
          minLength: 2,
          maxLength: 40,
        }),
        (pairs) => {
          const x = pairs.map((p) => p[0]);
          const y = pairs.map((p) => p[1]);
          const { r, n } = pearson(x, y);
          expect(n).toBe(pairs.length);
          const constant = new Set(x).size === 1 || new Set(y).size === 1;
          if (constant) expect(r).toBeNull();
          else {
            expect(r as number).toBeCloseTo(naivePearson(x, y), 9);
            expect(Math.abs(r as number)).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });
});

describe("spearman", () => {
  it("is 1 for any increasing relation", () => {
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toEqual({ r: 1, n: 4 });
    expect(spearman([1, 2, 3, 4], [10, 1, 0, -5]).r).toBeCloseTo(-1, 12);
  });

  it("uses average ranks for ties and only complete pairs", () => {
    const x = [1, 2, 2, 3, null];
    const y = [1, 3, 2, 4, 100];
    const { r, n } = spearman(x, y);
    expect(n).toBe(4);
    expect(r as number).toBeCloseTo(naivePearson(naiveRanks([1, 2, 2, 3]), naiveRanks([1, 3, 2, 4])), 12);
  });

  it("agrees with Pearson of the counted ranks", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.option(fc.integer({ min: -5, max: 5 }))), {
          maxLength: 40,
        }),
        (pairs) => {
          const complete = pairs.filter((p) => p[1] !== null) as [number, number][];
          const x = complete.map((p) => p[0]);
          const y = complete.map((p) => p[1]);
          const { r, n } = spearman(
            pairs.map((p) => p[0]),
            pairs.map((p) => p[1]),
          );
          expect(n).toBe(complete.length);
          if (n < 2 || new Set(x).size === 1 || new Set(y).size === 1) expect(r).toBeNull();
          else expect(r as number).toBeCloseTo(naivePearson(naiveRanks(x), naiveRanks(y)), 9);
        },
      ),
    );
  });
});

describe("correlate", () => {
  it("rejects an unknown method", () => {
    expect(() => correlate("kendall" as never, [1, 2], [1, 2])).toThrow(/unknown correlation method kendall/);
  });
});

describe("correlationMatrix", () => {
  it("is symmetric with its own n per cell", () => {
    const m = correlationMatrix(
      [
        [1, 2, 3, 4],
        [2, 4, 6, null],
        [4, 3, 2, 1],
      ],
      "pearson",
    );
    expect(m[0][1]).toBe(m[1][0]);
    expect(m[0][1].n).toBe(3);
    expect(m[0][2]).toEqual({ r: -1, n: 4 });
    expect(m[1][1]).toEqual({ r: 1, n: 3 });
  });
});
