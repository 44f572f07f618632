import { describe, expect, it } from "vitest";

import type { CpuCounters } from "../../../src/measure/profiler/machine-load.js";
import { loadBetween, readCpuCounters } from "../../../src/measure/profiler/machine-load.js";
import type { StopRule } from "../../../src/measure/profiler/measure-settings.js";
import { normalizeSettings } from "../../../src/measure/profiler/measure-settings.js";
import {
  DEFAULT_STABILITY,
  judge,
  summarizeWindows,
  windowDisagreements,
} from "../../../src/measure/profiler/stability.js";
import { timeRuns } from "../../../src/measure/profiler/timing-loop.js";

const rule = (r: Partial<StopRule>): StopRule => ({
  warmupRuns: 0,
  minRuns: 1,
  minDurationMs: 0,
  maxRuns: 1_000_000,
  maxDurationMs: 1_000_000,
  ...r,
});

/** A runner on a fake clock whose i-th run takes step(i) ms, and a machine whose counters never move. */
function fakeRunner(step: (i: number) => number) {
  let now = 0;
  let calls = 0;
  return {
    clock: () => now,
    run: () => {
      now += step(calls++);
    },
    calls: () => calls,
  };
}
const idleMachine = (): CpuCounters => ({ busy: 0, total: 0, own: 0, loadAverage1: 0, atMs: 0 });

describe("summarizeWindows / windowDisagreements", () => {
  it("cuts samples at the window ends and summarises each window", () => {
    const w = summarizeWindows([1, 2, 3, 10, 10, 10], [3, 6]);
    expect(w).toEqual([
      { runs: 3, durationMs: 6, meanMs: 2, p50Ms: 2 },
      { runs: 3, durationMs: 30, meanMs: 10, p50Ms: 10 },
    ]);
  });

  it("accepts windows within the tolerance and names both figures when they drift", () => {
    const steady = [10, 10.5, 9.8].map((m) => ({ runs: 5, durationMs: 5 * m, meanMs: m, p50Ms: m }));
    expect(windowDisagreements(steady, 3, 0.1)).toEqual([]);
    const drifting = [10, 10, 14].map((m) => ({ runs: 5, durationMs: 5 * m, meanMs: m, p50Ms: m }));
    const reasons = windowDisagreements(drifting, 3, 0.1);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/mean run time \(throughput\) of the last 3 windows varies by 23\.5 %/);
    expect(reasons[1]).toMatch(/median run time \(latency\)/);
    expect(windowDisagreements(steady.slice(0, 2), 3, 0.1)).toEqual(["only 2 of 3 measurement windows"]);
  });
});

