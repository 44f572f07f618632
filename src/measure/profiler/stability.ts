/**
 * The validity verdict of a timed loop, after Triton's perf_analyzer and MLPerf loadgen: the loop's timed runs
 * are cut into measurement windows, and a figure is stable when the last `windows` windows agree (each
 * window's mean run time, i.e. its throughput, and its median, i.e. its latency, within `tolerance` of their
 * average: perf_analyzer's stability percentage) and the machine was not busy with other work meanwhile.
 * MLPerf's minimum count and duration stay the stop rule's (timing-loop.ts). Pure: no clock, no I/O.
 */
import type { MachineLoad } from "./machine-load.js";
import { percentile } from "./statistics.js";

/** Settings of the verdict. */
export interface StabilitySettings {
  /** Consecutive windows that must agree (perf_analyzer: 3). */
  readonly windows: number;
  /** Largest relative deviation of a window's mean and median run time from the windows' average. */
  readonly tolerance: number;
  /** Largest share of all CPUs' time that other processes may take during the timed runs. */
  readonly maxForeignCpuShare: number;
  /** Times a measurement whose verdict is unstable is taken again before it is stored flagged. */
  readonly remeasure: number;
}

export const DEFAULT_STABILITY: StabilitySettings = {
  windows: 3,
  tolerance: 0.1,
  maxForeignCpuShare: 0.25,
  remeasure: 2,
};

/** The verdict: stable, unstable (windows disagree or the machine was busy), or invalid (minimums unmet). */
export type Verdict = "stable" | "unstable" | "invalid";

/** One measurement window. */
export interface WindowSummary {
  readonly runs: number;
  readonly durationMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
}

/** The verdict with its evidence, stored in every timed figure's provenance. */
export interface Validity {
  readonly verdict: Verdict;
  /** Why the figure is not stable; empty when it is. */
  readonly reasons: string[];
  /** The last windows compared (at most `settings.windows`). */
  readonly windows: WindowSummary[];
  readonly tolerance: number;
  readonly maxForeignCpuShare: number;
  /** The machine's load during the timed runs; null where it cannot be read (no /proc). */
  readonly load: MachineLoad | null;
  /** Measurements taken of this figure, the stored one included (1 unless re-measured). */
  readonly attempts: number;
}

/** Cuts consecutive samples into windows of `boundaries` (sample counts) and summarises each. */
export function summarizeWindows(
  samplesMs: ReadonlyArray<number>,
  ends: ReadonlyArray<number>,
): WindowSummary[] {
  const windows: WindowSummary[] = [];
  let start = 0;
  for (const end of ends) {
    const part = samplesMs.slice(start, end);
    if (part.length > 0) {
      const durationMs = part.reduce((a, b) => a + b, 0);
      windows.push({
        runs: part.length,
        durationMs,
        meanMs: durationMs / part.length,
        p50Ms: percentile(part, 0.5),
      });
    }
    start = end;
  }
  return windows;
}

/**
 * Returns why the last `count` windows disagree beyond `tolerance` (empty when they agree), or a reason when
 * there are fewer than `count` windows.
 */
export function windowDisagreements(
  windows: ReadonlyArray<WindowSummary>,
  count: number,
  tolerance: number,
): string[] {
  if (windows.length < count) return [`only ${windows.length} of ${count} measurement windows`];
  const last = windows.slice(-count);
  const reasons: string[] = [];
  for (const [field, label] of [
    ["meanMs", "mean run time (throughput)"],
    ["p50Ms", "median run time (latency)"],
  ] as const) {
    const values = last.map((w) => w[field]);
    const avg = values.reduce((a, b) => a + b, 0) / values.length;
    const worst = Math.max(...values.map((v) => Math.abs(v - avg) / avg));
    if (worst > tolerance) {
      reasons.push(
        `${label} of the last ${count} windows varies by ${(worst * 100).toFixed(1)} % (tolerance ${(tolerance * 100).toFixed(0)} %): ${values.map((v) => v.toFixed(2)).join(", ")} ms`,
      );
    }
  }
  return reasons;
}

/** Returns the verdict of one timed loop. */
export function judge(input: {
  readonly windows: ReadonlyArray<WindowSummary>;
  /** The stop rule's own reasons (minimums unmet); non-empty makes the figure invalid. */
  readonly stopRuleReasons: ReadonlyArray<string>;
  readonly load: MachineLoad | null;
  readonly settings: StabilitySettings;
}): Validity {
  const { settings, load } = input;
  const reasons = [...input.stopRuleReasons];
  const invalid = reasons.length > 0;
  reasons.push(...windowDisagreements(input.windows, settings.windows, settings.tolerance));
  if (load !== null && load.foreignCpuShare > settings.maxForeignCpuShare) {
    reasons.push(
      `other processes took ${(load.foreignCpuShare * 100).toFixed(0)} % of the machine's CPU time during the runs (at most ${(settings.maxForeignCpuShare * 100).toFixed(0)} % allowed; load average ${load.loadAverage1.end.toFixed(2)} on ${load.cpus} CPUs)`,
    );
  }
  return {
    verdict: invalid ? "invalid" : reasons.length > 0 ? "unstable" : "stable",
    reasons,
    windows: input.windows.slice(-settings.windows),
    tolerance: settings.tolerance,
    maxForeignCpuShare: settings.maxForeignCpuShare,
    load,
    attempts: 1,
  };
}
