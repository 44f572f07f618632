import { describe, expect, it } from "vitest";

import type { StopRule } from "../../../src/measure/profiler/measure-settings.js";
import { timeRuns } from "../../../src/measure/profiler/timing-loop.js";

/** A null runner on a fake clock: each run advances time by the next step (ms). */
function fakeRunner(stepMs: number | ((i: number) => number)) {
  let now = 0;
  let calls = 0;
  return {
    clock: () => now,
    run: () => {
      now += typeof stepMs === "number" ? stepMs : stepMs(calls);
      calls++;
    },
    calls: () => calls,
  };
}

const rule = (r: Partial<StopRule>): StopRule => ({
  warmupRuns: 0,
  minRuns: 1,
  minDurationMs: 0,
  maxRuns: 1_000_000,
  maxDurationMs: 1_000_000,
  ...r,
});

describe("timeRuns", () => {
  it("runs warm-up untimed, then exactly minRuns when the duration is already met", async () => {
    const r = fakeRunner(10);
    const rec = await timeRuns(r.run, rule({ warmupRuns: 3, minRuns: 5, minDurationMs: 20 }), r.clock);
    expect(r.calls()).toBe(8);
    expect(rec.samplesMs).toEqual([10, 10, 10, 10, 10]);
    expect(rec.wallMs).toBe(50);
    expect(rec).toMatchObject({ warmupRuns: 3, stoppedBy: "minimums-met", valid: true, reasons: [] });
  });

  it("keeps running past minRuns until minDurationMs is met (both minimums)", async () => {
    const r = fakeRunner(10);
    const rec = await timeRuns(r.run, rule({ minRuns: 2, minDurationMs: 95 }), r.clock);
    expect(rec.samplesMs.length).toBe(10);
    expect(rec.stoppedBy).toBe("minimums-met");
  });

  it("stops at maxRuns and is invalid when the duration is unmet", async () => {
    const r = fakeRunner(1);
    const rec = await timeRuns(
      r.run,
      rule({ minRuns: 5, minDurationMs: 100, maxRuns: 20, maxDurationMs: 100 }),
      r.clock,
    );
    expect(rec.samplesMs.length).toBe(20);
    expect(rec.stoppedBy).toBe("max-runs");
    expect(rec.valid).toBe(false);
    expect(rec.reasons).toEqual(["ran 20 of at least 100 ms"]);
  });

  it("stops at maxDurationMs and is invalid when runs are unmet", async () => {
    const r = fakeRunner(30);
    const rec = await timeRuns(
      r.run,
      rule({ minRuns: 10, minDurationMs: 50, maxRuns: 100, maxDurationMs: 90 }),
      r.clock,
    );
    expect(rec.samplesMs.length).toBe(3);
    expect(rec.stoppedBy).toBe("max-duration");
    expect(rec.valid).toBe(false);
    expect(rec.reasons).toEqual(["ran 3 of at least 10 runs"]);
  });

  it("records each run's own time", async () => {
    const r = fakeRunner((i) => i + 1);
    const rec = await timeRuns(r.run, rule({ minRuns: 4 }), r.clock);
    expect(rec.samplesMs).toEqual([1, 2, 3, 4]);
  });

  it("propagates a failing run", async () => {
    await expect(timeRuns(() => Promise.reject(new Error("boom")), rule({}))).rejects.toThrow("boom");
  });
});
