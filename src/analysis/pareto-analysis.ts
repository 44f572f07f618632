import { completeRows, type ExcludedRow } from "./complete-rows.js";
import { dominatorsOf } from "./dominators.js";
import { nonDominatedSort } from "./non-dominated-sort.js";
import type { Objective } from "./objective.js";
import type { ObjectiveGap } from "./pareto-gap.js";
import { paretoGaps } from "./pareto-gap.js";

/** Where one row stands in a Pareto analysis. Indices refer to the input rows. */
export interface ParetoPoint {
  readonly index: number;
  readonly values: ReadonlyArray<number>;
  /** 1 for the front, 2 for the front once rank 1 is removed, and so on. */
  readonly rank: number;
  readonly optimal: boolean;
  /** Rows that dominate this one, ascending; empty when optimal. */
  readonly dominators: number[];
  /** Per objective, how far this row is from the front (see {@link paretoGaps}); `null` when optimal. */
  readonly gap: ObjectiveGap[] | null;
}

/** The full Pareto picture of a table: every complete row placed, every incomplete one accounted for. */
export interface ParetoAnalysis {
  /** The complete rows in input order. */
  readonly points: ParetoPoint[];
  /** Rows left out because a value is missing. */
  readonly excluded: ExcludedRow[];
}

/**
 * Returns rank, optimal flag, dominators and gap for every row whose values are all present, and the rows
 * left out with the objectives they miss. Rows are compared only with other complete rows.
 *
 * @example
 * paretoAnalysis([[0.8, 2], [0.7, 4], [0.9, null]], [{ direction: "max" }, { direction: "min" }])
 * // points: row 0 rank 1 optimal; row 1 rank 2, dominators [0]; excluded: [{ index: 2, missing: [1] }]
 */
export function paretoAnalysis(
  rows: ReadonlyArray<ReadonlyArray<number | null | undefined>>,
  objectives: ReadonlyArray<Objective>,
): ParetoAnalysis {
  rows.forEach((row, i) => {
    if (row.length !== objectives.length) {
      throw new RangeError(`row ${i} has ${row.length} values but there are ${objectives.length} objectives`);
    }
  });
  const { complete, values, excluded } = completeRows(rows);
  const ranks = nonDominatedSort(values, objectives);
  const dominators = dominatorsOf(values, objectives);
  const gaps = paretoGaps(values, objectives);
  const points = complete.map((index, c) => {
    const optimal = ranks[c] === 1;
    return {
      index,
      values: values[c],
      rank: ranks[c],
      optimal,
      dominators: dominators[c].map((d) => complete[d]),
      gap: optimal
        ? null
        : gaps[c].map((g) => ({ ...g, blocker: g.blocker === null ? null : complete[g.blocker] })),
    };
  });
  return { points, excluded };
}
