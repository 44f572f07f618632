import type { Clock } from "./timing-loop.js";
import { hrClock } from "./timing-loop.js";

/** One measured candidate of the throughput search. */
export interface BatchTrial {
  readonly batchSize: number;
  readonly imagesPerSecond: number;
  /** Peak memory of the run above the loaded baseline, when known (bytes). */
  readonly peakBytes: number | null;
}

/** The outcome of trying one batch size: a measurement, or out of memory. */
export type BatchTrialOutcome =
  | { readonly ok: true; readonly trial: BatchTrial }
  | { readonly ok: false; readonly reason: "out-of-memory"; readonly message: string };

/** Why the search stopped growing the batch. */
export type BatchSearchStop =
  | "max-batch-size"
  | "out-of-memory"
  | "memory-budget"
  | "saturated"
  | "search-budget"
  | "candidates-exhausted";

/** Options of {@link searchBatchSize}. */
export interface BatchSearchOptions {
  /** Largest batch size to try. */
  readonly maxBatchSize: number;
  /** Explicit ascending candidates instead of powers of two from 1. */
  readonly batchSizes?: ReadonlyArray<number> | null;
  /** Relative gain over the best so far that counts as faster. */
  readonly minGain: number;
  /** Consecutive candidates without a gain before stopping. */
  readonly patience: number;
  /** Memory the next candidate may use, predicted from the trials so far (bytes); null for no limit. */
  readonly memoryBudgetBytes: number | null;
  /** Wall time after which no further candidate is started. */
  readonly searchBudgetMs: number;
  readonly clock?: Clock;
}

/** The result of the search: every trial, the fastest, and why it stopped. */
export interface BatchSearchResult {
  readonly trials: BatchTrial[];
  /** The fastest trial; null when even the first candidate ran out of memory. */
  readonly best: BatchTrial | null;
  readonly stoppedBy: BatchSearchStop;
  /** The message of the out-of-memory error that stopped the search, if any. */
  readonly outOfMemory: string | null;
}

/**
 * Returns the fastest batch size found by growing the batch, the paper's rule ("grow the batch until memory
 * runs out, keep the fastest") bounded for CPUs. Candidates are 1, 2, 4, … up to `maxBatchSize` (or the
 * explicit list). Before each candidate the search stops when:
 * - the peak memory predicted for it by a least-squares line through the trials' peaks exceeds the budget
 *   (the paper fits the same line to decide how far to grow);
 * - the search has used its time budget;
 * - `patience` consecutive candidates failed to beat the best by `minGain` (CPU throughput saturates at
 *   small batches; larger ones only cost time).
 * A candidate that runs out of memory ends the search; the best trial so far stands.
 */
export async function searchBatchSize(
  trial: (batchSize: number) => Promise<BatchTrialOutcome>,
  options: BatchSearchOptions,
): Promise<BatchSearchResult> {
  const clock = options.clock ?? hrClock;
  const start = clock();
  const candidates = options.batchSizes ?? powersOfTwo(options.maxBatchSize);
  const trials: BatchTrial[] = [];
  let best: BatchTrial | null = null;
  let sinceGain = 0;
  for (const batchSize of candidates) {
    if (batchSize > options.maxBatchSize) return done("max-batch-size");
    if (trials.length > 0) {
      if (clock() - start >= options.searchBudgetMs) return done("search-budget");
      if (sinceGain >= options.patience) return done("saturated");
      const predicted = predictPeakBytes(trials, batchSize);
      if (options.memoryBudgetBytes !== null && predicted !== null && predicted > options.memoryBudgetBytes) {
        return done("memory-budget");
      }
    }
    const outcome = await trial(batchSize);
    if (!outcome.ok) return done("out-of-memory", outcome.message);
    trials.push(outcome.trial);
    if (best === null || outcome.trial.imagesPerSecond > best.imagesPerSecond * (1 + options.minGain)) {
      best = outcome.trial;
      sinceGain = 0;
    } else {
      if (outcome.trial.imagesPerSecond > best.imagesPerSecond) best = outcome.trial;
      sinceGain++;
    }
  }
  return done(options.batchSizes ? "candidates-exhausted" : "max-batch-size");

  function done(stoppedBy: BatchSearchStop, outOfMemory: string | null = null): BatchSearchResult {
    return { trials, best, stoppedBy, outOfMemory };
  }
}

/** Returns 1, 2, 4, … up to and including the largest power of two ≤ max. */
export function powersOfTwo(max: number): number[] {
  const out: number[] = [];
  for (let b = 1; b <= max; b *= 2) out.push(b);
  return out;
}

/**
 * Returns the peak memory predicted at `batchSize` by a least-squares line through the trials' (batch,
 * peak) points; with one point, a line through the origin. Null when no trial knows its peak.
 */
export function predictPeakBytes(trials: ReadonlyArray<BatchTrial>, batchSize: number): number | null {
  const points = trials.filter((t) => t.peakBytes !== null).map((t) => [t.batchSize, t.peakBytes as number]);
  if (points.length === 0) return null;
  if (points.length === 1) return (points[0][1] / points[0][0]) * batchSize;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return my + slope * (batchSize - mx);
}
