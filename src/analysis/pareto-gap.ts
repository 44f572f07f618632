import type { Objective, Vector } from "./objective.js";
import { assertPoints, toMinimizationColumns } from "./objective.js";

/** How far one point is from the Pareto front along one objective, all else unchanged. */
export interface ObjectiveGap {
  /**
   * The smallest improvement of this objective alone (in its own units, ≥ 0: an increase for a `max`
   * objective, a decrease for a `min` one) after which the point is no longer dominated; `null` when that
   * would carry the objective past its `bound`. 0 for an optimal point.
   */
  readonly gap: number | null;
  /** The value the point has to reach (`strict: false`) or pass (`strict: true`) on this objective. */
  readonly target: number;
  /**
   * True when reaching `target` exactly is not enough: the blocking point is also strictly better on another
   * objective, so the point stays dominated until it is strictly better than `target`. `gap` is then the
   * infimum of the sufficient improvements, not attained.
   */
  readonly strict: boolean;
  /** Index of a point that sets `target` (the smallest such index); `null` when the point is optimal. */
  readonly blocker: number | null;
}

/**
 * Returns, for each point and each objective, its {@link ObjectiveGap}: how much that objective alone must
 * improve for the point to join the front.
 *
 * Definition (minimisation form; `max` objectives are negated): for point p and objective j, let R be the
 * points q ≠ p (as vectors) with q_i ≤ p_i on every other objective i ≠ j. Changing only p_j to v leaves p
 * dominated iff some q in R has q_j < v, or q_j ≤ v while being strictly better on some i ≠ j. So with
 * m = min over R of q_j the target is m, and gap = max(0, p_j − m); `strict` says whether a q in R with
 * q_j = m is strictly better elsewhere (then v must be < m, otherwise v ≤ m suffices). R is empty only when
 * p is optimal on its own (gap 0). An improvement on a single objective always suffices for finite data,
 * because the target is finite; it is only impossible when the objective has a `bound` (e.g. accuracy 1,
 * memory 0) and the target lies beyond it, or on it with `strict`: then gap is `null`.
 *
 * Pairs are classified once each (q is no worse everywhere, or worse on exactly one objective), so all gaps
 * cost O(k·n²).
 *
 * @example
 * // max accuracy, min memory: [0.70, 4] is dominated by [0.80, 2]. It must pass 0.80 accuracy (strict:
 * // [0.80, 2] also uses less memory) or get below 2 memory (strict: [0.80, 2] is also more accurate).
 * paretoGaps([[0.8, 2], [0.7, 4]], [{ direction: "max" }, { direction: "min" }])[1]
 * // [{ gap: ≈0.1, target: 0.8, strict: true, blocker: 0 }, { gap: 2, target: 2, strict: true, blocker: 0 }]
 */
export function paretoGaps(
  points: ReadonlyArray<Vector>,
  objectives: ReadonlyArray<Objective>,
): ObjectiveGap[][] {
  assertPoints(points, objectives);
  const n = points.length;
  const k = objectives.length;
  const columns = toMinimizationColumns(points, objectives);
  const bounds = objectives.map((o) =>
    o.bound === undefined ? -Infinity : o.direction === "max" ? -o.bound : o.bound,
  );
  const result: ObjectiveGap[][] = [];
  const best = new Float64Array(k);
  const blocker = new Int32Array(k);
  const strict = new Uint8Array(k);
  for (let p = 0; p < n; p++) {
    best.fill(Infinity);
    blocker.fill(-1);
    strict.fill(0);
    for (let q = 0; q < n; q++) {
      if (q === p) continue;
      // worse: the one objective where q is worse than p (-1: none); strictly: count of objectives where
      // q is strictly better.
      let worse = -1;
      let worseCount = 0;
      let strictly = 0;
      for (let j = 0; j < k; j++) {
        const a = columns[j][q];
        const b = columns[j][p];
        if (a > b) {
          worse = j;
          if (++worseCount > 1) break;
        } else if (a < b) strictly++;
      }
      if (worseCount > 1) continue;
      if (worseCount === 0 && strictly === 0) continue; // equal to p: never blocks
      for (let j = 0; j < k; j++) {
        if (worseCount === 1 && j !== worse) continue; // q is worse on another objective, so not in R
        const qj = columns[j][q];
        // strictly better than p on some objective other than j?
        const strictElsewhere = strictly - (qj < columns[j][p] ? 1 : 0) > 0;
        const s = strictElsewhere ? 1 : 0;
        // Keep the smallest q_j; at equal q_j a strict blocker wins (it decides `strict`), then the lower index.
        if (qj < best[j] || (qj === best[j] && (s > strict[j] || (s === strict[j] && q < blocker[j])))) {
          best[j] = qj;
          strict[j] = s;
          blocker[j] = q;
        }
      }
    }
    const gaps: ObjectiveGap[] = [];
    for (let j = 0; j < k; j++) {
      const own = points[p][j];
      const maximise = objectives[j].direction === "max";
      const m = best[j];
      const dominatedHere =
        blocker[j] !== -1 && (m < columns[j][p] || (m === columns[j][p] && strict[j] === 1));
      if (!dominatedHere) {
        gaps.push({ gap: 0, target: own, strict: false, blocker: null });
        continue;
      }
      const target = maximise ? -m + 0 : m;
      const unreachable = m < bounds[j] || (m === bounds[j] && strict[j] === 1);
      gaps.push({
        gap: unreachable ? null : maximise ? target - own : own - target,
        target,
        strict: strict[j] === 1,
        blocker: blocker[j],
      });
    }
    result.push(gaps);
  }
  return result;
}
