import { averageRanks } from "./average-ranks.js";

/** A correlation coefficient and the number of pairs it was computed from. */
export interface Correlation {
  /** The coefficient in [-1, 1]; `null` when n < 2 or either variable is constant over the pairs. */
  readonly r: number | null;
  /** Number of pairs where both values are present (finite numbers). */
  readonly n: number;
}

/** The coefficients Favor computes. */
export type CorrelationMethod = "pearson" | "spearman";

/**
 * Returns Pearson's product-moment correlation of `xs` and `ys` over the positions where both are present
 * (finite numbers), computed in two passes (means first) so large magnitudes such as bytes stay accurate.
 *
 * @example pearson([1, 2, 3, null], [2, 4, 7, 1]) // { r: ≈0.993, n: 3 }
 * @throws RangeError when the two lists differ in length.
 */
export function pearson(
  xs: ReadonlyArray<number | null | undefined>,
  ys: ReadonlyArray<number | null | undefined>,
): Correlation {
  const [x, y] = pairs(xs, ys);
  return { r: pearsonComplete(x, y), n: x.length };
}

/**
 * Returns Spearman's rank correlation of `xs` and `ys`: Pearson's coefficient of their ranks, ties getting
 * average ranks, over the positions where both are present. Ranks are taken among those pairs only.
 *
 * @example spearman([1, 2, 3, 4], [1, 4, 9, 16]) // { r: 1, n: 4 }
 * @throws RangeError when the two lists differ in length.
 */
export function spearman(
  xs: ReadonlyArray<number | null | undefined>,
  ys: ReadonlyArray<number | null | undefined>,
): Correlation {
  const [x, y] = pairs(xs, ys);
  return { r: pearsonComplete(averageRanks(x), averageRanks(y)), n: x.length };
}

/** Returns the correlation by the named method (see {@link pearson}, {@link spearman}). */
export function correlate(
  method: CorrelationMethod,
  xs: ReadonlyArray<number | null | undefined>,
  ys: ReadonlyArray<number | null | undefined>,
): Correlation {
  if (method === "pearson") return pearson(xs, ys);
  if (method === "spearman") return spearman(xs, ys);
  throw new RangeError(`unknown correlation method ${String(method)}: use "pearson" or "spearman"`);
}

function pairs(
  xs: ReadonlyArray<number | null | undefined>,
  ys: ReadonlyArray<number | null | undefined>,
): [number[], number[]] {
  if (xs.length !== ys.length) {
    throw new RangeError(`cannot correlate lists of different lengths (${xs.length} and ${ys.length})`);
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const a = xs[i];
    const b = ys[i];
    if (typeof a === "number" && Number.isFinite(a) && typeof b === "number" && Number.isFinite(b)) {
      x.push(a);
      y.push(b);
    }
  }
  return [x, y];
}

function pearsonComplete(x: ReadonlyArray<number>, y: ReadonlyArray<number>): number | null {
  const n = x.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r)); // rounding can overshoot by an ulp
}
