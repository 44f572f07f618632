import type { Objective, Vector } from "./objective.js";

/**
 * Returns true when `a` Pareto-dominates `b`: `a` is at least as good as `b` on every objective and strictly
 * better on at least one. Equal points do not dominate each other, so both can be optimal.
 *
 * @example dominates([0.8, 100], [0.7, 100], [{ direction: "max" }, { direction: "min" }]) // true
 */
export function dominates(a: Vector, b: Vector, objectives: ReadonlyArray<Objective>): boolean {
  let strictly = false;
  for (let j = 0; j < objectives.length; j++) {
    const maximise = objectives[j].direction === "max";
    if (maximise ? a[j] < b[j] : a[j] > b[j]) return false;
    if (a[j] !== b[j]) strictly = true;
  }
  return strictly;
}
