import { describe, expect, it } from "vitest";

import {
  mean,
  meanConfidenceInterval,
  percentile,
  relativeDifference,
  stddev,
  studentT,
  summarize,
} from "../../../src/measure/profiler/statistics.js";

describe("percentile", () => {
  it("rejects an empty sample and out-of-range p", () => {
    expect(() => percentile([], 0.5)).toThrow(/empty/);
    expect(() => percentile([1], 1.5)).toThrow(/within \[0, 1\]/);
    expect(() => percentile([1, Number.NaN], 0.5)).toThrow(/sample 1 is not a finite number/);
  });

  it("returns the only value of a single-element sample", () => {
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([7], 0.99)).toBe(7);
  });

  it("interpolates linearly between order statistics like numpy", () => {
    // numpy.percentile([10, 20, 30, 40], [50, 90, 99]) = [25, 37, 39.7]
    expect(percentile([40, 10, 30, 20], 0.5)).toBeCloseTo(25, 12);
    expect(percentile([40, 10, 30, 20], 0.9)).toBeCloseTo(37, 12);
    expect(percentile([40, 10, 30, 20], 0.99)).toBeCloseTo(39.7, 12);
    expect(percentile([40, 10, 30, 20], 0)).toBe(10);
    expect(percentile([40, 10, 30, 20], 1)).toBe(40);
  });

  it("handles ties", () => {
    expect(percentile([5, 5, 5, 5], 0.9)).toBe(5);
  });
});

describe("mean and stddev", () => {
  it("uses n - 1 and returns 0 spread for one value", () => {
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9])).toBe(5);
    // Population stddev is 2; the sample stddev is sqrt(32 / 7).
    expect(stddev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(stddev([3])).toBe(0);
  });

  it("stays exact for a large offset with a small spread", () => {
    const xs = [1e9 + 1, 1e9 + 2, 1e9 + 3];
    expect(mean(xs)).toBe(1e9 + 2);
    expect(stddev(xs)).toBeCloseTo(1, 9);
  });
});

describe("studentT", () => {
  it("returns table values for small df", () => {
    expect(studentT(0.95, 1)).toBeCloseTo(12.706205, 6);
    expect(studentT(0.95, 30)).toBeCloseTo(2.042272, 6);
    expect(studentT(0.99, 10)).toBeCloseTo(3.169273, 6);
  });

  it("approximates large df within 1e-4 (Cornish-Fisher)", () => {
    // scipy.stats.t.ppf(0.975, df) for df = 31, 60, 120, 1000
    expect(Math.abs(studentT(0.95, 31) - 2.039513)).toBeLessThan(1e-4);
    expect(Math.abs(studentT(0.95, 60) - 2.000298)).toBeLessThan(1e-4);
    expect(Math.abs(studentT(0.95, 120) - 1.97993)).toBeLessThan(1e-4);
    expect(Math.abs(studentT(0.95, 1000) - 1.962339)).toBeLessThan(1e-4);
    expect(Math.abs(studentT(0.99, 40) - 2.704459)).toBeLessThan(1e-4);
  });

  it("rejects bad degrees of freedom and levels", () => {
    expect(() => studentT(0.95, 0)).toThrow(/degrees of freedom/);
    expect(() => studentT(0.8 as 0.9, 5)).toThrow(/unsupported confidence level/);
  });
});

describe("meanConfidenceInterval", () => {
  it("is mean ± t·s/√n", () => {
    const ci = meanConfidenceInterval([1, 2, 3], 0.95);
    const half = (4.302653 * 1) / Math.sqrt(3);
    expect(ci.low).toBeCloseTo(2 - half, 5);
    expect(ci.high).toBeCloseTo(2 + half, 5);
    expect(ci.relativeHalfWidth).toBeCloseTo(half / 2, 5);
  });

  it("needs two samples", () => {
    expect(() => meanConfidenceInterval([1])).toThrow(/at least two/);
  });
});

describe("summarize", () => {
  it("summarizes one value without an interval", () => {
    const s = summarize([4]);
    expect(s).toMatchObject({
      count: 1,
      min: 4,
      max: 4,
      mean: 4,
      stddev: 0,
      cv: 0,
      p50: 4,
      p99: 4,
      ci: null,
    });
  });

  it("summarizes a sample", () => {
    const s = summarize([4, 1, 3, 2]);
    expect(s.count).toBe(4);
    expect([s.min, s.max, s.mean, s.p50]).toEqual([1, 4, 2.5, 2.5]);
    expect(s.p90).toBeCloseTo(3.7, 12);
    expect(s.cv).toBeCloseTo(stddev([1, 2, 3, 4]) / 2.5, 12);
    expect(s.ci?.level).toBe(0.95);
    expect(s.ci!.low).toBeLessThan(2.5);
    expect(s.ci!.high).toBeGreaterThan(2.5);
  });
});

describe("relativeDifference", () => {
  it("is |a - b| over their mean, 0 for two zeros", () => {
    expect(relativeDifference(100, 103)).toBeCloseTo(3 / 101.5, 12);
    expect(relativeDifference(0, 0)).toBe(0);
  });
});
