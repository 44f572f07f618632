/** Whether larger (`max`) or smaller (`min`) values of an objective are better. */
export type Direction = "max" | "min";

/**
 * Returns the analysis direction of a catalogue direction: HIGHER is better → `max`, LOWER is better → `min`.
 * The one mapping every surface uses (Pareto fronts, scaling costs).
 */
export function directionOf(better: "HIGHER" | "LOWER"): Direction {
  return better === "HIGHER" ? "max" : "min";
}

/**
 * One objective of a multi-objective comparison.
 * `bound` is the best value the objective can physically reach (e.g. 1 for an accuracy fraction, 0 for a
 * cost); it only limits how far a {@link paretoGap} may ask a point to improve.
 */
export interface Objective {
  readonly direction: Direction;
  readonly bound?: number;
}

/** A point: one value per objective, in the order of the objectives. */
export type Vector = ReadonlyArray<number>;

/**
 * Returns nothing; throws a `RangeError` naming the problem when the objectives are empty or malformed, or a
 * point has the wrong length or a value that is not a finite number. Used by every analysis entry point so
 * bad input fails loudly instead of producing a plausible-looking front.
 */
export function assertPoints(points: ReadonlyArray<Vector>, objectives: ReadonlyArray<Objective>): void {
  if (objectives.length === 0) throw new RangeError("at least one objective is required");
  objectives.forEach((objective, j) => {
    if (objective.direction !== "max" && objective.direction !== "min") {
      throw new RangeError(
        `objective ${j}: direction must be "max" or "min", got ${String(objective.direction)}`,
      );
    }
    if (objective.bound !== undefined && !Number.isFinite(objective.bound)) {
      throw new RangeError(`objective ${j}: bound must be a finite number, got ${String(objective.bound)}`);
    }
  });
  const k = objectives.length;
  for (let i = 0; i < points.length; i++) {
    const point = points[i];
    if (point.length !== k) {
      throw new RangeError(`point ${i} has ${point.length} values but there are ${k} objectives`);
    }
    for (let j = 0; j < k; j++) {
      if (!Number.isFinite(point[j])) {
        throw new RangeError(
          `point ${i}, objective ${j}: value must be a finite number, got ${String(point[j])}`,
        );
      }
    }
  }
}

/**
 * Returns the points as one `Float64Array` per objective, negated where the objective is maximised, so that
 * every algorithm below only ever minimises. Negation is exact for finite doubles.
 */
export function toMinimizationColumns(
  points: ReadonlyArray<Vector>,
  objectives: ReadonlyArray<Objective>,
): Float64Array[] {
  const n = points.length;
  return objectives.map((objective, j) => {
    const column = new Float64Array(n);
    const sign = objective.direction === "max" ? -1 : 1;
    for (let i = 0; i < n; i++) column[i] = sign * points[i][j] + 0; // + 0 turns -0 into 0
    return column;
  });
}
