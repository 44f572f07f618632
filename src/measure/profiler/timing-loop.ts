import type { StopRule } from "./measure-settings.js";

/** Why a timed loop stopped. */
export type StopReason = "minimums-met" | "max-runs" | "max-duration";

/** The raw record of one timed loop (the summary is computed apart, by statistics.ts). */
export interface TimingRecord {
  /** Time of each timed run, in milliseconds, in order. */
  readonly samplesMs: number[];
  /** Wall time from the first timed run's start to the last one's end (includes the loop's own overhead). */
  readonly wallMs: number;
  readonly warmupRuns: number;
  readonly stoppedBy: StopReason;
  /** True when both minimums were met. */
  readonly valid: boolean;
  /** Why the record is invalid; empty when valid. */
  readonly reasons: string[];
}

/** Returns a monotonic time in milliseconds. */
export type Clock = () => number;

/** The monotonic high-resolution clock of this process, in milliseconds. */
export const hrClock: Clock = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Runs `run` under the stop rule and returns each run's time. The harness owns the clock: `run` only does the
 * work. Warm-up runs are untimed; then runs are timed until both `minRuns` and `minDurationMs` are met, or
 * until either maximum is hit (the record is then invalid, with the reasons).
 */
export async function timeRuns(
  run: () => Promise<unknown> | unknown,
  rule: StopRule,
  clock: Clock = hrClock,
): Promise<TimingRecord> {
  for (let i = 0; i < rule.warmupRuns; i++) await run();
  const samplesMs: number[] = [];
  const start = clock();
  let now = start;
  let stoppedBy: StopReason;
  for (;;) {
    const t0 = clock();
    await run();
    now = clock();
    samplesMs.push(now - t0);
    const elapsed = now - start;
    if (samplesMs.length >= rule.minRuns && elapsed >= rule.minDurationMs) {
      stoppedBy = "minimums-met";
      break;
    }
    if (samplesMs.length >= rule.maxRuns) {
      stoppedBy = "max-runs";
      break;
    }
    if (elapsed >= rule.maxDurationMs) {
      stoppedBy = "max-duration";
      break;
    }
  }
  const wallMs = now - start;
  const reasons: string[] = [];
  if (samplesMs.length < rule.minRuns)
    reasons.push(`ran ${samplesMs.length} of at least ${rule.minRuns} runs`);
  if (wallMs < rule.minDurationMs)
    reasons.push(`ran ${wallMs.toFixed(0)} of at least ${rule.minDurationMs} ms`);
  return { samplesMs, wallMs, warmupRuns: rule.warmupRuns, stoppedBy, valid: reasons.length === 0, reasons };
}
