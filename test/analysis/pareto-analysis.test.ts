import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { dominates } from "../../src/analysis/dominates.js";
import type { Objective } from "../../src/analysis/objective.js";
import { paretoAnalysis } from "../../src/analysis/pareto-analysis.js";
import { bruteForceRanks } from "../../src/analysis/pareto-oracle.js";
import { pointsAndObjectives } from "./arbitraries.js";

const maxMin: Objective[] = [{ direction: "max" }, { direction: "min" }];

describe("paretoAnalysis", () => {
  it("handles an empty table", () => {
    expect(paretoAnalysis([], maxMin)).toEqual({ points: [], excluded: [] });
  });

  it("places complete rows and accounts for incomplete ones", () => {
    const result = paretoAnalysis(
      [
        [0.8, 2],
        [0.7, 4],
        [0.9, null],
        [undefined, NaN],
      ],
      maxMin,
    );
    expect(result.excluded).toEqual([
      { index: 2, missing: [1] },
      { index: 3, missing: [0, 1] },
    ]);
    expect(result.points.map((p) => [p.index, p.rank, p.optimal, p.dominators])).toEqual([
      [0, 1, true, []],
      [1, 2, false, [0]],
    ]);
    expect(result.points[0].gap).toBeNull();
    expect(result.points[1].gap?.[1]).toEqual({ gap: 2, target: 2, strict: true, blocker: 0 });
  });

  it("maps blockers and dominators back to input rows around excluded ones", () => {
    const result = paretoAnalysis(
      [
        [null, 1],
        [0.9, 1],
        [0.5, 3],
      ],
      maxMin,
    );
    expect(result.points[1]).toMatchObject({ index: 2, rank: 2, dominators: [1] });
    expect(result.points[1].gap?.[0].blocker).toBe(1);
  });

  it("rejects a row of the wrong length", () => {
    expect(() => paretoAnalysis([[1, 2, 3]], maxMin)).toThrow(
      /row 0 has 3 values but there are 2 objectives/,
    );
  });

  it("agrees with the oracle on the complete rows when values go missing at random", () => {
    fc.assert(
      fc.property(
        pointsAndObjectives(30).chain(({ points, objectives }) =>
          fc
            .array(fc.boolean(), {
              minLength: points.length * objectives.length,
              maxLength: points.length * objectives.length,
            })
            .map((holes) => ({
              objectives,
              rows: points.map((row, i) =>
                row.map((v, j) => (holes[i * objectives.length + j] && (i + j) % 3 === 0 ? null : v)),
              ),
            })),
        ),
        ({ rows, objectives }) => {
          const { points, excluded } = paretoAnalysis(rows, objectives);
          const complete = rows.flatMap((r, i) => (r.every((v) => v !== null) ? [i] : []));
          expect(points.map((p) => p.index)).toEqual(complete);
          expect(excluded.map((e) => e.index)).toEqual(
            rows.flatMap((r, i) => (r.some((v) => v === null) ? [i] : [])),
          );
          for (const e of excluded)
            expect(e.missing).toEqual(rows[e.index].flatMap((v, j) => (v === null ? [j] : [])));
          const values = complete.map((i) => rows[i] as number[]);
          const ranks = bruteForceRanks(values, objectives);
          points.forEach((p, c) => {
            expect(p.rank).toBe(ranks[c]);
            expect(p.optimal).toBe(ranks[c] === 1);
            expect(p.gap === null).toBe(p.optimal);
            expect(p.dominators).toEqual(
              complete.filter((q) => q !== p.index && dominates(rows[q] as number[], values[c], objectives)),
            );
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