describe("judge", () => {
  const windows = [10, 10, 10].map((m) => ({ runs: 5, durationMs: 50, meanMs: m, p50Ms: m }));
  const load = (foreign: number) => ({
    cpus: 2,
    foreignCpuShare: foreign,
    ownCpuShare: 0.5,
    foreignCpuMs: 1000 * foreign,
    loadAverage1: { start: 1, end: 2 },
    windowMs: 1000,
  });

  it("is stable when the windows agree and the machine is quiet", () => {
    const v = judge({ windows, stopRuleReasons: [], load: load(0.05), settings: DEFAULT_STABILITY });
    expect(v.verdict).toBe("stable");
    expect(v.reasons).toEqual([]);
  });

  it("is unstable when other processes took more CPU than allowed, and says how much", () => {
    const v = judge({ windows, stopRuleReasons: [], load: load(0.6), settings: DEFAULT_STABILITY });
    expect(v.verdict).toBe("unstable");
    expect(v.reasons[0]).toMatch(/other processes took 60 % of the machine's CPU time/);
  });

  it("is invalid when the stop rule's minimums were not met, whatever the windows say", () => {
    const v = judge({
      windows,
      stopRuleReasons: ["ran 3 of at least 10 runs"],
      load: null,
      settings: DEFAULT_STABILITY,
    });
    expect(v.verdict).toBe("invalid");
  });
});

describe("timeRuns with a stability check", () => {
  it("stops at the minimums when the windows agree", async () => {
    const r = fakeRunner(() => 10);
    const rec = await timeRuns(r.run, rule({ minRuns: 30, minDurationMs: 300 }), r.clock, {
      settings: DEFAULT_STABILITY,
      readCounters: idleMachine,
    });
    expect(rec.samplesMs).toHaveLength(30);
    expect(rec.stoppedBy).toBe("minimums-met");
    expect(rec.validity?.verdict).toBe("stable");
    expect(rec.validity?.windows.map((w) => w.runs)).toEqual([10, 10, 10]);
  });

  it("runs on while the windows disagree and stops as soon as the last three agree", async () => {
    // The first 20 runs are slow (a noisy neighbour), then the machine settles.
    const r = fakeRunner((i) => (i < 20 ? 30 : 10));
    const rec = await timeRuns(r.run, rule({ minRuns: 30, minDurationMs: 300 }), r.clock, {
      settings: DEFAULT_STABILITY,
      readCounters: idleMachine,
    });
    expect(rec.samplesMs.length).toBeGreaterThan(30);
    expect(rec.stoppedBy).toBe("minimums-met");
    expect(rec.validity?.verdict).toBe("stable");
    expect(rec.validity?.windows.every((w) => w.meanMs === 10)).toBe(true);
  });

  it("gives an unstable verdict with its reasons when the windows never agree before the maximum", async () => {
    const r = fakeRunner((i) => (Math.floor(i / 10) % 2 === 0 ? 10 : 20));
    const rec = await timeRuns(r.run, rule({ minRuns: 30, minDurationMs: 300, maxRuns: 120 }), r.clock, {
      settings: DEFAULT_STABILITY,
      readCounters: idleMachine,
    });
    expect(rec.stoppedBy).toBe("max-runs");
    expect(rec.valid).toBe(true);
    expect(rec.validity?.verdict).toBe("unstable");
    expect(rec.validity?.reasons.join(" ")).toMatch(/varies by/);
  });

  it("leaves the record without a verdict when no stability check is asked for", async () => {
    const r = fakeRunner(() => 1);
    const rec = await timeRuns(r.run, rule({ minRuns: 3 }), r.clock);
    expect(rec.validity).toBeNull();
  });
});

describe("machine load", () => {
  it("splits the CPU time between this process and the others", () => {
    const a: CpuCounters = { busy: 1000, total: 4000, own: 100, loadAverage1: 0.5, atMs: 0 };
    const b: CpuCounters = { busy: 1300, total: 4400, own: 200, loadAverage1: 1.5, atMs: 2000 };
    const load = loadBetween(a, b)!;
    expect(load.ownCpuShare).toBeCloseTo(0.25);
    expect(load.foreignCpuShare).toBeCloseTo(0.5);
    expect(load.foreignCpuMs).toBe(2000);
    expect(load.loadAverage1).toEqual({ start: 0.5, end: 1.5 });
    expect(loadBetween(a, null)).toBeNull();
  });

  it("reads this Linux machine's counters", () => {
    const c = readCpuCounters();
    expect(c).not.toBeNull();
    expect(c!.total).toBeGreaterThan(c!.busy);
    expect(c!.own).toBeGreaterThan(0);
  });
});

describe("stability settings", () => {
  it("defaults to perf_analyzer's three windows within 10 % and refuses nonsense", () => {
    expect(normalizeSettings().stability).toEqual(DEFAULT_STABILITY);
    expect(normalizeSettings({ stability: { remeasure: 0 } }).stability.remeasure).toBe(0);
    expect(() => normalizeSettings({ stability: { tolerance: 0 } })).toThrow(/stability.tolerance/);
    expect(() => normalizeSettings({ stability: { windows: 0 } })).toThrow(/stability.windows/);
    expect(() => normalizeSettings({ stability: { maxForeignCpuShare: 2 } })).toThrow(/maxForeignCpuShare/);
  });
});
