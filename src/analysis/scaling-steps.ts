import { dominates } from "./dominates.js";
import type { Objective } from "./objective.js";

/** One model at one resolution, as the scaling comparison sees it. */
export interface ScalingSubject {
  /** The caller's id of the subject (returned in the steps). */
  readonly id: number;
  /** Identifies the model: subjects of one model at two resolutions share it. */
  readonly model: string;
  readonly family: string;
  /** Size label within the family ("Ti", "S", "B", ...): variants sharing a label are not a size step. */
  readonly size: string;
  readonly resolution: number;
  /** Orders sizes within a family (e.g. the parameter count); `null` leaves the subject out of size steps. */
  readonly sizeOrder: number | null;
  readonly accuracy: number | null;
  /** One value per cost objective, `null` when missing. */
  readonly costs: ReadonlyArray<number | null>;
}

/** A step up from one subject to another: a larger model, or the same model at a higher resolution. */
export interface ScalingStep {
  readonly kind: "SIZE" | "RESOLUTION";
  readonly from: number;
  readonly to: number;
  /** Accuracy after minus before (`null` when either is missing). */
  readonly accuracyGain: number | null;
  /** Per cost objective: after / before (`null` when either is missing or before is 0). */
  readonly costRatios: ReadonlyArray<number | null>;
}

/** Which of the two steps up from a subject ends on the better point, for one cost objective. */
export type ScalingVerdict = "SIZE" | "RESOLUTION" | "TRADE_OFF" | "EQUAL";

/** The two ways up from one subject and, per cost objective, which is Pareto-better. */
export interface ScalingComparison {
  readonly from: number;
  readonly sizeStep: ScalingStep | null;
  readonly resolutionStep: ScalingStep | null;
  /**
   * Per cost objective, comparing the two destinations on (accuracy, that cost): `SIZE` when the larger model
   * dominates the higher resolution, `RESOLUTION` for the reverse, `TRADE_OFF` when neither dominates,
   * `EQUAL` when they tie on both; `null` when a step or a value is missing.
   */
  readonly verdicts: ReadonlyArray<ScalingVerdict | null>;
}

/**
 * Returns, for every subject at `fromResolution` that can step up, its size step (the next larger size of the
 * same family at the same resolution: the smallest `sizeOrder` above its own among subjects with another size
 * label, lowest id on ties) and its resolution step (the same model at `toResolution`), with each step's
 * accuracy gain and cost ratios, and which step is Pareto-better per cost objective. This is the paper's
 * question "larger model or higher resolution?". Ordered by family, then `sizeOrder`, then id.
 *
 * @throws RangeError when two subjects share a model and resolution (the caller must pick one per pair), or
 *   a subject has a different number of costs than there are cost objectives.
 */
export function scalingSteps(
  subjects: ReadonlyArray<ScalingSubject>,
  costs: ReadonlyArray<Objective>,
  fromResolution: number,
  toResolution: number,
): ScalingComparison[] {
  const byModelResolution = new Map<string, ScalingSubject>();
  for (const s of subjects) {
    if (s.costs.length !== costs.length) {
      throw new RangeError(
        `subject ${s.id} has ${s.costs.length} costs but there are ${costs.length} cost objectives`,
      );
    }
    const key = `${s.model}\u0000${s.resolution}`;
    const other = byModelResolution.get(key);
    if (other) {
      throw new RangeError(
        `subjects ${other.id} and ${s.id} are both model "${s.model}" at resolution ${s.resolution}`,
      );
    }
    byModelResolution.set(key, s);
  }
  const starts = subjects
    .filter((s) => s.resolution === fromResolution)
    .sort((a, b) => a.family.localeCompare(b.family) || order(a) - order(b) || a.id - b.id);
  const result: ScalingComparison[] = [];
  for (const from of starts) {
    const larger = from.sizeOrder === null ? undefined : nextSize(from, starts);
    const higher = byModelResolution.get(`${from.model}\u0000${toResolution}`);
    if (!larger && !higher) continue;
    const sizeStep = larger ? step("SIZE", from, larger) : null;
    const resolutionStep = higher ? step("RESOLUTION", from, higher) : null;
    const verdicts = costs.map((objective, j) =>
      larger && higher ? verdict(larger, higher, objective, j) : null,
    );
    result.push({ from: from.id, sizeStep, resolutionStep, verdicts });
  }
  return result;
}

function order(s: ScalingSubject): number {
  return s.sizeOrder ?? Infinity;
}

function nextSize(
  from: ScalingSubject,
  sameResolution: ReadonlyArray<ScalingSubject>,
): ScalingSubject | undefined {
  let best: ScalingSubject | undefined;
  for (const s of sameResolution) {
    if (s.family !== from.family || s.size === from.size || s.sizeOrder === null) continue;
    if (s.sizeOrder <= (from.sizeOrder as number)) continue;
    if (
      !best ||
      s.sizeOrder < (best.sizeOrder as number) ||
      (s.sizeOrder === best.sizeOrder && s.id < best.id)
    ) {
      best = s;
    }
  }
  return best;
}

function step(kind: ScalingStep["kind"], from: ScalingSubject, to: ScalingSubject): ScalingStep {
  return {
    kind,
    from: from.id,
    to: to.id,
    accuracyGain: from.accuracy === null || to.accuracy === null ? null : to.accuracy - from.accuracy,
    costRatios: from.costs.map((before, j) => {
      const after = to.costs[j];
      return before === null || after === null || before === 0 ? null : after / before;
    }),
  };
}

function verdict(
  size: ScalingSubject,
  resolution: ScalingSubject,
  cost: Objective,
  j: number,
): ScalingVerdict | null {
  const a = [size.accuracy, size.costs[j]];
  const b = [resolution.accuracy, resolution.costs[j]];
  if (a.some((v) => v === null) || b.some((v) => v === null)) return null;
  const objectives: Objective[] = [{ direction: "max" }, cost];
  const pa = a as number[];
  const pb = b as number[];
  if (dominates(pa, pb, objectives)) return "SIZE";
  if (dominates(pb, pa, objectives)) return "RESOLUTION";
  return pa[0] === pb[0] && pa[1] === pb[1] ? "EQUAL" : "TRADE_OFF";
}
