/**
 * Pure statistics over timing samples: no I/O, no clock. Percentiles interpolate linearly between order
 * statistics (numpy's default, Hyndman & Fan type 7); the spread is the sample standard deviation (n − 1);
 * the confidence interval is Student's t interval for the mean.
 */

/** Summary of a sample: order statistics, moments and a confidence interval for the mean. */
export interface SampleSummary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Sample standard deviation (divides by n − 1); 0 for a single sample. */
  readonly stddev: number;
  /** Coefficient of variation, stddev / mean (0 when the mean is 0). */
  readonly cv: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** Student's t interval for the mean at `level`; null for fewer than two samples. */
  readonly ci: ConfidenceInterval | null;
}

/** A two-sided confidence interval for the mean. */
export interface ConfidenceInterval {
  readonly level: ConfidenceLevel;
  readonly low: number;
  readonly high: number;
  /** Half the interval's width relative to the mean (0 when the mean is 0). */
  readonly relativeHalfWidth: number;
}

/** Confidence levels with exact t tables. */
export type ConfidenceLevel = 0.9 | 0.95 | 0.99;

/**
 * Returns the summary of a non-empty sample.
 *
 * @example
 * summarize([1, 2, 3, 4]) // { count: 4, min: 1, max: 4, mean: 2.5, p50: 2.5, p90: 3.7, ... }
 *
 * @throws RangeError when the sample is empty or holds a non-finite value.
 */
export function summarize(samples: ReadonlyArray<number>, level: ConfidenceLevel = 0.95): SampleSummary {
  assertSample(samples);
  const sorted = Float64Array.from(samples).sort();
  const m = mean(samples);
  const sd = stddev(samples);
  return {
    count: samples.length,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean: m,
    stddev: sd,
    cv: m === 0 ? 0 : sd / m,
    p50: percentileOfSorted(sorted, 0.5),
    p90: percentileOfSorted(sorted, 0.9),
    p99: percentileOfSorted(sorted, 0.99),
    ci: samples.length < 2 ? null : meanConfidenceInterval(samples, level),
  };
}

/**
 * Returns the p-quantile (0 ≤ p ≤ 1) of a non-empty sample, interpolating linearly between the two nearest
 * order statistics at rank p·(n − 1).
 *
 * @example
 * percentile([10, 20, 30, 40], 0.5) // 25
 */
export function percentile(samples: ReadonlyArray<number>, p: number): number {
  assertSample(samples);
  return percentileOfSorted(Float64Array.from(samples).sort(), p);
}

/** Returns the arithmetic mean of a non-empty sample. */
export function mean(samples: ReadonlyArray<number>): number {
  assertSample(samples);
  // Shifted by the first value so large offsets (e.g. timestamps) do not cost precision.
  const shift = samples[0];
  let sum = 0;
  for (const x of samples) sum += x - shift;
  return shift + sum / samples.length;
}

/** Returns the sample standard deviation (n − 1 in the denominator) of a non-empty sample; 0 for one value. */
export function stddev(samples: ReadonlyArray<number>): number {
  assertSample(samples);
  if (samples.length < 2) return 0;
  // Welford's update: stable for samples with a large mean and a small spread.
  let m = 0;
  let m2 = 0;
  let n = 0;
  for (const x of samples) {
    n++;
    const d = x - m;
    m += d / n;
    m2 += d * (x - m);
  }
  return Math.sqrt(Math.max(0, m2) / (n - 1));
}

/**
 * Returns Student's t confidence interval for the mean of a sample of at least two values:
 * mean ± t(1 − (1 − level)/2, n − 1) · s / √n.
 *
 * @example
 * meanConfidenceInterval([1, 2, 3], 0.95) // { low: -0.484…, high: 4.484…, ... }
 */
export function meanConfidenceInterval(
  samples: ReadonlyArray<number>,
  level: ConfidenceLevel = 0.95,
): ConfidenceInterval {
  assertSample(samples);
  if (samples.length < 2) throw new RangeError("a confidence interval needs at least two samples");
  const m = mean(samples);
  const half = (studentT(level, samples.length - 1) * stddev(samples)) / Math.sqrt(samples.length);
  return { level, low: m - half, high: m + half, relativeHalfWidth: m === 0 ? 0 : half / Math.abs(m) };
}

/**
 * Returns the two-sided critical value t such that P(|T| ≤ t) = level for Student's t with `df` degrees of
 * freedom: exact table values up to 30, the Cornish–Fisher expansion (Abramowitz & Stegun 26.7.5, error
 * below 1e-4 there) beyond.
 */
export function studentT(level: ConfidenceLevel, df: number): number {
  if (!Number.isInteger(df) || df < 1)
    throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  const table = T_TABLE[level];
  if (table === undefined)
    throw new RangeError(`unsupported confidence level ${String(level)}; use 0.9, 0.95 or 0.99`);
  if (df <= table.length) return table[df - 1];
  const z = Z[level];
  const z2 = z * z;
  const g1 = ((z2 + 1) * z) / 4;
  const g2 = (((5 * z2 + 16) * z2 + 3) * z) / 96;
  const g3 = ((((3 * z2 + 19) * z2 + 17) * z2 - 15) * z) / 384;
  const g4 = (((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** Returns the relative difference |a − b| / mean(a, b) of two positive figures (0 when both are 0). */
export function relativeDifference(a: number, b: number): number {
  const m = (Math.abs(a) + Math.abs(b)) / 2;
  return m === 0 ? 0 : Math.abs(a - b) / m;
}

function percentileOfSorted(sorted: Float64Array, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile must be within [0, 1], got ${p}`);
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

function assertSample(samples: ReadonlyArray<number>): void {
  if (samples.length === 0) throw new RangeError("the sample is empty");
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i]))
      throw new RangeError(`sample ${i} is not a finite number: ${samples[i]}`);
  }
}

// Two-sided critical values t(1 − α/2, df) for df = 1…30.
const T_TABLE: Readonly<Record<ConfidenceLevel, ReadonlyArray<number>>> = {
  0.9: [
    6.313752, 2.919986, 2.353363, 2.131847, 2.015048, 1.94318, 1.894579, 1.859548, 1.833113, 1.812461,
    1.795885, 1.782288, 1.770933, 1.76131, 1.75305, 1.745884, 1.739607, 1.734064, 1.729133, 1.724718,
    1.720743, 1.717144, 1.713872, 1.710882, 1.708141, 1.705618, 1.703288, 1.701131, 1.699127, 1.697261,
  ],
  0.95: [
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
    2.200985, 2.178813, 2.160369, 2.144787, 2.13145, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
    2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.04523, 2.042272,
  ],
  0.99: [
    63.656741, 9.924843, 5.840909, 4.604095, 4.032143, 3.707428, 3.499483, 3.355387, 3.249836, 3.169273,
    3.105807, 3.05454, 3.012276, 2.976843, 2.946713, 2.920782, 2.898231, 2.87844, 2.860935, 2.84534, 2.83136,
    2.818756, 2.807336, 2.79694, 2.787436, 2.778715, 2.770683, 2.763262, 2.756386, 2.749996,
  ],
};

// Standard normal quantiles z(1 − α/2).
const Z: Readonly<Record<ConfidenceLevel, number>> = {
  0.9: 1.6448536269514722,
  0.95: 1.959963984540054,
  0.99: 2.5758293035489004,
};
