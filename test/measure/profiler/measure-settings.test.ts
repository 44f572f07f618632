import { describe, expect, it } from "vitest";

import { DEFAULT_SETTINGS, normalizeSettings } from "../../../src/measure/profiler/measure-settings.js";

describe("normalizeSettings", () => {
  it("returns the defaults for no input", () => {
    expect(normalizeSettings()).toEqual(DEFAULT_SETTINGS);
  });

  it("merges nested settings field by field", () => {
    const s = normalizeSettings({
      latency: { minRuns: 5 },
      throughput: { search: { minDurationMs: 10 }, maxBatchSize: 16 },
    });
    expect(s.latency).toEqual({ ...DEFAULT_SETTINGS.latency, minRuns: 5 });
    expect(s.throughput.search).toEqual({ ...DEFAULT_SETTINGS.throughput.search, minDurationMs: 10 });
    expect(s.throughput.final).toEqual(DEFAULT_SETTINGS.throughput.final);
    expect(s.throughput.maxBatchSize).toBe(16);
  });

  it("names the setting out of range", () => {
    expect(() => normalizeSettings({ latency: { minRuns: 0 } })).toThrow(
      "latency.minRuns must be a positive integer, got 0",
    );
    expect(() => normalizeSettings({ latency: { minRuns: 10, maxRuns: 5 } })).toThrow(
      /latency.maxRuns \(5\) must be at least latency.minRuns \(10\)/,
    );
    expect(() =>
      normalizeSettings({ throughput: { final: { minDurationMs: 50, maxDurationMs: 10 } } }),
    ).toThrow(/throughput.final.maxDurationMs/);
    expect(() => normalizeSettings({ throughput: { batchSizes: [4, 2] } })).toThrow(/strictly ascending/);
    expect(() => normalizeSettings({ throughput: { minGain: 1 } })).toThrow(/minGain/);
    expect(() => normalizeSettings({ memory: { runs: 1.5 } })).toThrow(/memory.runs/);
    expect(() => normalizeSettings({ latency: { minDurationMs: Number.NaN } })).toThrow(
      /latency.minDurationMs/,
    );
  });
});
