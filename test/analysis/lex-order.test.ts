import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { comparisonLexOrder, lexOrder, radixLexOrder } from "../../src/analysis/lex-order.js";

function columnsOf(points: number[][], k: number): Float64Array[] {
  return Array.from({ length: k }, (_, j) => Float64Array.from(points, (p) => p[j] + 0));
}

describe("lexOrder", () => {
  it("handles an empty list", () => {
    expect(Array.from(lexOrder([new Float64Array(0)], 0))).toEqual([]);
    expect(Array.from(radixLexOrder([new Float64Array(0)], 0))).toEqual([]);
  });

  it("orders negatives, zero, subnormals and extremes", () => {
    const values = [3, -1, 0, -Number.MAX_VALUE, 5e-324, -5e-324, Number.MAX_VALUE, -0.5, 0.5];
    const expected = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    expect(Array.from(radixLexOrder([Float64Array.from(values)], values.length))).toEqual(expected);
  });

  it("radix and comparison sorts give the same stable lexicographic order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((k) =>
          fc.record({
            k: fc.constant(k),
            points: fc.array(
              fc.array(
                fc.oneof(
                  fc.integer({ min: -3, max: 3 }),
                  fc.double({ noNaN: true, noDefaultInfinity: true }),
                ),
                { minLength: k, maxLength: k },
              ),
              { maxLength: 300 },
            ),
          }),
        ),
        ({ k, points }) => {
          const columns = columnsOf(points, k);
          const byRadix = Array.from(radixLexOrder(columns, points.length));
          expect(byRadix).toEqual(Array.from(comparisonLexOrder(columns, points.length)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("uses the radix path on large inputs and still sorts correctly", () => {
    const n = 5000;
    const points = Array.from({ length: n }, (_, i) => [(i * 7919) % 101, (i * 104729) % 13]);
    const columns = columnsOf(points, 2);
    expect(Array.from(lexOrder(columns, n))).toEqual(Array.from(comparisonLexOrder(columns, n)));
  });
});
