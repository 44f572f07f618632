import { type CpuCounters, loadBetween, readCpuCounters } from "./machine-load.js";
import type { StopRule } from "./measure-settings.js";
import {
  judge,
  type StabilitySettings,
  summarizeWindows,
  type Validity,
  windowDisagreements,
} from "./stability.js";

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
  /** The stability verdict, when the loop was given stability settings. */
  readonly validity: Validity | null;
}

/** The verdict's inputs: its settings and how to read the machine's CPU counters (injectable for tests). */
export interface StabilityCheck {
  readonly settings: StabilitySettings;
  readonly readCounters?: () => CpuCounters | null;
}

/** Returns a monotonic time in milliseconds. */
export type Clock = () => number;

/** The monotonic high-resolution clock of this process, in milliseconds. */
export const hrClock: Clock = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Runs `run` under the stop rule and returns each run's time. The harness owns the clock: `run` only does the
 * work. Warm-up runs are untimed; then runs are timed until both `minRuns` and `minDurationMs` are met, or
 * until either maximum is hit (the record is then invalid, with the reasons).
 *
 * With `stability`, the timed runs are also cut into windows (each at least minDurationMs / windows long and
 * minRuns / windows runs), and the minimums count as met only once the last windows agree, so an unsteady
 * loop runs on, up to the maxima, and its record carries an `unstable` verdict (stability.ts).
 */
export async function timeRuns(
  run: () => Promise<unknown> | unknown,
  rule: StopRule,
  clock: Clock = hrClock,
  stability: StabilityCheck | null = null,
): Promise<TimingRecord> {
  for (let i = 0; i < rule.warmupRuns; i++) await run();
  const samplesMs: number[] = [];
  const windowEnds: number[] = [];
  const windowCount = stability?.settings.windows ?? 1;
  const windowMs = rule.minDurationMs / windowCount;
  const windowRuns = Math.max(1, Math.ceil(rule.minRuns / windowCount));
  const readCounters = stability?.readCounters ?? readCpuCounters;
  const countersAtStart = stability ? readCounters() : null;
  const start = clock();
  let now = start;
  let windowStart = start;
  let stoppedBy: StopReason;
  for (;;) {
    const t0 = clock();
    await run();
    now = clock();
    samplesMs.push(now - t0);
    const elapsed = now - start;
    const inWindow = samplesMs.length - (windowEnds.at(-1) ?? 0);
    const windowClosed = inWindow >= windowRuns && now - windowStart >= windowMs;
    if (windowClosed) {
      windowEnds.push(samplesMs.length);
      windowStart = now;
    }
    const steady =
      stability === null ||
      (windowClosed &&
        windowDisagreements(
          summarizeWindows(samplesMs, windowEnds),
          stability.settings.windows,
          stability.settings.tolerance,
        ).length === 0);
    if (samplesMs.length >= rule.minRuns && elapsed >= rule.minDurationMs && steady) {
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
  let validity: Validity | null = null;
  if (stability) {
    if (windowEnds.at(-1) !== samplesMs.length) windowEnds.push(samplesMs.length);
    validity = judge({
      windows: summarizeWindows(samplesMs, windowEnds),
      stopRuleReasons: reasons,
      load: loadBetween(countersAtStart, readCounters()),
      settings: stability.settings,
    });
  }
  return {
    samplesMs,
    wallMs,
    warmupRuns: rule.warmupRuns,
    stoppedBy,
    valid: reasons.length === 0,
    reasons,
    validity,
  };
}
